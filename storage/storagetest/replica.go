package storagetest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"partnerka/storage"
)

// EnvReplicaURL is a streaming replica of the server at EnvDatabaseURL
// (its postgres database, as there), which `make test` starts.
const EnvReplicaURL = "PARTNERKA_TEST_REPLICA_URL"

// HasReplica reports whether the tests have a streaming replica
// (EnvReplicaURL): for suites that run on it when there is one.
func HasReplica() bool { return os.Getenv(EnvReplicaURL) != "" }

// NewDBWithReplica returns an open, prepared DB on a fresh database (as
// NewDB), and one on the same database through the test server's
// streaming replica (EnvReplicaURL), once the replica has replayed its
// creation. Without EnvReplicaURL the test skips (fails under CI).
func NewDBWithReplica(t testing.TB) (primary, replica *storage.DB) {
	t.Helper()
	return newDBWithReplica(t, nil)
}

// NewDBWithReplicaBehindProxy is NewDBWithReplica with the replica
// reached through a Proxy: cutting it takes the replica away, as a
// replica stopped or unreachable looks to the program.
func NewDBWithReplicaBehindProxy(t testing.TB) (primary, replica *storage.DB, proxy *Proxy) {
	t.Helper()
	primary, replica = newDBWithReplica(t, func(u *url.URL) {
		proxy = NewProxy(t, u.Host)
		u.Host = proxy.Addr()
	})
	return primary, replica, proxy
}

func newDBWithReplica(t testing.TB, through func(*url.URL)) (primary, replica *storage.DB) {
	t.Helper()
	replicaAdmin := need(t, EnvReplicaURL)
	primary = NewDB(t)
	var name string
	if err := primary.GetContext(context.Background(), &name, `SELECT current_database()`); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	admin, err := storage.Dial(replicaAdmin)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := CatchUp(ctx, primary, admin); err != nil {
		t.Fatalf("the replica at %s did not replay the new database: %v", storage.RedactURL(replicaAdmin), err)
	}
	u, err := url.Parse(withDatabase(replicaAdmin, name))
	if err != nil {
		t.Fatal(err)
	}
	if through != nil {
		through(u)
	}
	if replica, err = storage.Dial(u.String()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { replica.Close() }) // before the database is dropped: cleanups run last first
	if err := replica.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return primary, replica
}

// CatchUp returns once replica (any database of a streaming replica of
// primary's server) has replayed everything primary's server had written
// when it was called. It has the primary flush its WAL first: a server
// with synchronous_commit off (make test's) leaves that to its WAL writer,
// for up to a few hundred milliseconds.
func CatchUp(ctx context.Context, primary, replica *storage.DB) error {
	tx, err := primary.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = on`); err != nil {
		return err
	}
	// A transaction that wrote WAL (a message no one reads) commits by
	// flushing it, and everything before it; one that did not, or only
	// took an xid, commits asynchronously all the same.
	if _, err := tx.ExecContext(ctx, `SELECT pg_logical_emit_message(true, 'storagetest', 'catch up')`); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	// Flushed: that commit and all before it, and none of the writes of
	// other tests still waiting for the WAL writer.
	var flushed string
	if err := primary.GetContext(ctx, &flushed, `SELECT pg_current_wal_flush_lsn()::text`); err != nil {
		return err
	}
	want, err := storage.ParseLSN(flushed)
	if err != nil {
		return err
	}
	for {
		got, err := replica.ReplayLSN(ctx)
		if err != nil {
			return err
		}
		if got >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("replayed %s of %s: %w", got, want, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}
