package tracker

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"hash"
	"sync"
	"time"

	"partnerka"
)

// Attribution is what the attribution cookie carries: which click, of which
// link and partner. The click's time is inside its id.
type Attribution struct {
	ClickID   partnerka.ClickID
	LinkID    int64
	PartnerID int64
}

// CookieCodec signs and verifies attribution cookies with HMAC-SHA256 over
// the click id (and so its time), the link and the partner.
type CookieCodec struct {
	pool sync.Pool
}

// NewCookieCodec returns a codec keyed with the program secret.
func NewCookieCodec(secret []byte) *CookieCodec {
	key := append([]byte("partnerka attribution cookie v1:"), secret...)
	c := &CookieCodec{}
	c.pool.New = func() any { return hmac.New(sha256.New, key) }
	return c
}

const maxPayload = 16 + 2*binary.MaxVarintLen64

var b64 = base64.RawURLEncoding.Strict()

// AppendEncode appends the cookie value for a to dst:
// base64url(id | uvarint link | uvarint partner) "." base64url(mac).
func (c *CookieCodec) AppendEncode(dst []byte, a Attribution) []byte {
	var payload [maxPayload]byte
	n := copy(payload[:], a.ClickID[:])
	n += binary.PutUvarint(payload[n:], uint64(a.LinkID))
	n += binary.PutUvarint(payload[n:], uint64(a.PartnerID))
	var mac [sha256.Size]byte
	c.sign(mac[:0], payload[:n])
	dst = b64.AppendEncode(dst, payload[:n])
	dst = append(dst, '.')
	return b64.AppendEncode(dst, mac[:])
}

func (c *CookieCodec) sign(dst, payload []byte) []byte {
	h := c.pool.Get().(hash.Hash)
	h.Reset()
	h.Write(payload)
	dst = h.Sum(dst)
	c.pool.Put(h)
	return dst
}

// Decode verifies a cookie value and returns what it carries. It returns
// false for anything tampered, malformed, from the future or older than
// maxAge: such a cookie is ignored, never trusted.
func (c *CookieCodec) Decode(value string, now time.Time, maxAge time.Duration) (Attribution, bool) {
	var a Attribution
	dot := -1
	for i := 0; i < len(value); i++ {
		if value[i] == '.' {
			dot = i
			break
		}
	}
	if dot < 0 || dot > b64.EncodedLen(maxPayload) || len(value)-dot-1 != b64.EncodedLen(sha256.Size) {
		return a, false
	}
	var payload [maxPayload]byte
	n, err := b64.Decode(payload[:], []byte(value[:dot]))
	if err != nil || n < 18 {
		return a, false
	}
	var mac [sha256.Size]byte
	if m, err := b64.Decode(mac[:], []byte(value[dot+1:])); err != nil || m != sha256.Size {
		return a, false
	}
	var want [sha256.Size]byte
	if !hmac.Equal(c.sign(want[:0], payload[:n]), mac[:]) {
		return a, false
	}
	copy(a.ClickID[:], payload[:16])
	link, k := binary.Uvarint(payload[16:n])
	if k <= 0 {
		return a, false
	}
	partner, k2 := binary.Uvarint(payload[16+k : n])
	if k2 <= 0 || 16+k+k2 != n {
		return a, false
	}
	a.LinkID, a.PartnerID = int64(link), int64(partner)
	at := a.ClickID.Time()
	if at.After(now.Add(time.Minute)) || !now.Before(at.Add(maxAge)) {
		return a, false
	}
	return a, true
}
