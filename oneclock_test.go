package partnerka

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The program has one clock (Clock). Its source code never asks the
// database for the time, and never reads the wall clock but through
// SystemClock: a call of time.Now elsewhere measures elapsed time (a
// duration, a deadline, a cache's age) or makes an instant that another
// clock judges (a cookie's Expires), and says which on its line. The
// schema's side of the rule (no column default or function takes the
// database's time) is checked against a migrated database in storage.
func TestOneClockInSource(t *testing.T) {
	dbClock := regexp.MustCompile(`(?i)\b(now\s*\(\s*\)|current_timestamp|current_date|current_time|localtimestamp|localtime|transaction_timestamp|statement_timestamp|clock_timestamp|timeofday)\b`)
	sqlComment := regexp.MustCompile(`--[^\n]*`)
	rawString := regexp.MustCompile("`[^`]*`")
	wallClock := regexp.MustCompile(`\btime\.Now\b`)
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			// Migrations that have run are history (00012 drops the
			// defaults they set); scripts are benchmarks and tools.
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "migrations" || name == "scripts") {
				return filepath.SkipDir
			}
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		src := string(b)
		switch {
		case strings.HasSuffix(path, ".sql"):
			checked++
			for i, line := range strings.Split(src, "\n") {
				if m := dbClock.FindString(sqlComment.ReplaceAllString(line, "")); m != "" {
					t.Errorf("%s:%d: %s takes the database's time; pass the program's clock as a parameter", path, i+1, m)
				}
			}
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			checked++
			for _, s := range rawString.FindAllStringIndex(src, -1) {
				if m := dbClock.FindString(sqlComment.ReplaceAllString(src[s[0]:s[1]], "")); m != "" {
					t.Errorf("%s:%d: SQL with %s takes the database's time; pass the program's clock as a parameter",
						path, strings.Count(src[:s[0]], "\n")+1, m)
				}
			}
			for i, line := range strings.Split(src, "\n") {
				if wallClock.MatchString(line) && !strings.Contains(line, "// elapsed:") && !strings.Contains(line, "// wall:") {
					t.Errorf("%s:%d: time.Now outside the program's clock; take an injected Clock, or say why on the line (// elapsed: or // wall:)", path, i+1)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked %d files; the walk did not reach the sources", checked)
	}
}
