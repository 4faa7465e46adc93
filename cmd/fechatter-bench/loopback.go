package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// checkLoopback refuses any server that is not on this machine's loopback:
// the generator opens thousands of connections and sends at full speed, which
// is only acceptable against a server we run ourselves. Every address the
// host resolves to must be a loopback address.
func checkLoopback(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("--url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("--url: scheme %q: want http or https", u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("--url %q has no host", raw)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.Unmap().IsLoopback() {
			return fmt.Errorf("--url %q: %s is not a loopback address; the load generator only drives servers on this machine's loopback", raw, ip)
		}
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("--url: resolve %q: %w", host, err)
	}
	if len(addrs) == 0 {
		return fmt.Errorf("--url: %q resolves to nothing", host)
	}
	for _, a := range addrs {
		if !a.Unmap().IsLoopback() {
			return fmt.Errorf("--url %q: %s resolves to %s, not a loopback address; the load generator only drives servers on this machine's loopback", raw, host, a)
		}
	}
	return nil
}

// loopbackOnlyDial is the dialer's Control hook: a second guard, at connect
// time, so that a redirect or a DNS change cannot send load elsewhere.
func loopbackOnlyDial(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w", address, err)
	}
	if !ap.Addr().Unmap().IsLoopback() {
		return fmt.Errorf("dial %s: not a loopback address, refused", address)
	}
	return nil
}

// raiseFileLimit lifts the soft limit of open files to the hard limit, so
// that thousands of SSE connections fit; it returns the limit now in force.
// A spawned server inherits it.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("get file limit: %w", err)
	}
	// Set it even when the Go runtime already raised the soft limit at
	// start: an explicit Setrlimit is what makes child processes (a spawned
	// server) inherit it instead of the original soft limit.
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("raise file limit: %w", err)
	}
	return lim.Cur, nil
}
