// Package blackbox drives the built fechatter binary through the public Go
// client, once per storage engine: first-run setup, invites, roles, tenant
// isolation, token rotation and revocation, a whole conversation, and a
// graceful stop on SIGTERM.
package blackbox

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
	"regexp"
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

// Deadlines for the process (not timing assertions: only how long to wait
// before calling a hang a failure).
const (
	readyDeadline = 90 * time.Second
	// stopDeadline is the default server.shutdown_timeout (15s) plus slack
	// for the process to exit after it.
	stopDeadline = 30 * time.Second
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "fechatter-blackbox-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "blackbox:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "fechatter")
	if err := build(binary); err != nil {
		fmt.Fprintln(os.Stderr, "blackbox:", err)
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

// server is one running fechatter process.
type server struct {
	cmd     *exec.Cmd
	url     string
	logPath string
	done    chan struct{} // closed when the process has exited
	waitErr error         // set before done is closed
}

// start runs `fechatter serve` on a free loopback port with a fresh data
// dir (and dbURL when not empty) and waits until /readyz answers 200. The
// process is killed when the test ends if it is still running.
func start(t *testing.T, dbURL string) *server {
	t.Helper()
	dataDir := t.TempDir()
	addr := freeAddr(t)
	args := []string{"serve", "--listen", addr, "--data-dir", dataDir}
	if dbURL != "" {
		args = append(args, "--database-url", dbURL)
	}
	s := &server{url: "http://" + addr, logPath: filepath.Join(dataDir, "server.log"), done: make(chan struct{})}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(binary, args...)
	s.cmd.Env = cleanEnv()
	s.cmd.Dir = dataDir // no config.yaml of the developer's working dir
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
	t.Cleanup(func() { s.kill(t) })
	s.waitReady(t)
	return s
}

// setupLinkRE finds the setup link the server logs while setup is pending.
var setupLinkRE = regexp.MustCompile(`http://[^"\s]+/setup\?token=([0-9a-f]+)`)

// setupToken reads the setup token from the link in the server's log, as
// a person starting the binary would.
func (s *server) setupToken(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	m := setupLinkRE.FindSubmatch(data)
	if m == nil {
		t.Fatalf("no setup link in the server log:\n%s", s.logTail())
	}
	return string(m[1])
}

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
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("fechatter not ready after %v (last: %s); log:\n%s", readyDeadline, last, s.logTail())
}

// stop sends SIGTERM and returns the exit code, failing when the process
// does not exit within stopDeadline.
func (s *server) stop(t *testing.T) int {
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
		return exit.ExitCode()
	}
	if s.waitErr != nil {
		t.Fatalf("wait: %v", s.waitErr)
	}
	return 0
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

// client returns a new client of s that has no session yet.
func (s *server) client() *client.Client {
	return client.New(s.url, client.WithUserAgent("fechatter-blackbox"))
}

// TestBlackbox runs the whole walk once per storage engine.
func TestBlackbox(t *testing.T) {
	for _, engine := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel() // each engine has its own process; most of a walk is waiting
			srv := start(t, engine.dbURL(t))
			w := &walk{srv: srv, ctx: context.Background()}
			for _, step := range []struct {
				name string
				run  func(t *testing.T)
			}{
				{"setup", w.setup},
				{"invite and sign up", w.inviteAndSignUp},
				{"member roles", w.memberRoles},
				{"other workspace sees nothing", w.isolation},
				{"refresh reuse revokes the family", w.refreshReuse},
				{"logout-all kills access at once", w.logoutAll},
				{"channels, direct and group chats", w.chats},
				{"messages, threads, reactions, edits, deletes", w.messages},
				{"unread counts and mentions", w.unread},
				{"file round trip", w.files},
				{"SIGTERM stops cleanly", w.shutdown},
			} {
				if !t.Run(step.name, step.run) {
					t.Fatalf("step %q failed; later steps depend on it", step.name)
				}
			}
		})
	}
}
