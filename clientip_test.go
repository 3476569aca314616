package partnerka

import (
	"net"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies, err := ParseTrustedProxies(" 10.0.0.0/8, 192.168.1.10 ,fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		proxies TrustedProxies
		remote  string
		xff     string
		want    string
	}{
		{"no proxy configured ignores the header", TrustedProxies{}, "10.1.2.3", "203.0.113.7", "10.1.2.3"},
		{"untrusted remote's header is ignored", proxies, "198.51.100.1", "203.0.113.7", "198.51.100.1"},
		{"trusted proxy names the visitor", proxies, "10.1.2.3", "203.0.113.7", "203.0.113.7"},
		{"a spoofed left entry is not believed", proxies, "10.1.2.3", "1.1.1.1, 203.0.113.7", "203.0.113.7"},
		{"chains of trusted proxies are walked", proxies, "10.1.2.3", "203.0.113.7, 192.168.1.10, 10.9.9.9", "203.0.113.7"},
		{"every hop trusted: the leftmost", proxies, "10.1.2.3", "10.5.5.5, 10.6.6.6", "10.5.5.5"},
		{"no header: the proxy itself", proxies, "10.1.2.3", "", "10.1.2.3"},
		{"malformed hop stops the walk", proxies, "10.1.2.3", "203.0.113.7, junk", "10.1.2.3"},
		{"IPv6 visitor", proxies, "fd00::1", "2001:db8::5", "2001:db8::5"},
		{"IPv4-mapped proxy address", proxies, "::ffff:10.1.2.3", "203.0.113.7", "203.0.113.7"},
		{"single trusted address, not its neighbour", proxies, "192.168.1.11", "203.0.113.7", "192.168.1.11"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.proxies.ClientIP(net.IP(netip.MustParseAddr(tc.remote).AsSlice()), xffHeader(tc.xff))
			if !ok || got.String() != tc.want {
				t.Errorf("ClientIP(%s, %q) = %s, want %s", tc.remote, tc.xff, got, tc.want)
			}
		})
	}
}

// xffHeader is a request whose only header is X-Forwarded-For.
type xffHeader string

func (h xffHeader) Peek(key string) []byte {
	if key == "X-Forwarded-For" {
		return []byte(h)
	}
	return nil
}

func TestParseTrustedProxies(t *testing.T) {
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.1/8/2"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q) accepted", bad)
		}
	}
	if p, err := ParseTrustedProxies(" , "); err != nil || len(p.prefixes) != 0 {
		t.Errorf("blank list: %v %v, want no proxies", p, err)
	}
}
