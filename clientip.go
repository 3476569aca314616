package partnerka

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// TrustedProxies are the addresses of the reverse proxies and load
// balancers in front of partnerka. A request from one of them carries the
// visitor's address in X-Forwarded-For; a request from anywhere else is
// taken at its socket address, whatever headers it sends. The zero value
// trusts no one.
type TrustedProxies struct {
	prefixes []netip.Prefix
}

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// ranges, such as "10.0.0.0/8, 192.168.1.10, fd00::/8".
func ParseTrustedProxies(s string) (TrustedProxies, error) {
	var t TrustedProxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return TrustedProxies{}, fmt.Errorf("%q is neither an address nor a CIDR range", f)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		t.prefixes = append(t.prefixes, p.Masked())
	}
	return t, nil
}

func (t TrustedProxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Header is where ClientIP reads X-Forwarded-For: a request's headers
// (fasthttp's RequestHeader).
type Header interface{ Peek(key string) []byte }

// ClientIP returns the visitor's address of a request that arrived from
// the socket address remote with headers h (false if remote is not an IP
// address); IPv4-mapped addresses come back as IPv4. Only a trusted
// remote's X-Forwarded-For is read, from the right (each proxy appends the
// address it saw): the first address that is not itself a trusted proxy
// is the visitor, so a visitor cannot pass for someone else by sending the
// header themselves. Without trusted proxies no header is read.
func (t TrustedProxies) ClientIP(remote net.IP, h Header) (netip.Addr, bool) {
	client, ok := netip.AddrFromSlice(remote)
	if !ok {
		return netip.Addr{}, false
	}
	client = client.Unmap()
	if len(t.prefixes) == 0 || !t.trusts(client) {
		return client, true
	}
	xff := h.Peek("X-Forwarded-For")
	for len(xff) > 0 {
		var f []byte
		if i := bytes.LastIndexByte(xff, ','); i >= 0 {
			f, xff = xff[i+1:], xff[:i]
		} else {
			f, xff = xff, nil
		}
		a, err := netip.ParseAddr(string(bytes.TrimSpace(f)))
		if err != nil {
			return client, true // a malformed hop: trust nothing to its left
		}
		client = a.Unmap()
		if !t.trusts(client) {
			return client, true
		}
	}
	return client, true
}
