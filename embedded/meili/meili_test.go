package meili

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	fakeOnce sync.Once
	fakeBin  string
	fakeErr  error
)

// fakeMeili builds testdata/fakemeili once per test binary.
func fakeMeili(t *testing.T) string {
	t.Helper()
	fakeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "fakemeili")
		if err != nil {
			fakeErr = err
			return
		}
		fakeBin = filepath.Join(dir, "meilisearch")
		out, err := exec.Command("go", "build", "-o", fakeBin, "./testdata/fakemeili").CombinedOutput()
		if err != nil {
			fakeErr = errors.New(string(out))
		}
	})
	if fakeErr != nil {
		t.Fatalf("build fakemeili: %v", fakeErr)
	}
	return fakeBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fakeBin != "" {
		_ = os.RemoveAll(filepath.Dir(fakeBin))
	}
	os.Exit(code)
}

// newSidecar makes a sidecar on the stand-in with short waits.
func newSidecar(t *testing.T, dir string) *Sidecar {
	t.Helper()
	s, err := New(Config{
		Binary: fakeMeili(t), Dir: dir, Log: slog.New(slog.NewTextHandler(t.Output(), nil)),
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 100 * time.Millisecond,
		HealthInterval: 20 * time.Millisecond, StopTimeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s
}

func start(t *testing.T, s *Sidecar) {
	t.Helper()
	if err := s.Start(t.Context()); err != nil {
		t.Fatalf("start: %v", err)
	}
}

func currentPID(s *Sidecar) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pid
}

// waitFor polls cond until it holds; the test deadline bounds it.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-t.Context().Done():
			t.Fatalf("never: %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestStartReady(t *testing.T) {
	data := t.TempDir()
	s := newSidecar(t, data)
	if err := s.Ready(t.Context()); err == nil || !strings.Contains(err.Error(), StateStopped) {
		t.Fatalf("ready before start = %v", err)
	}
	start(t, s)
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("ready: %v", err)
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Fatalf("url %s is not loopback", s.URL())
	}
	for _, tc := range []struct {
		path, key string
		want      int
	}{
		{"/health", "", http.StatusOK},
		{"/indexes", "", http.StatusForbidden},
		{"/indexes", s.MasterKey(), http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+tc.path, nil)
		if tc.key != "" {
			req.Header.Set("Authorization", "Bearer "+tc.key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Fatalf("GET %s with key %q: %d, want %d", tc.path, tc.key, resp.StatusCode, tc.want)
		}
	}
	if fi, err := os.Stat(s.DBPath()); err != nil || !fi.IsDir() || s.DBPath() != filepath.Join(data, "meili") {
		t.Fatalf("db path %s: %v", s.DBPath(), err)
	}
}

func TestRestartsAfterKill(t *testing.T) {
	s := newSidecar(t, t.TempDir())
	start(t, s)
	first := currentPID(s)
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a new process", func() bool { return currentPID(s) != first })
	waitFor(t, "ready again", func() bool { state, _ := s.State(); return state == StateReady })
	if err := s.Ready(t.Context()); err != nil {
		t.Fatalf("ready after restart: %v", err)
	}
	s.mu.Lock()
	restarts := s.restarts
	s.mu.Unlock()
	if restarts < 1 {
		t.Fatalf("restarts = %d", restarts)
	}
	resp, err := http.Get(s.URL() + "/health")
	if err != nil {
		t.Fatalf("same URL after restart: %v", err)
	}
	_ = resp.Body.Close()
}

func TestStopIsGraceful(t *testing.T) {
	s := newSidecar(t, t.TempDir())
	start(t, s)
	pid := currentPID(s)
	if err := s.Stop(t.Context()); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if alive(pid) {
		t.Fatalf("process %d still alive after Stop", pid)
	}
	if _, err := os.Stat(filepath.Join(s.DBPath(), "clean-shutdown")); err != nil {
		t.Fatalf("no clean shutdown (SIGTERM path): %v", err)
	}
	if state, _ := s.State(); state != StateStopped {
		t.Fatalf("state = %s", state)
	}
	if err := s.Stop(t.Context()); err != nil {
		t.Fatalf("second stop: %v", err)
	}
}

func TestKeyCreatedOnceAndReused(t *testing.T) {
	data := t.TempDir()
	a := newSidecar(t, data)
	path := filepath.Join(data, "meili.key")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v", fi.Mode().Perm())
	}
	if len(a.MasterKey()) != 64 {
		t.Fatalf("key %q is not 32 bytes of hex", a.MasterKey())
	}
	b := newSidecar(t, data)
	if a.MasterKey() != b.MasterKey() {
		t.Fatal("second sidecar generated a new key")
	}
	if err := os.WriteFile(path, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Binary: fakeMeili(t), Dir: data}); err == nil {
		t.Fatal("a short key was accepted")
	}
}

// TestUsesGivenDir: the sidecar keeps its key and database in exactly the
// directory it is given, creating it owner-only, and nowhere else: where
// that is, is the caller's decision.
func TestUsesGivenDir(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "nested", "sidecar")
	if _, err := New(Config{Binary: fakeMeili(t), Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir %s: %v, want it created 0700", dir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "meili.key")); err != nil {
		t.Fatalf("no key in the given dir: %v", err)
	}
	entries, err := os.ReadDir(parent)
	if err != nil || len(entries) != 1 || entries[0].Name() != "nested" {
		t.Fatalf("the sidecar wrote outside its dir: %v %v", entries, err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"missing binary", Config{Binary: "/nonexistent/meilisearch", Dir: t.TempDir()}, "not found"},
		{"not on PATH", Config{Binary: "meilisearch-does-not-exist", Dir: t.TempDir()}, "search.meilisearch.binary"},
		{"no directory", Config{Binary: "/bin/sh"}, "no directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestStartFailsWhenServerDies: a binary that exits at once never gets
// ready; Start says so and leaves nothing running.
func TestStartFailsWhenServerDies(t *testing.T) {
	t.Setenv("FAKEMEILI_EXIT", "3")
	s, err := New(Config{
		Binary: fakeMeili(t), Dir: t.TempDir(), Log: slog.New(slog.NewTextHandler(t.Output(), nil)),
		ReadyTimeout: 300 * time.Millisecond, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Start(t.Context())
	if err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("start = %v, want the exit status", err)
	}
	if state, _ := s.State(); state != StateStopped {
		t.Fatalf("state after failed start = %s", state)
	}
}

func TestBackoffCapped(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{{0, 100 * time.Millisecond}, {1, 200 * time.Millisecond}, {3, 800 * time.Millisecond}, {10, time.Second}, {100, time.Second}} {
		if got := backoff(100*time.Millisecond, time.Second, tc.attempt); got != tc.want {
			t.Errorf("attempt %d: %v, want %v", tc.attempt, got, tc.want)
		}
	}
}
