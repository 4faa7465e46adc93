package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fechatter/fechatter/internal/testproc"
)

// server is a fechatter process started by --spawn.
type server struct {
	proc *testproc.Server
	url  string
	dir  string
	keep bool

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
	s := &server{dir: dir, keep: o.KeepData, stopSamp: make(chan struct{})}
	bin := o.ServerBin
	if bin == "" {
		fmt.Fprintln(log, "building fechatter ...")
		if bin, err = testproc.Build(ctx); err != nil {
			s.cleanup()
			return nil, fmt.Errorf("%w (or give --server-bin)", err)
		}
	}
	dataDir := filepath.Join(dir, "data")
	if o.SpawnDataDir != "" {
		if dataDir, err = filepath.Abs(o.SpawnDataDir); err != nil {
			s.cleanup()
			return nil, err
		}
	}
	s.proc = &testproc.Server{Config: testproc.Config{
		Bin: bin, DataDir: dataDir, DBURL: o.SpawnDBURL,
		Dir: dir, LogPath: filepath.Join(dir, "server.log"), // no config.yaml of the working directory
		// Many users from one address: rate limits off, as for any load test.
		Env: []string{"FECHATTER_SETUP_TOKEN=" + o.SetupToken, "FECHATTER_LIMITS__ENABLED=false"},
	}}
	if err := s.start(ctx); err != nil {
		err = fmt.Errorf("%w; log:\n%s", err, s.proc.LogTail(testproc.TailLines))
		s.stop()
		return nil, err
	}
	fmt.Fprintf(log, "spawned fechatter pid %d at %s (data %s, log %s)\n", s.proc.PID(), s.url, dataDir, s.proc.LogPath)
	return s, nil
}

func (s *server) start(ctx context.Context) error {
	if err := s.proc.Launch(); err != nil {
		return err
	}
	s.url = s.proc.URL()
	s.sampler.Add(1)
	go s.sampleRSS() // owned by s: ends in stop
	return s.proc.WaitReady(ctx)
}

// pid is the spawned process's id.
func (s *server) pid() int { return s.proc.PID() }

// sampleRSS keeps the highest VmRSS seen, every 250 ms, until stop.
func (s *server) sampleRSS() {
	defer s.sampler.Done()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	exited := s.proc.Exited()
	for {
		if st, err := readProcStatus(s.pid()); err == nil {
			s.mu.Lock()
			s.peakRSS = max(s.peakRSS, st.rssKiB)
			s.mu.Unlock()
		}
		select {
		case <-s.stopSamp:
			return
		case <-exited:
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
	if st, err := readProcStatus(s.pid()); err == nil {
		hwm = st.hwmKiB
	}
	return sampled, hwm
}

// stop ends the process with SIGTERM (SIGKILL after testproc.StopDeadline)
// and removes the data dir unless asked to keep it.
func (s *server) stop() {
	if s.proc != nil && s.pid() != 0 {
		if _, err := s.proc.Stop(); err != nil {
			_ = s.proc.Kill()
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
