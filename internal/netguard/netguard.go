// Package netguard makes the server's requests to addresses that users
// supply (link previews, outgoing webhooks, slash-command integrations)
// safe from server-side request forgery.
//
// The check runs in the dialer, on the address the connection is about to
// use, so it holds after DNS resolution (a name that resolves to 127.0.0.1
// is refused), for every redirect, and against DNS rebinding between a
// check and the connection. Proxies from the environment are not used: a
// proxy would make every destination look allowed.
package netguard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Defaults for a Policy's zero fields.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBytes     = 2 << 20
	DefaultMaxRedirects = 5
)

// ErrForbidden is wrapped by every refusal of a destination address.
var ErrForbidden = errors.New("destination address not allowed")

// ErrTooLarge is returned by ReadBody when a body passes the limit.
var ErrTooLarge = errors.New("response body too large")

// blocked are the ranges refused beyond what netip's predicates name:
// shared address space (CGNAT), "this network", IETF protocol
// assignments, benchmarking, documentation, reserved and broadcast, and
// IPv6 translation and documentation prefixes.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("2002::/16"),
}

// Policy says where outbound requests may go. The zero Policy allows only
// public unicast addresses, with the default limits.
type Policy struct {
	// Allow lists networks let through although they are not public: an
	// operator's CI server on the LAN, or a test's loopback receiver.
	Allow []netip.Prefix
	// Timeout bounds a whole request, redirects and body included.
	Timeout time.Duration
	// MaxBytes bounds what ReadBody reads.
	MaxBytes int64
	// MaxRedirects bounds the redirects followed.
	MaxRedirects int
}

// ParsePrefixes reads IPs and CIDRs ("10.0.0.5", "10.0.0.0/8"), naming
// the first that is neither.
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR", s)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// Permitted reports whether a connection to addr is allowed.
func (p Policy) Permitted(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, pr := range p.Allow {
		if pr.Contains(addr) {
			return true
		}
	}
	return Public(addr)
}

// Public reports whether addr is a public unicast address: not loopback,
// private, link-local (which holds the cloud metadata address
// 169.254.169.254), multicast, unspecified or otherwise reserved.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsUnspecified() ||
		addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast() ||
		addr.IsMulticast() || addr == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	for _, pr := range blocked {
		if pr.Contains(addr) {
			return false
		}
	}
	return true
}

// CheckURL refuses what no request may start from: a scheme other than
// http or https, a missing host, or user information in the URL. Literal
// IP hosts are checked at once; names are checked when dialled.
func (p Policy) CheckURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: scheme %q (only http and https)", ErrForbidden, u.Scheme)
	}
	if u.Hostname() == "" {
		return fmt.Errorf("%w: the URL has no host", ErrForbidden)
	}
	if u.User != nil {
		return fmt.Errorf("%w: the URL carries a user name or password", ErrForbidden)
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil && !p.Permitted(a) {
		return fmt.Errorf("%w: %s is not a public address", ErrForbidden, a)
	}
	return nil
}

func (p Policy) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return DefaultTimeout
}

func (p Policy) maxBytes() int64 {
	if p.MaxBytes > 0 {
		return p.MaxBytes
	}
	return DefaultMaxBytes
}

func (p Policy) maxRedirects() int {
	if p.MaxRedirects > 0 {
		return p.MaxRedirects
	}
	return DefaultMaxRedirects
}

// control runs after name resolution, before each connect.
func (p Policy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbidden, address)
	}
	if !p.Permitted(ap.Addr()) {
		return fmt.Errorf("%w: %s is not a public address", ErrForbidden, ap.Addr().Unmap())
	}
	return nil
}

// Client returns an HTTP client that dials only permitted addresses,
// re-checks every redirect, keeps no cookies, ignores proxy variables and
// gives up after the policy's timeout.
func (p Policy) Client() *http.Client {
	dialer := &net.Dialer{Timeout: p.timeout(), KeepAlive: 30 * time.Second, Control: p.control}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		IdleConnTimeout:       60 * time.Second,
		TLSHandshakeTimeout:   p.timeout(),
		ResponseHeaderTimeout: p.timeout(),
	}
	return &http.Client{
		Transport: tr,
		Timeout:   p.timeout(),
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > p.maxRedirects() {
				return fmt.Errorf("stopped after %d redirects", p.maxRedirects())
			}
			return p.CheckURL(req.URL)
		},
	}
}

// Do checks the request's URL, then sends it with c (from Client).
func (p Policy) Do(c *http.Client, req *http.Request) (*http.Response, error) {
	if err := p.CheckURL(req.URL); err != nil {
		return nil, err
	}
	return c.Do(req)
}

// ReadBody reads at most the policy's MaxBytes of a response body and
// closes it; a longer body is ErrTooLarge, not a truncated success.
func (p Policy) ReadBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	limit := p.maxBytes()
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("%w: %d bytes (limit %d)", ErrTooLarge, resp.ContentLength, limit)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, limit)
	}
	return b, nil
}

// Get is a checked GET with ctx, for the common case.
func (p Policy) Get(ctx context.Context, c *http.Client, rawURL string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrForbidden, err)
	}
	return p.Do(c, req)
}
