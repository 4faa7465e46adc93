package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// binary is the fechatter binary built once for these tests, with
// -ldflags as `make build` sets them.
var binary string

const (
	testVersion = "v9.8.7-test"
	testCommit  = "0123abc"
	testDate    = "2025-01-02T03:04:05Z"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fechatter-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "fechatter")
	ldflags := fmt.Sprintf("-X main.version=%s -X main.commit=%s -X main.date=%s", testVersion, testCommit, testDate)
	build := exec.Command("go", "build", "-ldflags", ldflags, "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	code := 1
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build fechatter:", err)
	} else {
		code = pgtest.Main(m)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// waitDeadline bounds every wait so a broken build fails instead of hanging;
// it is a safety net, not a performance assertion.
const waitDeadline = 2 * time.Minute

// command prepares the binary in a fresh working directory (so no
// config.yaml is picked up) with a hermetic environment plus env.
func command(t *testing.T, env []string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = t.TempDir()
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FECHATTER_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	return cmd
}

// runCommand runs the binary to completion.
func runCommand(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := command(t, env, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// server is a running `fechatter serve`.
type server struct {
	cmd  *exec.Cmd
	addr string
	logs chan string // remaining stderr lines; closed at EOF
}

// startServer runs the binary with args and waits for its "fechatter
// started" log line, which carries the bound address.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	return startProcess(t, nil, "fechatter started", args...)
}

// startProcess runs the binary with env and args and waits for its start
// log line msg, which carries the bound address as "listen" (with msg ""
// it does not wait).
func startProcess(t *testing.T, env []string, msg string, args ...string) *server {
	t.Helper()
	cmd := command(t, append([]string{"FECHATTER_LOG__FORMAT=json"}, env...), args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: make(chan string, 1024)}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			for range s.logs { // read to EOF before Wait, as os/exec requires
			}
			_ = cmd.Wait()
		}
	})
	go func() { // ends at EOF, when the process exits
		defer close(s.logs)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.logs <- sc.Text()
		}
	}()
	if msg == "" {
		return s
	}
	line := s.waitLog(t, msg)
	var rec struct{ Listen string }
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Listen == "" {
		t.Fatalf("start line %q: %v", line, err)
	}
	s.addr = rec.Listen
	return s
}

// waitLog returns the next JSON log line whose msg is msg.
func (s *server) waitLog(t *testing.T, msg string) string {
	t.Helper()
	timeout := time.After(waitDeadline)
	for {
		select {
		case line, ok := <-s.logs:
			if !ok {
				t.Fatalf("process ended before logging %q", msg)
			}
			var rec struct{ Msg string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == msg {
				return line
			}
		case <-timeout:
			t.Fatalf("no %q log line", msg)
		}
	}
}

// waitReady polls /readyz until it answers 200.
func (s *server) waitReady(t *testing.T) {
	t.Helper()
	testproc.Eventually(t, waitDeadline, func() error {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("/readyz: %s", resp.Status)
		}
		return nil
	})
}

// signalAndWait sends sig and returns the exit code.
func (s *server) signalAndWait(t *testing.T, sig os.Signal) int {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	for range s.logs { // drain so the process never blocks on stderr
	}
	err := s.cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

func TestSignalStopsCleanly(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		sig  os.Signal
	}{
		{name: "serve SIGTERM", args: []string{"serve"}, sig: syscall.SIGTERM},
		{name: "default command SIGINT", args: nil, sig: os.Interrupt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args, "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"))
			s := startServer(t, args...)
			s.waitReady(t)
			if code := s.signalAndWait(t, tc.sig); code != 0 {
				t.Fatalf("exit code %d after %v", code, tc.sig)
			}
			if _, err := http.Get("http://" + s.addr + "/healthz"); err == nil {
				t.Fatal("server still answers after exiting")
			}
		})
	}
}

