package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Layout of one throwaway cluster's directory, fechatter-pgtest-* under
// /dev/shm or os.TempDir() (see pickParent).
const (
	dirPattern   = "fechatter-pgtest-*"
	ownerPidFile = "owner.pid" // pid of the test binary that owns the cluster
	logFile      = "postgres.log"
	dataSubdir   = "data"
	sockSubdir   = "sock"
)

const (
	readyTimeout = 60 * time.Second
	stopTimeout  = 10 * time.Second
	startTries   = 3 // a random free port can be taken before postgres binds it
)

// cluster is one running throwaway Postgres server owned by this process.
type cluster struct {
	root string
	port int
	as   *runAs
	bins binaries

	// versionNum is the server's server_version_num (150004 for 15.4).
	versionNum int

	proc   *os.Process
	exited chan struct{} // closed when the server process has ended
	// waitErr is the server's exit status; read it only after exited is closed.
	waitErr error
}

// adminURL is the superuser connection to the maintenance database.
func (c *cluster) adminURL() string { return c.urlFor("postgres") }

// urlFor is the connection URL of database name on this cluster.
func (c *cluster) urlFor(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// startCluster creates, initialises and starts a cluster in a fresh
// directory, after reaping clusters left behind by crashed test binaries.
func startCluster() (*cluster, error) {
	bins, err := findBinaries()
	if err != nil {
		return nil, err
	}
	as, err := serverUser()
	if err != nil {
		return nil, err
	}
	parent, err := pickParent(as)
	if err != nil {
		return nil, err
	}
	reapStale(parents(), bins, as)
	c := &cluster{bins: bins, as: as}
	err = c.prepareDir(parent)
	if err == nil {
		err = c.initdb()
	}
	if err == nil {
		err = c.startWithRetry()
	}
	if err != nil {
		if c.root != "" {
			_ = os.RemoveAll(c.root)
		}
		return nil, err
	}
	return c, nil
}

// prepareDir makes the cluster directory, records the owner pid for the
// reaper, and hands the directory to the server's user.
func (c *cluster) prepareDir(parent string) error {
	root, err := os.MkdirTemp(parent, dirPattern)
	if err != nil {
		return fmt.Errorf("create cluster dir: %w", err)
	}
	c.root = root
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := os.WriteFile(filepath.Join(root, ownerPidFile), pid, 0o644); err != nil {
		return fmt.Errorf("write owner pid: %w", err)
	}
	if err := os.Mkdir(filepath.Join(root, sockSubdir), 0o700); err != nil {
		return fmt.Errorf("create socket dir: %w", err)
	}
	if c.as == nil {
		return nil
	}
	for _, p := range []string{root, filepath.Join(root, sockSubdir)} {
		if err := os.Chown(p, int(c.as.uid), int(c.as.gid)); err != nil {
			return fmt.Errorf("hand %s to user %s: %w", p, c.as.name, err)
		}
	}
	return nil
}

// initdb creates the data directory. --no-sync and trust auth are fine for
// a cluster that only ever holds test data.
func (c *cluster) initdb() error {
	cmd := c.command(c.bins.initdb, "-D", filepath.Join(c.root, dataSubdir),
		"-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("initdb: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// command prepares a server program to run as the server's user, in the
// cluster directory (the test's working directory may not be readable by it).
func (c *cluster) command(path string, args ...string) *exec.Cmd {
	cmd := exec.Command(path, args...)
	cmd.Dir = c.root
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "HOME=" + c.root}
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if c.as != nil {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: c.as.uid, Gid: c.as.gid}
	}
	return cmd
}

// startWithRetry starts the server on a random free loopback port, trying
// another port when the server exits before accepting connections (someone
// else took the port between our probe and its bind).
func (c *cluster) startWithRetry() error {
	var errs []error
	for range startTries {
		port, err := freePort()
		if err != nil {
			return err
		}
		c.port = port
		if err := c.start(); err != nil {
			return err
		}
		err = c.waitReady()
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		c.stop()
	}
	return fmt.Errorf("start postgres: %w\n%s", errors.Join(errs...), c.logTail())
}

// start runs postgres directly (not through pg_ctl) as our child, so that
// the kernel can stop it when this test binary dies (Pdeathsig). The signal
// is tied to the thread that forks, so that thread stays locked to the
// goroutine that owns the server until the server ends (go.dev/issue/27505).
// SIGQUIT is Postgres's immediate shutdown.
func (c *cluster) start() error {
	logf, err := os.OpenFile(filepath.Join(c.root, logFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("open postgres log: %w", err)
	}
	cmd := c.command(c.bins.postgres, "-D", filepath.Join(c.root, dataSubdir),
		"-p", strconv.Itoa(c.port), "-k", filepath.Join(c.root, sockSubdir),
		"-c", "listen_addresses=127.0.0.1",
		// Throwaway test cluster only: durability buys nothing here.
		"-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off",
		"-c", "max_connections=300", "-c", "max_wal_size=64MB", "-c", "min_wal_size=32MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	started := make(chan error, 1)
	c.exited = make(chan struct{})
	go func() {
		defer close(c.exited)
		defer logf.Close()
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- fmt.Errorf("start postgres: %w", err)
			c.waitErr = err
			return
		}
		c.proc = cmd.Process
		started <- nil
		c.waitErr = cmd.Wait()
	}()
	return <-started
}

// waitReady polls until the server accepts a connection, the server exits,
// or readyTimeout passes.
func (c *cluster) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	for {
		err := c.ping()
		if err == nil {
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("postgres exited before accepting connections: %v", c.waitErr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not accepting connections after %s: %w", readyTimeout, err)
		}
	}
}

// ping connects to the server and reads its version.
func (c *cluster) ping() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.adminURL())
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var v string
	if err := conn.QueryRow(ctx, `SHOW server_version_num`).Scan(&v); err != nil {
		return err
	}
	c.versionNum, err = strconv.Atoi(v)
	return err
}

// stop shuts the server down immediately and waits for it to exit.
func (c *cluster) stop() {
	if c.proc == nil {
		return
	}
	_ = c.proc.Signal(syscall.SIGQUIT)
	select {
	case <-c.exited:
	case <-time.After(stopTimeout):
		_ = c.proc.Kill()
		<-c.exited
	}
	c.proc = nil
}

// destroy stops the server and removes its directory.
func (c *cluster) destroy() error {
	c.stop()
	if err := os.RemoveAll(c.root); err != nil {
		return fmt.Errorf("remove cluster dir: %w", err)
	}
	return nil
}

// logTail returns the end of the server log for error messages.
func (c *cluster) logTail() string {
	b, err := os.ReadFile(filepath.Join(c.root, logFile))
	if err != nil {
		return ""
	}
	const max = 4000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return "postgres log:\n" + string(b)
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
