package testproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Deadlines for a server process: how long to wait before calling a hang
// a failure, never a timing assertion.
const (
	// ReadyDeadline bounds the wait for /readyz to answer 200 (see
	// Config.ReadyTimeout). It is generous: a cluster node waits for its
	// peers to elect JetStream leaders before it is ready, on a machine
	// that may be running other test packages too.
	ReadyDeadline = 3 * time.Minute
	// StopDeadline bounds the wait for the process to exit after a signal:
	// the default server.shutdown_timeout (15s) plus slack.
	StopDeadline = 45 * time.Second
	// TailLines is how many lines of its output a server shows when the
	// test that owns it fails.
	TailLines = 60
)

// Config describes one `fechatter serve`; its address, data dir and
// database stay the same across restarts, so a restart finds what the
// previous run left.
type Config struct {
	// Name labels the process in messages. Default: "fechatter".
	Name string
	// Bin is the fechatter executable (see Binary and Build). Required.
	Bin string
	// Addr is the loopback host:port to serve HTTP on. Default: FreeAddr.
	Addr string
	// DataDir is the server's data dir, created if missing. Required.
	DataDir string
	// DBURL is a postgres:// URL; empty means SQLite in the data dir.
	DBURL string
	// Env is added to this process's environment without its FECHATTER_*
	// settings (see CleanEnv), after DefaultEnv, so it may override those.
	// Default: none.
	Env []string
	// GeneratedSetupToken leaves first-run setup to a token the server
	// generates and prints (read it with SetupTokenFromLog) instead of
	// SetupToken. Default false.
	GeneratedSetupToken bool
	// Dir is the working directory, so that no config.yaml of the
	// developer's is read. Default: DataDir.
	Dir string
	// LogPath is the file the process's stdout and stderr are appended
	// to, each run after a header line. Required.
	LogPath string
	// ReadyTimeout overrides ReadyDeadline for this server.
	ReadyTimeout time.Duration
	// StopTimeout overrides StopDeadline for this server.
	StopTimeout time.Duration
}

// Server is a fechatter process that can be started, stopped and started
// again. Its methods are safe for concurrent use.
type Server struct {
	Config

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when the current process has exited
	waitErr error         // set before done is closed
	runs    int
}

// URL is the server's base URL.
func (s *Server) URL() string { return "http://" + s.Addr }

func (s *Server) name() string {
	if s.Name == "" {
		return "fechatter"
	}
	return s.Name
}

// Start launches the process and waits until it is ready.
func (s *Server) Start(ctx context.Context) error {
	if err := s.Launch(); err != nil {
		return err
	}
	return s.WaitReady(ctx)
}

// Launch starts `fechatter serve` without waiting for it to be ready.
func (s *Server) Launch() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runningLocked() {
		return fmt.Errorf("%s is already running", s.name())
	}
	if err := s.prepareLocked(); err != nil {
		return err
	}
	logFile, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("start %s: %w", s.name(), err)
	}
	s.runs++
	fmt.Fprintf(logFile, "\n===== %s: run %d =====\n", s.name(), s.runs)
	cmd := s.command(context.Background(), s.serveArgs())
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", s.name(), err)
	}
	done := make(chan struct{})
	s.cmd, s.done, s.waitErr = cmd, done, nil
	go func() { // owned by s: ends when the process exits, which Kill guarantees
		err := cmd.Wait()
		logFile.Close()
		s.mu.Lock()
		s.waitErr = err
		s.mu.Unlock()
		close(done)
	}()
	return nil
}

func (s *Server) prepareLocked() error {
	if s.Bin == "" || s.DataDir == "" || s.LogPath == "" {
		return errors.New("testproc: a server needs Bin, DataDir and LogPath")
	}
	if s.Addr == "" {
		addr, err := FreeAddr()
		if err != nil {
			return err
		}
		s.Addr = addr
	}
	if err := os.MkdirAll(s.DataDir, 0o700); err != nil {
		return fmt.Errorf("start %s: %w", s.name(), err)
	}
	return nil
}

func (s *Server) serveArgs() []string {
	return append([]string{"serve", "--listen", s.Addr}, s.storeArgs()...)
}

// storeArgs are the flags that point a command at the server's storage.
func (s *Server) storeArgs() []string {
	args := []string{"--data-dir", s.DataDir}
	if s.DBURL != "" {
		args = append(args, "--database-url", s.DBURL)
	}
	return args
}

// Command prepares another subcommand of the binary (`fechatter reindex`,
// say) on the server's storage, with the server's environment and working
// directory: sub, then the storage flags, then args.
func (s *Server) Command(ctx context.Context, sub string, args ...string) *exec.Cmd {
	all := append(append([]string{sub}, s.storeArgs()...), args...)
	return s.command(ctx, all)
}

func (s *Server) command(ctx context.Context, args []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.Bin, args...)
	cmd.Env = append(append(CleanEnv(), s.defaultEnv()...), s.Env...)
	cmd.Dir = s.Dir
	if cmd.Dir == "" {
		cmd.Dir = s.DataDir
	}
	setParentDeath(cmd)
	return cmd
}

// SetupToken is the setup token every server under test starts with
// (FECHATTER_SETUP_TOKEN), unless its Config asks for a generated one.
const SetupToken = "testproc-setup-token"