func TestHealthcheck(t *testing.T) {
	s := startServer(t, "serve", "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(t.TempDir(), "data"))
	s.waitReady(t)
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{name: "url flag", args: []string{"healthcheck", "--url", "http://" + s.addr + "/readyz"}},
		{name: "listen from the environment", env: []string{"FECHATTER_SERVER__LISTEN=" + s.addr}, args: []string{"healthcheck"}},
		{name: "listen flag", args: []string{"healthcheck", "--listen", s.addr}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if out, errOut, code := runCommand(t, tc.env, tc.args...); code != 0 {
				t.Fatalf("exit %d: %s %s", code, out, errOut)
			}
		})
	}
	if code := s.signalAndWait(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	// Nothing listens there any more: unhealthy.
	_, errOut, code := runCommand(t, nil, "healthcheck", "--url", "http://"+s.addr+"/readyz")
	if code != 1 || !strings.Contains(errOut, "healthcheck") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestHealthcheckNotReady(t *testing.T) {
	// A server answering 503 is unhealthy.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, `{"status":"unavailable","not_ready":["storage"]}`, http.StatusServiceUnavailable)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	_, errOut, code := runCommand(t, nil, "healthcheck", "--url", "http://"+ln.Addr().String()+"/readyz")
	if code != 1 || !strings.Contains(errOut, "storage") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
}

func TestStartFailureExitsNonZero(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{name: "port taken", args: []string{"serve", "--listen", busy.Addr().String()}, want: "start http"},
		{name: "invalid flag value", args: []string{"serve", "--listen", "nope"}, want: "server.listen"},
		{name: "unknown command", args: []string{"bogus"}, want: "unknown command"},
		{name: "missing config file", args: []string{"serve", "--config", "missing.yaml"}, want: "missing.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(tc.args, "--data-dir", filepath.Join(t.TempDir(), "data"))
			_, errOut, code := runCommand(t, nil, args...)
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q, want %q", code, errOut, tc.want)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	out, _, code := runCommand(t, nil, "version")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"fechatter " + testVersion, "commit: " + testCommit, "built: " + testDate} {
		if !strings.Contains(out, want) {
			t.Errorf("version output %q lacks %q", out, want)
		}
	}
	if out, _, _ := runCommand(t, nil, "--version"); strings.TrimSpace(out) != "fechatter "+testVersion {
		t.Errorf("--version = %q", out)
	}
}

// TestConfigReadsBot: the assistant's keys, once refused while it was not
// built, are read from the file and the environment, and the API key never
// shows in the effective configuration.
func TestConfigReadsBot(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte("bot:\n  model: llama3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCommand(t, []string{
		"FECHATTER_BOT__BASE_URL=http://localhost:11434/v1", "FECHATTER_BOT__API_KEY=sk-bot-secret",
	}, "config", "--config", file)
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{"llama3", "http://localhost:11434/v1"} {
		if !strings.Contains(out, want) {
			t.Errorf("effective config lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, "sk-bot-secret") {
		t.Errorf("the bot API key was printed:\n%s", out)
	}
}

func TestConfigCommand(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "jwt")
	if err := os.WriteFile(secretFile, []byte(strings.Repeat("j", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCommand(t, []string{
		"FECHATTER_SEARCH__MEILISEARCH__API_KEY=sk-very-secret",
		"FECHATTER_AUTH__JWT_SECRET_FILE=" + secretFile,
		"FECHATTER_DATABASE__URL=postgres://fc:pw-secret@db/fc?sslpassword=sslpw-secret",
		"FECHATTER_SERVER__LISTEN=:1111",
		"FECHATTER_SEARCH__ENGINE=meilisearch",
		"FECHATTER_SEARCH__MEILISEARCH__URL=https://m:meili-secret@meili.local:7700/v1?api_key=meiliq-secret",
		"FECHATTER_CLUSTER__LISTEN=:6222",
		"FECHATTER_CLUSTER__PASSWORD=cluster-secret",
		"FECHATTER_CLUSTER__ROUTES=nats://r:route-secret@10.0.0.2:6222",
	}, "config", "--listen", "127.0.0.1:2222")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, leak := range []string{"sk-very-secret", "jjjjjjjj", "pw-secret", "sslpw-secret", "meiliq-secret",
		"meili-secret", "cluster-secret", "route-secret"} {
		if strings.Contains(out, leak) {
			t.Fatalf("config output leaks %q:\n%s", leak, out)
		}
	}
	for _, want := range []string{"listen: 127.0.0.1:2222", "api_key: '[redacted]'", "jwt_secret_file: " + secretFile, "fc:[redacted]@db",
		"m:[redacted]@meili.local:7700/v1?api_key=[redacted]", "r:[redacted]@10.0.0.2:6222"} {
		if !strings.Contains(out, want) {
			t.Errorf("config output lacks %q:\n%s", want, out)
		}
	}
}

func TestMigrateCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	out, errOut, code := runCommand(t, nil, "migrate", "status", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "pending") {
		t.Fatalf("status before: exit %d, %q %q", code, out, errOut)
	}
	if out, errOut, code := runCommand(t, nil, "migrate", "--data-dir", dir); code != 0 || !strings.Contains(out, "sqlite: migrated") {
		t.Fatalf("migrate: exit %d, %q %q", code, out, errOut)
	}
	out, errOut, code = runCommand(t, nil, "migrate", "status", "--data-dir", dir)
	if code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("status after: exit %d, %q %q", code, out, errOut)
	}
}

// TestStartLogSaysWhereToGo: the start log names the address to open, to
// finish setup on a new instance and to use the app once it is done.
func TestStartLogSaysWhereToGo(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	s := startServer(t, "serve", "--listen", "127.0.0.1:0", "--data-dir", data)
	s.waitLog(t, "open http://"+s.addr+"/ to finish setup")
	s.waitReady(t)
	token, err := os.ReadFile(filepath.Join(data, "setup.token"))
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"email":"me@example.com","password":"a long password","username":"me","display_name":"Me","workspace_name":"Home","setup_token":%q}`,
		strings.TrimSpace(string(token)))
	resp, err := http.Post("http://"+s.addr+"/api/setup", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		t.Fatalf("setup: %s", resp.Status)
	}
	if code := s.signalAndWait(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d", code)
	}
	s = startServer(t, "serve", "--listen", "127.0.0.1:0", "--data-dir", data)
	s.waitLog(t, "open http://"+s.addr+"/ to use Fechatter")
}
