package appliance

import (
	"net"
	"net/netip"
)

// ReadyURL is the readiness endpoint of a server listening on listen, as
// `fechatter healthcheck` calls it from the same host: an unspecified host
// (":8080", "0.0.0.0:8080", "[::]:8080") becomes the loopback address.
func ReadyURL(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "http://" + listen + "/readyz"
	}
	if ip, err := netip.ParseAddr(host); host == "" || err == nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if err == nil && ip.Is6() {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz"
}