// defaultEnv is what every server under test runs with: a known setup
// token and no sign-up or auth-class rate limit (tests sign many people
// up and in from one address). The other rate limits stay at their
// defaults, which no test should meet.
func (s *Server) defaultEnv() []string {
	env := []string{"FECHATTER_AUTH__SIGNUPS_PER_HOUR=0", "FECHATTER_LIMITS__AUTH__PER_IP=0"}
	if !s.GeneratedSetupToken {
		env = append(env, "FECHATTER_SETUP_TOKEN="+SetupToken)
	}
	return env
}

// setupLinkRE finds the setup link a server logs while setup is pending.
var setupLinkRE = regexp.MustCompile(`http://[^"\s]+/setup\?token=([0-9a-f]+)`)

// SetupTokenFromLog reads the setup token from the link in the server's
// log, as a person starting the binary would; "" when none was logged.
func (s *Server) SetupTokenFromLog() string {
	data, err := os.ReadFile(s.LogPath)
	if err != nil {
		return ""
	}
	m := setupLinkRE.FindSubmatch(data)
	if m == nil {
		return ""
	}
	return string(m[1])
}

// WaitReady polls /readyz until it answers 200, and fails when the process
// exits first or the ready deadline passes.
func (s *Server) WaitReady(ctx context.Context) error {
	timeout := s.ReadyTimeout
	if timeout == 0 {
		timeout = ReadyDeadline
	}
	exited := s.Exited()
	err := poll(ctx, timeout, func() error {
		select {
		case <-exited:
			return permanent{fmt.Errorf("%s exited before ready (%v)", s.name(), s.ExitErr())}
		default:
		}
		return s.probe()
	})
	if err != nil {
		return fmt.Errorf("%s not ready: %w", s.name(), err)
	}
	return nil
}

// Ready asks /readyz once whether the server is ready.
func (s *Server) Ready() bool { return s.probe() == nil }

var probeClient = &http.Client{Timeout: 2 * time.Second}

func (s *Server) probe() error {
	resp, err := probeClient.Get(s.URL() + "/readyz")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return fmt.Errorf("/readyz: %s %s", resp.Status, bytes.TrimSpace(body))
}

func (s *Server) runningLocked() bool {
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// closed is the Exited of a server that never ran.
var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

// Exited is closed when the current process has ended (at once when none
// was launched).
func (s *Server) Exited() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		return closed
	}
	return s.done
}

// ExitErr is what waiting for the last process returned (nil while it runs
// or after a clean exit).
func (s *Server) ExitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waitErr
}

// PID is the current process's id (0 before the first launch).
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Runs is how many times the process has been launched.
func (s *Server) Runs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.runs
}

// Signal sends sig to the running process.
func (s *Server) Signal(sig os.Signal) error {
	s.mu.Lock()
	cmd := s.cmd
	s.mu.Unlock()
	if cmd == nil {
		return fmt.Errorf("signal %v to %s: never started", sig, s.name())
	}
	if err := cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %v to %s: %w", sig, s.name(), err)
	}
	return nil
}

// Stop sends SIGTERM and returns the exit code once the process is gone.
func (s *Server) Stop() (int, error) {
	if err := s.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	return s.Wait()
}

// Kill ends the process with SIGKILL (no shutdown code runs) and waits for
// it; a process that has already exited is left as it is.
func (s *Server) Kill() error {
	select {
	case <-s.Exited():
		return nil
	default:
	}
	if err := s.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	_, err := s.Wait()
	return err
}

// Wait waits for the process to end and returns its exit code (-1 when a
// signal ended it); it fails when the stop deadline passes first.
func (s *Server) Wait() (int, error) {
	timeout := s.StopTimeout
	if timeout == 0 {
		timeout = StopDeadline
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-s.Exited():
	case <-timer.C:
		return 0, fmt.Errorf("%s still running %v after the signal", s.name(), timeout)
	}
	err := s.ExitErr()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), nil
	}
	if err != nil {
		return 0, fmt.Errorf("wait for %s: %w", s.name(), err)
	}
	return 0, nil
}

// DumpGoroutines makes a running server write its goroutines to its log
// and exit (SIGQUIT), for a post-mortem.
func (s *Server) DumpGoroutines() {
	exited := s.Exited()
	select {
	case <-exited:
		return
	default:
	}
	if s.Signal(syscall.SIGQUIT) == nil {
		timer := time.NewTimer(5 * time.Second)
		defer timer.Stop()
		select {
		case <-exited:
		case <-timer.C:
		}
	}
}

// tailBytes bounds how much of a log LogTail reads.
const tailBytes = 64 << 10

// LogTail returns the last n lines of the server's output.
func (s *Server) LogTail(n int) string {
	f, err := os.Open(s.LogPath)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > tailBytes {
		_, _ = f.Seek(-tailBytes, io.SeekEnd)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return err.Error()
	}
	return lastLines(string(data), n)
}

// lastLines returns the last n lines of text, without its final newline.
func lastLines(text string, n int) string {
	text = strings.TrimRight(text, "\n")
	lines := strings.Split(text, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// keptLogPath is where a test's server log goes when LogDirEnv is set.
func keptLogPath(dir, test, name string) string {
	safe := strings.NewReplacer("/", "_", " ", "_").Replace(test + "-" + name)
	return filepath.Join(dir, fmt.Sprintf("%s-%d.log", safe, time.Now().UnixNano()))
}
