package gateway

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Networks is a set of IP prefixes.
type Networks []netip.Prefix

// ParseNetworks parses IP addresses (as /32 or /128) and CIDRs.
func ParseNetworks(list []string) (Networks, error) {
	out := make(Networks, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address or CIDR", s)
		}
		out = append(out, netip.PrefixFrom(p.Addr().Unmap(), p.Bits()).Masked())
	}
	return out, nil
}

// Contains reports whether a is in one of the networks.
func (n Networks) Contains(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range n {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// IPKey is the rate-limit key of a client address: the address itself for
// IPv4, its /64 for IPv6 (one subscriber's usual allocation, so rotating
// addresses within it does not buy a new budget). Text that is not an
// address is its own key.
func IPKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}

// peerAddr is the TCP peer of r.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// ClientIP returns the client's address: the TCP peer, unless the peer is
// a trusted proxy; then the nearest address in X-Forwarded-For (or, without
// it, Forwarded's for=) that is not a trusted proxy, walking from the
// right, since only the entries our own proxies appended can be believed
// (ASVS 4.1.3). ok is false when RemoteAddr holds no address.
func (n Networks) ClientIP(r *http.Request) (ip netip.Addr, ok bool) {
	peer, ok := peerAddr(r)
	if !ok || !n.Contains(peer) {
		return peer, ok
	}
	hops := forwardedFor(r.Header)
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return peer, true // garbage from beyond our proxies: the last good hop
		}
		peer = a.Unmap().WithZone("")
		if !n.Contains(peer) {
			return peer, true
		}
	}
	return peer, true
}

// forwardedFor lists the client addresses a chain of proxies recorded,
// oldest first: X-Forwarded-For if present, else the for= of Forwarded
// (RFC 7239 §5.2, with brackets and ports removed).
func forwardedFor(h http.Header) []string {
	var hops []string
	if xff := h.Values("X-Forwarded-For"); len(xff) > 0 {
		for _, line := range xff {
			for _, v := range strings.Split(line, ",") {
				hops = append(hops, strings.TrimSpace(v))
			}
		}
		return hops
	}
	for _, line := range h.Values("Forwarded") {
		for _, elem := range strings.Split(line, ",") {
			hops = append(hops, forwardedNode(elem))
		}
	}
	return hops
}

// forwardedNode returns the address of the for= pair of one Forwarded
// element, or "" (which does not parse as an address).
func forwardedNode(elem string) string {
	for _, pair := range strings.Split(elem, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || !strings.EqualFold(k, "for") {
			continue
		}
		v = strings.Trim(v, `"`)
		if strings.HasPrefix(v, "[") {
			if end := strings.IndexByte(v, ']'); end > 0 {
				return v[1:end]
			}
			return ""
		}
		host, _, err := net.SplitHostPort(v)
		if err == nil {
			return host
		}
		return v
	}
	return ""
}
