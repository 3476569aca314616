package storage

import (
	"strings"
	"testing"
	"time"
)

func TestClickBatchRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 123e6, time.UTC)
	in := []StreamClick{
		{ID: "06F5QJ4M3Z1R8KX9C2H7T0WBNA", LinkID: 1, PartnerID: 2, SubID: "blog", At: at, Flags: 0, IP: "10.0.0.1",
			UserAgent: "Mozilla/5.0", Referer: "https://a.example/", Landing: "https://example.com/?a=1&pk_click=x"},
		{ID: "06F5QJ4M3Z1R8KX9C2H7T0WBNB", LinkID: 3, PartnerID: 4, At: at, Flags: 5, IP: "::1",
			PrevClick: "06F5QJ4M3Z1R8KX9C2H7T0WBNA", UserAgent: "evil\tagent\nwith\rcontrols", Referer: ""},
	}
	var lines []byte
	for i := range in {
		lines = AppendClick(lines, &in[i])
	}
	f := ClickBatchFields(len(in), lines)
	values := map[string]any{}
	for i := 0; i < len(f); i += 2 {
		v := f[i+1]
		if b, ok := v.([]byte); ok {
			v = string(b) // Redis returns strings
		}
		values[f[i].(string)] = v
	}
	out, err := DecodeClickBatch(values)
	if err != nil {
		t.Fatal(err)
	}
	in[1].UserAgent = "evil agent with controls"
	if len(out) != len(in) {
		t.Fatalf("%d clicks, want %d", len(out), len(in))
	}
	for i := range in {
		if out[i] != in[i] {
			t.Errorf("click %d:\n got %+v\nwant %+v", i, out[i], in[i])
		}
	}
	for name, bad := range map[string]map[string]any{
		"wrong version":  {"v": "9", "n": "0", "c": ""},
		"count mismatch": {"v": "1", "n": "3", "c": string(lines)},
		"truncated":      {"v": "1", "n": "2", "c": strings.TrimSuffix(string(lines), "\n")},
		"too few fields": {"v": "1", "n": "1", "c": "a\tb\n"},
		"bad number":     {"v": "1", "n": "1", "c": strings.Replace(string(lines[:len(lines)/2]), "\t1\t", "\tx\t", 1)},
	} {
		if _, err := DecodeClickBatch(bad); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}
