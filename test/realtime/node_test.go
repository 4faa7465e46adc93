package realtime

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
)

// Deadlines for processes (how long to wait before calling a hang a
// failure, never a timing assertion).
const (
	// readyDeadline is generous: a cluster node waits for its peers to
	// elect JetStream leaders before it is ready.
	readyDeadline = 3 * time.Minute
	// stopDeadline is the default server.shutdown_timeout (15s) plus slack.
	stopDeadline = 45 * time.Second
)

// logDirEnv names a directory to keep the servers' logs in; by default
// they are in the test's temp dir and only their tails are shown on failure.
const logDirEnv = "FECHATTER_TEST_LOG_DIR"

// node is one fechatter server: its address, data dir and database stay the
// same across restarts, so a restart finds what the previous run left.
type node struct {
	name    string
	addr    string // HTTP host:port on loopback
	dataDir string
	dbURL   string   // "" for SQLite in the data dir
	env     []string // extra FECHATTER_* settings
	logPath string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when the current process has exited
	waitErr error         // set before done is closed
	runs    int
}

// newNode prepares a node on a free port with a fresh data dir; it is not
// running yet. Whatever runs when the test ends is killed.
func newNode(t *testing.T, name, dbURL string, env ...string) *node {
	t.Helper()
	dir := t.TempDir()
	n := &node{
		name: name, addr: freeAddr(t), dataDir: filepath.Join(dir, "data"), dbURL: dbURL, env: env,
		logPath: filepath.Join(dir, "server.log"),
	}
	if keep := os.Getenv(logDirEnv); keep != "" {
		// Logs outlive the test there (a CI artifact, or for a post-mortem).
		safe := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name() + "-" + name)
		n.logPath = filepath.Join(keep, fmt.Sprintf("%s-%d.log", safe, time.Now().UnixNano()))
	}
	t.Cleanup(func() {
		if t.Failed() {
			n.dumpGoroutines()
		}
		n.killIfRunning()
		if t.Failed() {
			t.Logf("log of %s (%s):\n%s", n.name, n.logPath, n.logTail())
		}
	})
	return n
}

// startNode runs a new single node and waits until it is ready.
func startNode(t *testing.T, dbURL string, env ...string) *node {
	t.Helper()
	n := newNode(t, "fechatter", dbURL, env...)
	n.start(t)
	return n
}

// url is the node's base URL.
func (n *node) url() string { return "http://" + n.addr }

// start launches the process and waits until /readyz answers 200.
func (n *node) start(t *testing.T) {
	t.Helper()
	n.launch(t)
	n.waitReady(t)
}

// launch starts `fechatter serve` without waiting for it to be ready.
func (n *node) launch(t *testing.T) {
	t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		select {
		case <-n.done:
		default:
			t.Fatalf("%s is already running", n.name)
		}
	}
	if err := os.MkdirAll(n.dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	logFile, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	n.runs++
	fmt.Fprintf(logFile, "\n===== %s: run %d =====\n", n.name, n.runs)
	args := []string{"serve", "--listen", n.addr, "--data-dir", n.dataDir}
	if n.dbURL != "" {
		args = append(args, "--database-url", n.dbURL)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(cleanEnv(), "FECHATTER_LOG__FORMAT=json", "FECHATTER_SETUP_TOKEN="+testSetupToken, "FECHATTER_AUTH__SIGNUPS_PER_HOUR=0")
	cmd.Env = append(cmd.Env, n.env...)
	cmd.Dir = n.dataDir // no config.yaml of the developer's working dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	setParentDeath(cmd)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start %s: %v", n.name, err)
	}
	done := make(chan struct{})
	n.cmd, n.done, n.waitErr = cmd, done, nil
	go func() { // owned by n: ends when the process exits, which the cleanup guarantees
		err := cmd.Wait()
		logFile.Close()
		n.mu.Lock()
		n.waitErr = err
		n.mu.Unlock()
		close(done)
	}()
}

// exited is closed when the current process has ended.
func (n *node) exited() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.done
}

