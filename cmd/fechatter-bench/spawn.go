package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	readyDeadline = 90 * time.Second
	stopDeadline  = 30 * time.Second
	modulePath    = "github.com/fechatter/fechatter"
)

// server is a fechatter process started by --spawn.
type server struct {
	cmd     *exec.Cmd
	url     string
	dir     string
	logPath string
	keep    bool

	done    chan struct{} // closed when the process has exited
	waitErr error

	sampler  sync.WaitGroup
	stopSamp chan struct{}
	mu       sync.Mutex
	peakRSS  int64 // KiB, highest VmRSS sampled
}

// spawnServer builds fechatter (unless --server-bin is given) and starts
// `fechatter serve` on a free loopback port with a fresh data dir.
func spawnServer(ctx context.Context, o options, log io.Writer) (*server, error) {
	dir, err := os.MkdirTemp("", "fechatter-bench-")
	if err != nil {
		return nil, err
	}
	s := &server{dir: dir, logPath: filepath.Join(dir, "server.log"), keep: o.KeepData,
		done: make(chan struct{}), stopSamp: make(chan struct{})}
	bin := o.ServerBin
	if bin == "" {
		bin = filepath.Join(dir, "fechatter")
		fmt.Fprintln(log, "building fechatter ...")
		if err := buildServer(ctx, bin); err != nil {
			s.cleanup()
			return nil, err
		}
	}
	dataDir := filepath.Join(dir, "data")
	if o.SpawnDataDir != "" {
		if dataDir, err = filepath.Abs(o.SpawnDataDir); err != nil {
			s.cleanup()
			return nil, err
		}
	}
	if err := s.start(ctx, bin, dataDir, o.SpawnDBURL, o.SetupToken); err != nil {
		s.stop()
		return nil, err
	}
	fmt.Fprintf(log, "spawned fechatter pid %d at %s (data %s, log %s)\n", s.cmd.Process.Pid, s.url, dataDir, s.logPath)
	return s, nil
}

func (s *server) start(ctx context.Context, bin, dataDir, dbURL, setupToken string) error {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	s.url = "http://" + addr
	args := []string{"serve", "--listen", addr, "--data-dir", dataDir}
	if dbURL != "" {
		args = append(args, "--database-url", dbURL)
	}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	s.cmd = exec.Command(bin, args...)
	// The generator signs every user up from one address: no sign-up limit.
	s.cmd.Env = append(cleanEnv(), "FECHATTER_SETUP_TOKEN="+setupToken, "FECHATTER_AUTH__SIGNUPS_PER_HOUR=0")
	s.cmd.Dir = s.dir // no config.yaml of the working directory
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	setParentDeath(s.cmd)
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		close(s.done)
		return fmt.Errorf("start %s: %w", bin, err)
	}
	go func() { // owned by s: ends when the process exits, which stop guarantees
		s.waitErr = s.cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	s.sampler.Add(1)
	go s.sampleRSS() // owned by s: ends in stop
	return s.waitReady(ctx)
}

// buildServer compiles ./cmd/fechatter of the module around the working directory.
func buildServer(ctx context.Context, out string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("no go tool to build fechatter (give --server-bin): %w", err)
	}
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "./cmd/fechatter")
	cmd.Dir = root
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build fechatter: %w\n%s", err, buf.String())
	}
	return nil
}

// moduleRoot finds the directory of Fechatter's go.mod at or above the
// working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the fechatter module: give --server-bin")
		}
		dir = parent
	}
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// cleanEnv is this environment without FECHATTER_* settings.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "FECHATTER_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady polls /readyz until it answers 200, the process dies or the deadline passes.
func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(readyDeadline)
	hc := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("fechatter exited before ready (%v); log:\n%s", s.waitErr, s.logTail())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := hc.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("fechatter not ready after %v; log:\n%s", readyDeadline, s.logTail())
}

// sampleRSS keeps the highest VmRSS seen, every 250 ms, until stop.
func (s *server) sampleRSS() {
	defer s.sampler.Done()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if st, err := readProcStatus(s.cmd.Process.Pid); err == nil {
			s.mu.Lock()
			s.peakRSS = max(s.peakRSS, st.rssKiB)
			s.mu.Unlock()
		}
		select {
		case <-s.stopSamp:
			return
		case <-s.done:
			return
		case <-tick.C:
		}
	}
}

// peak returns the highest RSS sampled and the kernel's high-water mark (VmHWM), in KiB.
func (s *server) peak() (sampled, hwm int64) {
	s.mu.Lock()
	sampled = s.peakRSS
	s.mu.Unlock()
	if st, err := readProcStatus(s.cmd.Process.Pid); err == nil {
		hwm = st.hwmKiB
	}
	return sampled, hwm
}

// stop ends the process with SIGTERM (SIGKILL after stopDeadline) and
// removes the data dir unless asked to keep it.
func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(stopDeadline):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
		close(s.stopSamp)
		s.sampler.Wait()
	}
	s.cleanup()
}

func (s *server) cleanup() {
	if !s.keep {
		_ = os.RemoveAll(s.dir)
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
