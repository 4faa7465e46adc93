package testproc

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// FreeAddr returns a loopback address with a port that was free a moment
// ago. The port is picked below the kernel's ephemeral range where there
// is one, so that no outgoing connection (or a random listener, such as
// the embedded NATS client port of a cluster node) takes it before the
// server binds it, or while the server is down between two runs.
func FreeAddr() (string, error) {
	lo, hi := 10000, ephemeralLow()
	for range 200 {
		if hi-lo < 1000 {
			break
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(lo+rand.IntN(hi-lo)))
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			return addr, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// ephemeralLow is the first port of the kernel's ephemeral range (0 when
// unknown).
func ephemeralLow() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) != 2 {
		return 0
	}
	lo, err := strconv.Atoi(fields[0])
	if err != nil {
		return 0
	}
	return lo
}

// CleanEnv is this process's environment without FECHATTER_* settings, so
// that a developer's configuration cannot leak into a child.
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FECHATTER_") {
			env = append(env, kv)
		}
	}
	return env
}