func (n *node) exitErr() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.waitErr
}

// waitReady polls /readyz until it answers 200, failing the test when the
// process dies first or the deadline passes.
func (n *node) waitReady(t *testing.T) {
	t.Helper()
	if err := n.ready(); err != nil {
		t.Fatalf("%v; log:\n%s", err, n.logTail())
	}
}

// ready polls /readyz until it answers 200 or the process dies.
func (n *node) ready() error {
	deadline := time.Now().Add(readyDeadline)
	hc := &http.Client{Timeout: 2 * time.Second}
	last := "no answer"
	for time.Now().Before(deadline) {
		select {
		case <-n.exited():
			return fmt.Errorf("%s exited before ready (%v)", n.name, n.exitErr())
		default:
		}
		resp, err := hc.Get(n.url() + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %v (last: %s)", n.name, readyDeadline, last)
}

// isReady asks /readyz once.
func (n *node) isReady() bool {
	hc := &http.Client{Timeout: 2 * time.Second}
	resp, err := hc.Get(n.url() + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// lastLogLine is the last non-empty line of the node's log.
func (n *node) lastLogLine() string {
	lines := strings.Split(strings.TrimSpace(n.logTail()), "\n")
	return lines[len(lines)-1]
}

// signal sends sig to the running process.
func (n *node) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	n.mu.Lock()
	cmd := n.cmd
	n.mu.Unlock()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v to %s: %v", sig, n.name, err)
	}
}

// stop sends SIGTERM and returns the exit code once the process is gone.
func (n *node) stop(t *testing.T) int {
	t.Helper()
	n.signal(t, syscall.SIGTERM)
	return n.waitExit(t)
}

// kill9 kills the process with SIGKILL: no shutdown code runs.
func (n *node) kill9(t *testing.T) {
	t.Helper()
	n.signal(t, syscall.SIGKILL)
	n.waitExit(t)
}

// waitExit waits for the process to end and returns its exit code (-1
// when a signal ended it).
func (n *node) waitExit(t *testing.T) int {
	t.Helper()
	select {
	case <-n.exited():
	case <-time.After(stopDeadline):
		t.Fatalf("%s still running %v after the signal; log:\n%s", n.name, stopDeadline, n.logTail())
	}
	err := n.exitErr()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("wait for %s: %v", n.name, err)
	}
	return 0
}

// dumpGoroutines makes a running server write its goroutines to its log
// (SIGQUIT), for a post-mortem of a failed test (see logDirEnv).
func (n *node) dumpGoroutines() {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	if cmd.Process.Signal(syscall.SIGQUIT) == nil {
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
}

func (n *node) killIfRunning() {
	n.mu.Lock()
	cmd, done := n.cmd, n.done
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	select {
	case <-done:
	default:
		_ = cmd.Process.Kill()
		<-done
	}
}

// logTail returns the end of the node's log.
func (n *node) logTail() string {
	data, err := os.ReadFile(n.logPath)
	if err != nil {
		return err.Error()
	}
	const max = 12 << 10
	if len(data) > max {
		data = data[len(data)-max:]
	}
	return string(data)
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

// testSetupToken is the setup token of every node under test.
const testSetupToken = "realtime-test-setup-token"

// cleanEnv is this process's environment without FECHATTER_* settings, so
// that a developer's configuration cannot leak into the test.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FECHATTER_") {
			env = append(env, kv)
		}
	}
	return env
}

// freeAddr returns a loopback address with a port that was free a moment
// ago. The port is picked below the kernel's ephemeral range where there
// is one, so that no outgoing connection (or a random listener, such as
// the embedded NATS client port of a cluster node) takes it before the
// server binds it, or while the server is down between two runs.
func freeAddr(t *testing.T) string {
	t.Helper()
	lo, hi := 10000, ephemeralLow()
	for range 200 {
		if hi-lo < 1000 {
			break
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(lo+rand.IntN(hi-lo)))
		if l, err := net.Listen("tcp", addr); err == nil {
			l.Close()
			return addr
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
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
