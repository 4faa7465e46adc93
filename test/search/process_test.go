package search

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// binary is the fechatter executable built once by TestMain.
var binary string

// Deadlines for processes (not timing assertions: only how long to wait
// before calling a hang a failure).
const (
	readyDeadline = 90 * time.Second
	// stopDeadline is the default server.shutdown_timeout (15s) plus slack.
	stopDeadline   = 30 * time.Second
	reindexTimeout = 60 * time.Second
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "fechatter-search-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "search:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "fechatter")
	if err := build(binary); err != nil {
		fmt.Fprintln(os.Stderr, "search:", err)
		return 1
	}
	return pgtest.Main(m)
}

// build compiles ./cmd/fechatter of this module into out.
func build(out string) error {
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(goBin, "build", "-o", out, "./cmd/fechatter")
	cmd.Dir = filepath.Join("..", "..")
	var outBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &outBuf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build fechatter: %w\n%s", err, outBuf.String())
	}
	return nil
}

// instance is one data dir (and, for Postgres, one database) that servers
// are started on, one after the other.
type instance struct {
	dataDir string
	dbURL   string // empty: SQLite in dataDir
	logDir  string
	runs    int
	// owner is the test that outlives every server of the instance: their
	// cleanup is registered on it, not on the step that started them.
	owner *testing.T
}

func newInstance(t *testing.T, dbURL string) *instance {
	return &instance{dataDir: t.TempDir(), dbURL: dbURL, logDir: t.TempDir(), owner: t}
}

// storeArgs are the flags that point a command at the instance's storage.
func (in *instance) storeArgs() []string {
	args := []string{"--data-dir", in.dataDir}
	if in.dbURL != "" {
		args = append(args, "--database-url", in.dbURL)
	}
	return args
}

// server is one running fechatter process.
type server struct {
	cmd     *exec.Cmd
	url     string
	logPath string
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
}

// start runs `fechatter serve` on the instance, on a free loopback port,
// and waits until /readyz answers 200. The process is killed when the test
// owner ends if it is still running.
func (in *instance) start(t *testing.T) *server {
	t.Helper()
	in.runs++
	addr := freeAddr(t)
	args := append([]string{"serve", "--listen", addr}, in.storeArgs()...)
	s := &server{
		url:     "http://" + addr,
		logPath: filepath.Join(in.logDir, fmt.Sprintf("server-%d.log", in.runs)),
		done:    make(chan struct{}),
	}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(binary, args...)
	s.cmd.Env = append(cleanEnv(), serverEnv...)
	s.cmd.Dir = in.dataDir // no config.yaml of the developer's working dir
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	setParentDeath(s.cmd)
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		t.Fatalf("start fechatter: %v", err)
	}
	go func() { // owned by s: ends when the process exits, which Cleanup guarantees
		s.waitErr = s.cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	in.owner.Cleanup(func() { s.kill(in.owner) })
	s.waitReady(t)
	return s
}

// reindex runs `fechatter reindex` on the (stopped) instance and returns
// its output; it fails t unless the command exits 0.
func (in *instance) reindex(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), reindexTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"reindex"}, in.storeArgs()...)...)
	cmd.Env = cleanEnv()
	cmd.Dir = in.dataDir
	setParentDeath(cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("fechatter reindex: %v; output:\n%s", err, out)
	}
	return string(out)
}

// testSetupToken is the setup token of the servers under test.
const testSetupToken = "search-test-setup-token"

// serverEnv configures every server under test: a known setup token, and
// no sign-up limit (the suite signs many people up from one address).
var serverEnv = []string{"FECHATTER_SETUP_TOKEN=" + testSetupToken, "FECHATTER_AUTH__SIGNUPS_PER_HOUR=0"}

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

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitReady polls /readyz until it answers 200 or the process dies.
func (s *server) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(readyDeadline)
	hc := &http.Client{Timeout: 2 * time.Second}
	last := "no answer"
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			t.Fatalf("fechatter exited before ready (%v); log:\n%s", s.waitErr, s.logTail())
		default:
		}
		resp, err := hc.Get(s.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("fechatter not ready after %v (last: %s); log:\n%s", readyDeadline, last, s.logTail())
}

// stop sends SIGTERM and fails t unless the process exits 0 within
// stopDeadline.
func (s *server) stop(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("send SIGTERM: %v", err)
	}
	select {
	case <-s.done:
	case <-time.After(stopDeadline):
		t.Fatalf("fechatter still running %v after SIGTERM; log:\n%s", stopDeadline, s.logTail())
	}
	var exit *exec.ExitError
	if errors.As(s.waitErr, &exit) {
		t.Fatalf("fechatter exited with %d after SIGTERM; log:\n%s", exit.ExitCode(), s.logTail())
	}
	if s.waitErr != nil {
		t.Fatalf("wait: %v", s.waitErr)
	}
}

// kill ends the process if it still runs and shows its log when the test failed.
func (s *server) kill(t *testing.T) {
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	if t.Failed() {
		t.Logf("fechatter log (%s):\n%s", s.logPath, s.logTail())
	}
}

// logTail returns the end of the server's log.
func (s *server) logTail() string {
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return err.Error()
	}
	const max = 8 << 10
	if len(data) > max {
		data = data[len(data)-max:]
	}
	return string(data)
}

// client returns a new client of s holding the given tokens (none: no session).
func (s *server) client(access, refresh string) *client.Client {
	return client.New(s.url, client.WithUserAgent("fechatter-search-test"), client.WithTokens(access, refresh))
}
