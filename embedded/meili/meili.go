// Package meili supervises a Meilisearch binary as a sidecar of the
// Fechatter process (ARCHITECTURE.md §6, field notes C2): it finds the
// binary, keeps a generated master key in the directory it is given, runs the server
// on a loopback port with its own database directory, waits for GET
// /health, restarts it with capped exponential backoff when it dies or
// stops answering, and stops it with SIGTERM, then SIGKILL after a bound.
package meili

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// The states a sidecar reports.
const (
	StateStopped    = "stopped"
	StateStarting   = "starting"
	StateReady      = "ready"
	StateUnhealthy  = "unhealthy"
	StateRestarting = "restarting"
)

// Config configures a sidecar.
type Config struct {
	// Binary is the meilisearch executable: a path, or a name looked up on
	// PATH. Default "meilisearch".
	Binary string
	// Dir is the directory the sidecar owns: it keeps its master key in
	// Dir/meili.key and its database in Dir/meili/, creating Dir (0700) if
	// missing. The caller decides where it lies (Fechatter passes
	// <data_dir>/search, see the appliance's data-dir layout). Required.
	Dir string
	// Log receives the supervisor's and the server's log lines. Default slog.Default().
	Log *slog.Logger
	// ReadyTimeout bounds how long Start waits for /health. Default 60s.
	ReadyTimeout time.Duration
	// StopTimeout is how long Stop waits after SIGTERM before SIGKILL. Default 10s.
	StopTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait before a restart, doubling
	// from one to the other. Defaults 500ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// HealthInterval is how often a running server is checked. Default 5s.
	HealthInterval time.Duration
	// MaxIndexingMemory is passed as --max-indexing-memory when set
	// (e.g. "1GiB"; Meilisearch's default is 2/3 of the RAM). Default "".
	MaxIndexingMemory string
}

func (c Config) withDefaults() Config {
	if c.Binary == "" {
		c.Binary = "meilisearch"
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ReadyTimeout, 60*time.Second)
	def(&c.StopTimeout, 10*time.Second)
	def(&c.MinBackoff, 500*time.Millisecond)
	def(&c.MaxBackoff, 30*time.Second)
	def(&c.HealthInterval, 5*time.Second)
	return c
}

// unhealthyLimit is how many failed health checks in a row make the
// supervisor kill a running server so that it restarts.
const unhealthyLimit = 3

// Sidecar is a supervised Meilisearch process.
type Sidecar struct {
	cfg  Config
	bin  string
	key  string
	dir  string // Config.Dir
	log  *slog.Logger
	addr string // 127.0.0.1:port, fixed at the first Start so URL() stays valid

	mu       sync.Mutex
	state    string
	lastErr  error
	pid      int
	restarts int
	ready    chan struct{} // closed when the current run became ready
	cancel   context.CancelFunc
	done     chan struct{}
}

// New finds the binary and loads (or creates, on first use) the master
// key. It starts nothing.
func New(cfg Config) (*Sidecar, error) {
	cfg = cfg.withDefaults()
	if cfg.Dir == "" {
		return nil, errors.New("meilisearch sidecar: no directory")
	}
	bin, err := exec.LookPath(cfg.Binary)
	if err != nil {
		return nil, fmt.Errorf("meilisearch sidecar: binary %q not found or not executable (set search.meilisearch.binary): %w", cfg.Binary, err)
	}
	if bin, err = filepath.Abs(bin); err != nil {
		return nil, fmt.Errorf("meilisearch sidecar: binary path: %w", err)
	}
	dir := cfg.Dir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("meilisearch sidecar: create its directory: %w", err)
	}
	key, err := loadOrCreateKey(filepath.Join(dir, "meili.key"))
	if err != nil {
		return nil, fmt.Errorf("meilisearch sidecar: %w", err)
	}
	return &Sidecar{
		cfg: cfg, bin: bin, key: key, dir: dir, state: StateStopped,
		log: cfg.Log.With("component", "meilisearch"),
	}, nil
}

// URL is the server's base URL (valid after Start).
func (s *Sidecar) URL() string { return "http://" + s.addr }

// MasterKey is the server's master key.
func (s *Sidecar) MasterKey() string { return s.key }

// DBPath is the server's database directory.
func (s *Sidecar) DBPath() string { return filepath.Join(s.dir, "meili") }

// State reports the current state and the last error seen, if any.
func (s *Sidecar) State() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.lastErr
}

// Ready answers at once: nil when the server is ready, otherwise an error
// that names its state (for /readyz).
func (s *Sidecar) Ready(context.Context) error {
	state, err := s.State()
	if state == StateReady {
		return nil
	}
	if err != nil {
		return fmt.Errorf("meilisearch sidecar %s: %w", state, err)
	}
	return fmt.Errorf("meilisearch sidecar %s", state)
}

// Start launches the supervisor and waits until the server answers
// /health (bounded by ReadyTimeout and ctx). On failure it stops what it
// started.
func (s *Sidecar) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.cancel != nil {
		s.mu.Unlock()
		return errors.New("meilisearch sidecar: already started")
	}
	if s.addr == "" {
		addr, err := freeLoopbackAddr()
		if err != nil {
			s.mu.Unlock()
			return fmt.Errorf("meilisearch sidecar: %w", err)
		}
		s.addr = addr
	}
	runCtx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done, s.ready = cancel, make(chan struct{}), make(chan struct{})
	s.state, s.lastErr = StateStarting, nil
	ready, done := s.ready, s.done
	s.mu.Unlock()

	go s.supervise(runCtx, done)
	if err := s.waitReady(ctx, ready); err != nil {
		stopCtx, stop := context.WithTimeout(context.Background(), s.cfg.StopTimeout+time.Second)
		defer stop()
		return errors.Join(err, s.Stop(stopCtx))
	}
	return nil
}

func (s *Sidecar) waitReady(ctx context.Context, ready <-chan struct{}) error {
	timer := time.NewTimer(s.cfg.ReadyTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		return nil
	case <-timer.C:
		return fmt.Errorf("meilisearch sidecar not ready after %s: %w", s.cfg.ReadyTimeout, s.Ready(ctx))
	case <-ctx.Done():
		return fmt.Errorf("meilisearch sidecar start: %w", ctx.Err())
	}
}

// Stop stops the supervisor and the server: SIGTERM, then SIGKILL after
// StopTimeout. It is idempotent.
func (s *Sidecar) Stop(ctx context.Context) error {
	s.mu.Lock()
	cancel, done := s.cancel, s.done
	s.cancel = nil
	s.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("meilisearch sidecar stop: %w", ctx.Err())
	}
}

func (s *Sidecar) setState(state string, err error) {
	s.mu.Lock()
	s.state = state
	if err != nil || state == StateReady {
		s.lastErr = err
	}
	s.mu.Unlock()
}

// freeLoopbackAddr asks the kernel for a free port on 127.0.0.1.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free loopback port: %w", err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}
