package partnerka

import (
	"bytes"
	"fmt"
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

// Any reports whether any proxy is trusted.
func (t TrustedProxies) Any() bool { return len(t.prefixes) > 0 }

func (t TrustedProxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP returns the visitor's address of a request that arrived from
// remote with the X-Forwarded-For header xff. Only a trusted remote's header
// is read, from the right (each proxy appends the address it saw): the
// first address that is not itself a trusted proxy is the visitor, so a
// visitor cannot pass for someone else by sending the header themselves.
func (t TrustedProxies) ClientIP(remote netip.Addr, xff []byte) netip.Addr {
	remote = remote.Unmap()
	if len(t.prefixes) == 0 || !t.trusts(remote) {
		return remote
	}
	client := remote
	for len(xff) > 0 {
		var f []byte
		if i := bytes.LastIndexByte(xff, ','); i >= 0 {
			f, xff = xff[i+1:], xff[:i]
		} else {
			f, xff = xff, nil
		}
		a, err := netip.ParseAddr(string(bytes.TrimSpace(f)))
		if err != nil {
			return client // a malformed hop: trust nothing to its left
		}
		client = a.Unmap()
		if !t.trusts(client) {
			return client
		}
	}
	return client
}
