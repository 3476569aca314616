package partnerka

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"time"
)

// ClickID is a 128-bit, time-ordered click identifier in the UUID version 7
// layout: 48 bits of Unix milliseconds, then version, variant and 74 random
// bits. Its text form is 26 characters of Crockford base32, URL-safe and
// sorting in time order as plain strings do.
type ClickID [16]byte

// NewClickID mints an id for a click at t. The random bits come from the
// runtime's per-thread ChaCha8 generator: unpredictable enough for an
// identifier and free of locks; the cookie's HMAC, not the id, is what
// makes a click unforgeable.
func NewClickID(t time.Time) ClickID {
	var id ClickID
	ms := uint64(t.UnixMilli())
	binary.BigEndian.PutUint64(id[8:], rand.Uint64())
	r := rand.Uint64()
	id[0], id[1], id[2], id[3], id[4], id[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	id[6] = 0x70 | byte(r>>8)&0x0f // version 7
	id[7] = byte(r)
	id[8] = 0x80 | id[8]&0x3f // RFC 9562 variant
	return id
}

// Time returns the millisecond the id was minted at.
func (id ClickID) Time() time.Time {
	ms := int64(id[0])<<40 | int64(id[1])<<32 | int64(id[2])<<24 | int64(id[3])<<16 | int64(id[4])<<8 | int64(id[5])
	return time.UnixMilli(ms).UTC()
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// AppendText appends the 26-character form of id to b.
func (id ClickID) AppendText(b []byte) []byte {
	hi := binary.BigEndian.Uint64(id[:8])
	lo := binary.BigEndian.Uint64(id[8:])
	// 130 bits: two zero bits, then the 128 bits of the id, 5 bits a digit.
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return append(b, out[:]...)
}

// String returns the 26-character form of id.
func (id ClickID) String() string { return string(id.AppendText(make([]byte, 0, 26))) }

// ParseClickUUID parses the canonical UUID text PostgreSQL returns.
func ParseClickUUID(s string) (ClickID, error) {
	var id ClickID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, errClickID
	}
	j := 0
	for i := 0; i < 36; i += 2 {
		if s[i] == '-' {
			i--
			continue
		}
		hi, lo := unhex(s[i]), unhex(s[i+1])
		if hi < 0 || lo < 0 {
			return id, errClickID
		}
		id[j] = byte(hi<<4 | lo)
		j++
	}
	return id, nil
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// UUID returns the canonical UUID text of id, as PostgreSQL stores it.
func (id ClickID) UUID() string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 36)
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hex[c>>4], hex[c&15])
	}
	return string(b)
}

var errClickID = errors.New("click id must be 26 characters of Crockford base32")

// ParseClickID parses the 26-character form, accepting lower case.
func ParseClickID(s string) (ClickID, error) {
	var id ClickID
	if len(s) != 26 {
		return id, errClickID
	}
	var hi, lo uint64
	for i := 0; i < 26; i++ {
		v := crockfordValue(s[i])
		if v < 0 || (i == 0 && v > 7) { // the first digit holds only 3 bits
			return id, errClickID
		}
		hi = hi<<5 | lo>>59
		lo = lo<<5 | uint64(v)
	}
	binary.BigEndian.PutUint64(id[:8], hi)
	binary.BigEndian.PutUint64(id[8:], lo)
	return id, nil
}

func crockfordValue(c byte) int {
	if c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		for i := 10; i < 32; i++ {
			if crockford[i] == c {
				return i
			}
		}
	}
	return -1
}
