package realtime

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/testproc"
)

// node is one fechatter server: its address, data dir and database stay the
// same across restarts, so a restart finds what the previous run left.
type node struct {
	*testproc.Server
	name string
}

// newNode prepares a node on a free port with a fresh data dir; it is not
// running yet. Whatever runs when the test ends is killed.
func newNode(t *testing.T, name, dbURL string, env ...string) *node {
	t.Helper()
	env = append([]string{"FECHATTER_LOG__FORMAT=json"}, env...)
	return &node{Server: testproc.New(t, testproc.Config{Name: name, DBURL: dbURL, Env: env}), name: name}
}

// startNode runs a new single node and waits until it is ready.
func startNode(t *testing.T, dbURL string, env ...string) *node {
	t.Helper()
	n := newNode(t, "fechatter", dbURL, env...)
	n.start(t)
	return n
}

// url is the node's base URL.
func (n *node) url() string { return n.URL() }

// start launches the process and waits until /readyz answers 200.
func (n *node) start(t *testing.T) {
	t.Helper()
	must(t, n.Start(context.Background()))
}

// launch starts `fechatter serve` without waiting for it to be ready.
func (n *node) launch(t *testing.T) {
	t.Helper()
	must(t, n.Launch())
}

// stop sends SIGTERM and returns the exit code once the process is gone.
func (n *node) stop(t *testing.T) int {
	t.Helper()
	code, err := n.Stop()
	must(t, err)
	return code
}

// kill9 kills the process with SIGKILL: no shutdown code runs.
func (n *node) kill9(t *testing.T) {
	t.Helper()
	must(t, n.Kill())
}

// client returns a client of n without a session.
func (n *node) client() *client.Client {
	return client.New(n.url(), client.WithUserAgent("fechatter-realtime-test"), client.WithHTTPClient(httpClient))
}

// httpClient is shared by every client of the tests. It keeps enough idle
// connections for the concurrent senders and has no overall timeout (event
// streams are long requests), only one on waiting for an answer.
var httpClient = &http.Client{Transport: &http.Transport{
	Proxy:               nil,
	DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	MaxIdleConns:        200,
	MaxIdleConnsPerHost: 50,
	IdleConnTimeout:     30 * time.Second,
	// A request (or a stream's replay) that hangs fails the test instead
	// of blocking it.
	ResponseHeaderTimeout: eventDeadline,
}}
