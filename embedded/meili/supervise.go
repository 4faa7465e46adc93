package meili

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// supervise runs the server until ctx ends, restarting it with backoff.
func (s *Sidecar) supervise(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	defer s.setState(StateStopped, nil)
	attempt := 0
	for ctx.Err() == nil {
		readyAt, err := s.runOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		if !readyAt.IsZero() && time.Since(readyAt) > s.cfg.MaxBackoff*2 {
			attempt = 0 // it ran well for a while: start over from the short wait
		}
		wait := backoff(s.cfg.MinBackoff, s.cfg.MaxBackoff, attempt)
		attempt++
		s.mu.Lock()
		s.restarts++
		s.mu.Unlock()
		s.setState(StateRestarting, err)
		s.log.Warn("meilisearch exited; restarting", "err", err, "in", wait, "attempt", attempt)
		if !sleep(ctx, wait) {
			return
		}
	}
}

// backoff doubles from min for each attempt, capped at max.
func backoff(minWait, maxWait time.Duration, attempt int) time.Duration {
	d := minWait
	for i := 0; i < attempt && d < maxWait; i++ {
		d *= 2
	}
	return min(d, maxWait)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// runOnce starts the server and returns when it exited (its error) or,
// after ctx ended, once it is stopped. readyAt is when it became ready.
func (s *Sidecar) runOnce(ctx context.Context) (readyAt time.Time, err error) {
	cmd := s.command()
	if err := cmd.Start(); err != nil {
		return time.Time{}, fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.mu.Lock()
	s.pid = cmd.Process.Pid
	s.mu.Unlock()
	s.log.Info("meilisearch started", "pid", cmd.Process.Pid, "addr", s.addr, "db_path", s.DBPath())

	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	monCtx, stopMon := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var ready time.Time
	wg.Add(1)
	go func() {
		defer wg.Done()
		ready = s.monitor(monCtx, cmd)
	}()
	select {
	case err = <-exited:
		err = exitError(err)
	case <-ctx.Done():
		err = s.terminate(cmd, exited)
	}
	stopMon()
	wg.Wait()
	return ready, err
}

// command builds the server's command line (field notes C2). The master
// key goes in the environment, not in argv where ps would show it.
func (s *Sidecar) command() *exec.Cmd {
	args := []string{
		"--env", "production", "--no-analytics",
		"--http-addr", s.addr,
		"--db-path", s.DBPath(),
		"--dump-dir", filepath.Join(s.dir, "meili-dumps"),
		"--snapshot-dir", filepath.Join(s.dir, "meili-snapshots"),
	}
	if s.cfg.MaxIndexingMemory != "" {
		args = append(args, "--max-indexing-memory", s.cfg.MaxIndexingMemory)
	}
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	cmd.Env = append(withoutMeiliEnv(os.Environ()), "MEILI_MASTER_KEY="+s.key)
	out := &lineLogger{log: s.log}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	return cmd
}

// withoutMeiliEnv drops MEILI_* variables, which would override what the
// supervisor decides.
func withoutMeiliEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "MEILI_") {
			out = append(out, kv)
		}
	}
	return out
}

func exitError(err error) error {
	if err == nil {
		return errors.New("meilisearch exited with status 0")
	}
	return fmt.Errorf("meilisearch exited: %w", err)
}

// terminate stops the server: SIGTERM to its process group, SIGKILL after
// StopTimeout.
func (s *Sidecar) terminate(cmd *exec.Cmd, exited <-chan error) error {
	s.log.Info("stopping meilisearch", "pid", cmd.Process.Pid)
	if err := signalTerm(cmd); err != nil {
		s.log.Warn("meilisearch: SIGTERM", "err", err)
	}
	t := time.NewTimer(s.cfg.StopTimeout)
	defer t.Stop()
	select {
	case <-exited:
		return nil
	case <-t.C:
		s.log.Warn("meilisearch did not stop in time; killing it", "after", s.cfg.StopTimeout)
		_ = signalKill(cmd)
		<-exited
		return nil
	}
}

// monitor polls /health: it marks the sidecar ready when the server
// answers, unhealthy when it stops answering, and kills it after
// unhealthyLimit failures in a row so that supervise restarts it. It
// returns when ctx ends, with the time the server became ready.
func (s *Sidecar) monitor(ctx context.Context, cmd *exec.Cmd) time.Time {
	client := &http.Client{Timeout: 2 * time.Second}
	var readyAt time.Time
	fails := 0
	interval := 20 * time.Millisecond // fast until first ready
	for sleep(ctx, interval) {
		err := s.checkHealth(ctx, client)
		switch {
		case err == nil && readyAt.IsZero():
			readyAt, interval = time.Now(), s.cfg.HealthInterval
			s.markReady()
		case err == nil:
			fails = 0
			s.setState(StateReady, nil)
		case !readyAt.IsZero():
			fails++
			s.setState(StateUnhealthy, err)
			if fails >= unhealthyLimit {
				s.log.Error("meilisearch unhealthy; killing it for a restart", "err", err)
				_ = signalKill(cmd)
				return readyAt
			}
		}
	}
	return readyAt
}

func (s *Sidecar) markReady() {
	s.setState(StateReady, nil)
	s.mu.Lock()
	select {
	case <-s.ready:
	default:
		close(s.ready)
	}
	s.mu.Unlock()
	s.log.Info("meilisearch ready", "url", s.URL())
}

// checkHealth asks GET /health, which needs no key.
func (s *Sidecar) checkHealth(ctx context.Context, client *http.Client) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL()+"/health", nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("available")) {
		return fmt.Errorf("health: status %d: %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	return nil
}

// loadOrCreateKey reads the master key file, creating it (32 random
// bytes, hex, mode 0600) on first use.
func loadOrCreateKey(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		key := strings.TrimSpace(string(b))
		if len(key) < 32 {
			return "", fmt.Errorf("master key in %s is shorter than 16 bytes", path)
		}
		if err := os.Chmod(path, 0o600); err != nil {
			return "", fmt.Errorf("master key file: %w", err)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("master key file: %w", err)
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails (Go 1.24+)
	key := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("master key file: %w", err)
	}
	if _, err := f.WriteString(key + "\n"); err != nil {
		_ = f.Close()
		return "", fmt.Errorf("master key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("master key file: %w", err)
	}
	return key, nil
}

// lineLogger turns the server's output into log lines.
type lineLogger struct {
	log *slog.Logger
	mu  sync.Mutex
	buf []byte
}

func (l *lineLogger) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		if line := strings.TrimSpace(string(l.buf[:i])); line != "" {
			l.log.Info(line, "source", "meilisearch")
		}
		l.buf = l.buf[i+1:]
	}
	if len(l.buf) > 64<<10 { // a runaway line: log what we have
		l.log.Info(string(l.buf), "source", "meilisearch")
		l.buf = l.buf[:0]
	}
	return len(p), nil
}
