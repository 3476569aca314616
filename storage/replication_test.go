package storage_test

import (
	"context"
	"testing"

	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// LSNs read as PostgreSQL prints them, compare as positions and print
// back the same.
func TestParseLSN(t *testing.T) {
	for _, tc := range []struct {
		text string
		want storage.LSN
		ok   bool
	}{
		{"0/0", 0, true},
		{"16/B374D848", 0x16_B374D848, true},
		{"FFFFFFFF/FFFFFFFF", 1<<64 - 1, true},
		{"0/1", 1, true},
		{"", 0, false},
		{"16B374D848", 0, false},
		{"1/2/3", 0, false},
		{"G/0", 0, false},
		{"100000000/0", 0, false},
	} {
		got, err := storage.ParseLSN(tc.text)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseLSN(%q) = %v, %v; want %v, ok %v", tc.text, got, err, tc.want, tc.ok)
		}
		if tc.ok && got.String() != tc.text {
			t.Errorf("%q prints as %q", tc.text, got.String())
		}
	}
	if a, b := storage.LSN(0x1_00000000), storage.LSN(0xFFFFFFFF); a <= b {
		t.Errorf("1/0 is not after 0/FFFFFFFF")
	}
}

// A streaming replica follows its primary: its replay position reaches
// the primary's, and it shares the primary's system identifier; the
// primary has no replay position.
func TestReplicaPositions(t *testing.T) {
	primary, replica := storagetest.NewDBWithReplica(t)
	ctx := context.Background()
	if _, err := primary.ReplayLSN(ctx); err == nil {
		t.Errorf("the primary has a replay position")
	}
	if err := storagetest.CatchUp(ctx, primary, replica); err != nil {
		t.Fatal(err)
	}
	flushed, err := primary.WALFlushLSN(ctx)
	if err != nil {
		t.Fatal(err)
	}
	inserted, err := primary.WALInsertLSN(ctx)
	if err != nil || inserted < flushed {
		t.Errorf("insert position %v before the flushed %v (%v)", inserted, flushed, err)
	}
	if replayed, err := replica.ReplayLSN(ctx); err != nil || replayed == 0 {
		t.Errorf("replica's replay position: %v, %v", replayed, err)
	}
	a, err1 := primary.SystemIdentifier(ctx)
	b, err2 := replica.SystemIdentifier(ctx)
	if err1 != nil || err2 != nil || a != b || a == "" {
		t.Errorf("system identifiers %q and %q (%v, %v)", a, b, err1, err2)
	}
}
