package storage

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ClickStream is the Redis stream (before the key prefix) the tracker
// appends clicks to and the reconciler drains: shard 0 of the click
// stream, and its only shard unless PARTNERKA_CLICK_SHARDS asks for more
// (see ClickShard).
const ClickStream = "clicks"

// Clicks travel in the stream in batches: one stream entry per group
// commit, with fields
//
//	v  format version ("1")
//	n  number of clicks
//	c  the clicks, one per line, fields separated by tabs:
//	   id link partner sub t_ms flags ip prev user_agent referer landing_url
//
// One XADD per batch instead of one per click keeps Redis's cost per click
// small on the hot path, and lets the reconciler read thousands of clicks
// per round trip. Tabs, newlines and other control characters inside text
// fields are replaced by spaces when encoding.
const clickFormat = "1"

// Click flags, as stored in the stream and in clicks.flags. A click with
// any flag set is recorded but never attributes.
const (
	FlagBot      = 1
	FlagPrefetch = 2
	FlagHead     = 4
)

// StreamClick is one click as recorded in the stream.
type StreamClick struct {
	ID        string // 26-character click id
	LinkID    int64
	PartnerID int64
	SubID     string
	At        time.Time
	Flags     int
	IP        string
	PrevClick string
	UserAgent string
	Referer   string
	Landing   string
}

// AppendClick appends one click line (with its newline) to dst.
func AppendClick(dst []byte, c *StreamClick) []byte {
	dst = append(dst, c.ID...)
	dst = append(dst, '\t')
	dst = strconv.AppendInt(dst, c.LinkID, 10)
	dst = append(dst, '\t')
	dst = strconv.AppendInt(dst, c.PartnerID, 10)
	dst = append(dst, '\t')
	dst = appendClean(dst, c.SubID)
	dst = append(dst, '\t')
	dst = strconv.AppendInt(dst, c.At.UnixMilli(), 10)
	dst = append(dst, '\t')
	dst = strconv.AppendInt(dst, int64(c.Flags), 10)
	dst = append(dst, '\t')
	dst = appendClean(dst, c.IP)
	dst = append(dst, '\t')
	dst = appendClean(dst, c.PrevClick)
	dst = append(dst, '\t')
	dst = appendClean(dst, c.UserAgent)
	dst = append(dst, '\t')
	dst = appendClean(dst, c.Referer)
	dst = append(dst, '\t')
	dst = appendClean(dst, c.Landing)
	return append(dst, '\n')
}

// appendClean appends s with control characters replaced by spaces, so a
// value can never break the line format.
func appendClean(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			c = ' '
		}
		dst = append(dst, c)
	}
	return dst
}

// ClickBatchFields returns the XADD field list of an encoded batch.
func ClickBatchFields(n int, lines []byte) []any {
	return []any{"v", clickFormat, "n", strconv.Itoa(n), "c", lines}
}

// ErrClickFormat marks a stream entry that cannot be decoded; the reconciler
// moves such entries to the dead-letter stream.
var ErrClickFormat = errors.New("click stream entry is malformed")

// DecodeClickBatch decodes the fields of one stream entry.
func DecodeClickBatch(values map[string]any) ([]StreamClick, error) {
	if values["v"] != clickFormat {
		return nil, fmt.Errorf("%w: format version %v", ErrClickFormat, values["v"])
	}
	n, err := strconv.Atoi(fmt.Sprint(values["n"]))
	if err != nil || n < 0 {
		return nil, fmt.Errorf("%w: count %v", ErrClickFormat, values["n"])
	}
	body, _ := values["c"].(string)
	out := make([]StreamClick, 0, n)
	rest := []byte(body)
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return nil, fmt.Errorf("%w: unterminated line", ErrClickFormat)
		}
		c, err := decodeClick(string(rest[:i]))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		rest = rest[i+1:]
	}
	if len(out) != n {
		return nil, fmt.Errorf("%w: %d clicks, header says %d", ErrClickFormat, len(out), n)
	}
	return out, nil
}

func decodeClick(line string) (StreamClick, error) {
	var f [11]string
	k := 0
	for k < 10 {
		i := indexTab(line)
		if i < 0 {
			return StreamClick{}, fmt.Errorf("%w: %d fields", ErrClickFormat, k+1)
		}
		f[k], line = line[:i], line[i+1:]
		k++
	}
	f[10] = line
	var c StreamClick
	var err1, err2, err3, err4 error
	c.ID = f[0]
	c.LinkID, err1 = strconv.ParseInt(f[1], 10, 64)
	c.PartnerID, err2 = strconv.ParseInt(f[2], 10, 64)
	c.SubID = f[3]
	ms, err3 := strconv.ParseInt(f[4], 10, 64)
	c.At = time.UnixMilli(ms).UTC()
	c.Flags, err4 = strconv.Atoi(f[5])
	c.IP, c.PrevClick, c.UserAgent, c.Referer, c.Landing = f[6], f[7], f[8], f[9], f[10]
	if err := errors.Join(err1, err2, err3, err4); err != nil || len(c.ID) != 26 {
		return StreamClick{}, fmt.Errorf("%w: %q", ErrClickFormat, f[0])
	}
	return c, nil
}

func indexTab(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '\t' {
			return i
		}
	}
	return -1
}
