package benchdb

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"partnerka/storage"
)

// WrkResult is what one wrk run measured.
type WrkResult struct {
	WrkCPU           float64 // CPU seconds wrk itself used
	RPS              float64
	P50, P99         float64 // ms
	Answered, Errors int64
}

// LinksScript writes the wrk script that asks for a random one of codes
// per request into folder work and returns its path.
func LinksScript(work string, codes []string) (string, error) {
	codeFile := filepath.Join(work, "codes.txt")
	if err := os.WriteFile(codeFile, []byte(strings.Join(codes, "\n")+"\n"), 0o644); err != nil {
		return "", err
	}
	script := filepath.Join(work, "links.lua")
	return script, os.WriteFile(script, []byte(`codes = {}
for line in io.lines("`+codeFile+`") do codes[#codes + 1] = line end
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "/r/" .. codes[math.random(#codes)] .. "?utm_source=bench")
end
`), 0o644)
}

// Median is the middle of xs (the upper one of an even count).
func Median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// MedianOf is the Median of f over rs: one figure of a set of runs.
func MedianOf[T any](rs []T, f func(T) float64) float64 {
	xs := make([]float64, len(rs))
	for i, r := range rs {
		xs[i] = f(r)
	}
	return Median(xs)
}

// FmtList prints xs with two decimals, separated by spaces.
func FmtList(xs []float64) string {
	var s []string
	for _, x := range xs {
		s = append(s, strconv.FormatFloat(x, 'f', 2, 64))
	}
	return strings.Join(s, " ")
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reRequests = regexp.MustCompile(`(\d+) requests in`)
	reNon3xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	rePct      = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
)

// Wrk loads target with wrk (two threads, conns connections, the Lua
// script) for dur and reads its report.
func Wrk(script, target string, conns int, dur time.Duration) (WrkResult, error) {
	cmd := exec.Command("wrk", "-t2", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(int(dur.Seconds()))+"s",
		"--latency", "-s", script, "-H", "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
		target)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return WrkResult{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	s := string(out)
	var r WrkResult
	r.WrkCPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	if m := reRPS.FindStringSubmatch(s); m != nil {
		r.RPS, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := reRequests.FindStringSubmatch(s); m != nil {
		r.Answered, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := reNon3xx.FindStringSubmatch(s); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.Answered -= n
		r.Errors += n
	}
	if m := reSocket.FindStringSubmatch(s); m != nil {
		for _, x := range m[1:] {
			n, _ := strconv.ParseInt(x, 10, 64)
			r.Errors += n
		}
	}
	for _, m := range rePct.FindAllStringSubmatch(s, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[3] {
		case "us":
			v /= 1000
		case "s":
			v *= 1000
		}
		if m[1] == "50" {
			r.P50 = v
		} else {
			r.P99 = v
		}
	}
	if r.RPS == 0 {
		return r, fmt.Errorf("could not read wrk output:\n%s", s)
	}
	return r, nil
}

// WaitReady waits until every url answers below 500.
func WaitReady(urls ...string) error {
	c := &http.Client{Timeout: time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, u := range urls {
		var err error
		for i := 0; i < 200; i++ {
			var resp *http.Response
			if resp, err = c.Get(u); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode < 500 {
					break
				}
				err = fmt.Errorf("status %d", resp.StatusCode)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			return fmt.Errorf("%s not ready: %v", u, err)
		}
	}
	return nil
}

// ProcCPU returns the user+system CPU seconds a process has used.
func ProcCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	return (utime + stime) / 100 // USER_HZ
}

// LastEntryOf returns the id of the newest entry of stream ("0" when empty).
func LastEntryOf(ctx context.Context, rdb *storage.Redis, stream string) string {
	msgs, err := rdb.XRevRangeN(ctx, rdb.Key(stream), "+", "-", 1).Result()
	if err != nil || len(msgs) == 0 {
		return "0"
	}
	return msgs[0].ID
}

// CountClicksOf counts the clicks in stream's entries after the entry id
// after, decoding every batch: a click counts only if it is really there.
func CountClicksOf(ctx context.Context, rdb *storage.Redis, stream, after string) (clicks, entries int64, err error) {
	for {
		msgs, err := rdb.XRangeN(ctx, rdb.Key(stream), "("+after, "+", 1000).Result()
		if err != nil {
			return 0, 0, err
		}
		if len(msgs) == 0 {
			return clicks, entries, nil
		}
		for _, m := range msgs {
			batch, err := storage.DecodeClickBatch(m.Values)
			if err != nil {
				return 0, 0, err
			}
			clicks += int64(len(batch))
			entries++
		}
		after = msgs[len(msgs)-1].ID
	}
}

// PerReq turns CPU seconds over a run into microseconds per answered request.
func PerReq(cpu float64, r WrkResult) float64 {
	if r.Answered == 0 {
		return 0
	}
	return cpu / float64(r.Answered) * 1e6
}
