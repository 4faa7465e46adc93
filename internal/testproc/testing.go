package testproc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// TB is the part of testing.TB this package uses (declared here so that
// the load generator, not a test, does not link package testing).
type TB interface {
	Helper()
	Cleanup(func())
	Failed() bool
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
	Name() string
	TempDir() string
}

// LogDirEnv names a directory to keep server logs in (a CI artifact, or
// for a post-mortem); a failed test's servers then also dump their
// goroutines there. By default logs are in the test's temp dir and only
// their last TailLines lines are shown on failure.
const LogDirEnv = "FECHATTER_TEST_LOG_DIR"

// New prepares a server owned by tb; it is not running yet. Missing
// settings get defaults: the binary of Binary, a free loopback address, a
// data dir and a log file in tb's temp dir. When tb ends, whatever still
// runs is killed and, if tb failed, the last TailLines lines of the log
// are logged.
func New(tb TB, cfg Config) *Server {
	tb.Helper()
	if cfg.Bin == "" {
		cfg.Bin = Binary(tb)
	}
	if cfg.Addr == "" {
		addr, err := FreeAddr()
		if err != nil {
			tb.Fatalf("free address: %v", err)
		}
		cfg.Addr = addr
	}
	dir := tb.TempDir()
	if cfg.DataDir == "" {
		cfg.DataDir = filepath.Join(dir, "data")
	}
	keep := os.Getenv(LogDirEnv)
	s := &Server{Config: cfg}
	switch {
	case cfg.LogPath != "":
	case keep != "":
		s.LogPath = keptLogPath(keep, tb.Name(), s.name())
	default:
		s.LogPath = filepath.Join(dir, "server.log")
	}
	tb.Cleanup(func() { s.cleanup(tb, keep != "") })
	return s
}

// cleanup kills what still runs and shows the end of the log of a failed test.
func (s *Server) cleanup(tb TB, dump bool) {
	if !tb.Failed() {
		_ = s.Kill()
		return
	}
	tail := s.LogTail(TailLines)
	if dump {
		s.DumpGoroutines()
	}
	if err := s.Kill(); err != nil {
		tb.Logf("%v", err)
	}
	tb.Logf("last %d lines of the output of %s (%s):\n%s", TailLines, s.name(), s.LogPath, tail)
}

// Eventually calls cond until it returns nil, and fails tb with cond's
// last error once timeout has passed: a poll with a deadline in place of
// a sleep. The deadline only turns a hang into a failure; it asserts
// nothing about speed.
func Eventually(tb TB, timeout time.Duration, cond func() error) {
	tb.Helper()
	if err := poll(context.Background(), timeout, cond); err != nil {
		tb.Fatalf("%v", err)
	}
}

// Until is Eventually for a condition that says only whether it holds:
// it fails tb naming what once timeout has passed.
func Until(tb TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	Eventually(tb, timeout, func() error {
		if cond() {
			return nil
		}
		return errors.New("waiting for " + what)
	})
}

// permanent ends a poll at once with its error.
type permanent struct{ error }

// poll calls cond until it returns nil, a permanent error, or timeout has
// passed (the last error is returned then), waiting a little longer
// after each try.
func poll(ctx context.Context, timeout time.Duration, cond func() error) error {
	deadline := time.Now().Add(timeout)
	wait := 5 * time.Millisecond
	for {
		err := cond()
		if err == nil {
			return nil
		}
		var p permanent
		if errors.As(err, &p) {
			return p.error
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("still not so after %v: %w", timeout, err)
		}
		timer := time.NewTimer(min(wait, time.Until(deadline)))
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C:
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}
