package testproc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestServerStartsStopsAndRestarts(t *testing.T) {
	s := fake(t)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	addr := s.Addr
	if code, err := s.Stop(); err != nil || code != 0 {
		t.Fatalf("stop = %d, %v; want 0", code, err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatalf("restart: %v", err)
	}
	if s.Addr != addr || !s.Ready() || s.Runs() != 2 {
		t.Fatalf("run %d on %s (ready %v), want run 2 on %s", s.Runs(), s.Addr, s.Ready(), addr)
	}
	if err := s.Launch(); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second launch while running: %v", err)
	}
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if code, err := s.Wait(); code != -1 || err != nil {
		t.Fatalf("exit after SIGKILL = %d, %v; want -1", code, err)
	}
	log, _ := os.ReadFile(s.LogPath)
	for _, want := range []string{"===== fake: run 1 =====", "stopped", "===== fake: run 2 ====="} {
		if !strings.Contains(string(log), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestWaitReadyEndsWhenTheProcessExits(t *testing.T) {
	s := fake(t, fakeExitEnv+"=3")
	s.ReadyTimeout = time.Hour // would hang the test if the exit went unnoticed
	err := s.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exited before ready") {
		t.Fatalf("start of a process that exits = %v", err)
	}
	if code, err := s.Wait(); code != 3 || err != nil {
		t.Fatalf("exit = %d, %v; want 3", code, err)
	}
	if tail := s.LogTail(1); tail != "giving up" {
		t.Fatalf("tail = %q", tail)
	}
}

func TestWaitReadyGivesUpAtItsDeadline(t *testing.T) {
	s := fake(t)
	if err := s.Launch(); err != nil {
		t.Fatal(err)
	}
	Eventually(t, time.Minute, func() error { // it listens before it prints
		if tail := s.LogTail(1); tail != "line 99" {
			return fmt.Errorf("log ends with %q", tail)
		}
		return nil
	})
	s.ReadyTimeout = time.Nanosecond // the first answer is a 503
	err := s.WaitReady(context.Background())
	if err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("start = %v, want the last answer, a 503", err)
	}
}

// recorder is a TB whose failures and logs are kept, not reported.
type recorder struct {
	TB
	failed   bool
	fatal    string
	logs     []string
	cleanups []func()
}

func (r *recorder) Helper()                 {}
func (r *recorder) Failed() bool            { return r.failed }
func (r *recorder) Cleanup(f func())        { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Logf(f string, a ...any) { r.logs = append(r.logs, fmt.Sprintf(f, a...)) }
func (r *recorder) Fatalf(f string, a ...any) {
	r.failed, r.fatal = true, fmt.Sprintf(f, a...)
}

func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func TestCleanupKillsAndShowsTheLogTailOfAFailedTest(t *testing.T) {
	for _, failed := range []bool{false, true} {
		t.Run(fmt.Sprintf("failed=%v", failed), func(t *testing.T) {
			r := &recorder{TB: t}
			s := New(r, Config{Name: "fake", Bin: os.Args[0], Env: []string{fakeEnv + "=1"}})
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			r.failed = failed
			r.runCleanups()
			select {
			case <-s.Exited():
			default:
				t.Fatal("cleanup left the process running")
			}
			shown := strings.Join(r.logs, "\n")
			if failed != strings.Contains(shown, "line 99") || strings.Contains(shown, "line 39\n") {
				t.Fatalf("logged %q; want the last %d lines only when the test failed", shown, TailLines)
			}
		})
	}
}

func TestLastLines(t *testing.T) {
	for _, tc := range []struct {
		text string
		n    int
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc"},
		{"a\nb\nc", 5, "a\nb\nc"},
		{"", 3, ""},
		{"one\n", 1, "one"},
	} {
		if got := lastLines(tc.text, tc.n); got != tc.want {
			t.Errorf("lastLines(%q, %d) = %q, want %q", tc.text, tc.n, got, tc.want)
		}
	}
}

func TestEventually(t *testing.T) {
	n := 0
	Eventually(t, time.Minute, func() error {
		if n++; n < 3 {
			return fmt.Errorf("n = %d", n)
		}
		return nil
	})
	r := &recorder{TB: t}
	Eventually(r, time.Millisecond, func() error { return errors.New("never") })
	if !r.failed || !strings.Contains(r.fatal, "never") {
		t.Fatalf("Eventually of a condition that never holds: failed=%v %q", r.failed, r.fatal)
	}
}

func TestUntil(t *testing.T) {
	n := 0
	Until(t, time.Minute, "n to reach 3", func() bool { n++; return n >= 3 })
	r := &recorder{TB: t}
	Until(r, time.Millisecond, "the impossible", func() bool { return false })
	if !r.failed || !strings.Contains(r.fatal, "waiting for the impossible") {
		t.Fatalf("Until of a condition that never holds: failed=%v %q", r.failed, r.fatal)
	}
}

// TestSourceKeyFollowsTheBinarysSources: a change of a file the binary is
// built from changes the key; a test file does not.
func TestSourceKeyFollowsTheBinarysSources(t *testing.T) {
	root := fakeModule(t)
	ctx := context.Background()
	key := func() string {
		t.Helper()
		k, err := sourceKey(ctx, goTool(), root)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k1 := key()
	write(t, filepath.Join(root, "cmd/fechatter/main_test.go"), "package main\n")
	if k2 := key(); k2 != k1 {
		t.Fatalf("a test file changed the key: %s -> %s", k1, k2)
	}
	write(t, filepath.Join(root, "cmd/fechatter/main.go"), "package main\n\nfunc main() { println(2) }\n")
	if k3 := key(); k3 == k1 {
		t.Fatal("a source change kept the key")
	}
}

// TestBuildIsSharedByKey: a second Build of the same sources reuses the
// first binary.
func TestBuildIsSharedByKey(t *testing.T) {
	root := fakeModule(t)
	cacheBase = t.TempDir()
	t.Cleanup(func() { cacheBase = "" })
	t.Chdir(filepath.Join(root, "cmd"))
	bin, err := Build(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	first, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Build(context.Background())
	if err != nil || again != bin {
		t.Fatalf("second build = %s, %v; want %s", again, err, bin)
	}
	if second, err := os.Stat(again); err != nil || !os.SameFile(first, second) {
		t.Fatalf("the binary was built again (%v)", err)
	}
	if out, err := exec.Command(bin).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "1" {
		t.Fatalf("built binary says %q (%v)", out, err)
	}
}

// fakeModule is a module with Fechatter's path and a tiny ./cmd/fechatter.
func fakeModule(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write(t, filepath.Join(root, "go.mod"), "module "+modulePath+"\n\ngo 1.22\n")
	write(t, filepath.Join(root, "cmd/fechatter/main.go"), "package main\n\nfunc main() { println(1) }\n")
	return root
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
