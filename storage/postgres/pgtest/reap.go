package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// orphanAge is how old a cluster directory without an owner pid file must be
// before the reaper takes it: younger ones may be a test binary that has just
// created its directory and not yet written the file.
const orphanAge = 10 * time.Minute

// memoryDir is a tmpfs on Linux. A throwaway cluster there is several
// times faster to create databases in than on a disk filesystem (CREATE
// DATABASE copies hundreds of small files), and holds nothing worth
// keeping anyway.
const memoryDir = "/dev/shm"

// parents are the directories that may hold cluster directories, in order
// of preference; the reaper looks in all of them.
func parents() []string {
	return []string{memoryDir, os.TempDir(), "/tmp"}
}

// pickParent returns the first of parents that exists, is writable and
// that the server's user can reach.
func pickParent(as *runAs) (string, error) {
	for _, dir := range parents() {
		if traversable(dir, as) && writable(dir) {
			return dir, nil
		}
	}
	return "", fmt.Errorf("no temp directory the postgres user can reach (tried %s); set TMPDIR to a world-searchable directory", strings.Join(parents(), ", "))
}

// writable reports whether this process can create entries in dir.
func writable(dir string) bool {
	return syscall.Access(dir, 0o2) == nil // W_OK
}

// traversable reports whether the server's user can reach dir: every
// directory on its path must be searchable by others (we do not assume the
// server's user shares a group with anything).
func traversable(dir string, as *runAs) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	fi, err := os.Stat(abs)
	if err != nil || !fi.IsDir() {
		return false
	}
	if as == nil {
		return true
	}
	for p := abs; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if p == filepath.Dir(p) {
			return true
		}
	}
}

// reapStale stops and removes clusters under parents whose owning test
// binary is gone (it crashed, or was killed before Main could clean up).
// Errors are ignored: reaping is best effort and must not fail the tests
// that start now.
func reapStale(parents []string, bins binaries, as *runAs) {
	var dirs []string
	for _, p := range parents {
		found, _ := filepath.Glob(filepath.Join(p, dirPattern))
		dirs = append(dirs, found...)
	}
	for _, dir := range dirs {
		if !isStale(dir, time.Now()) {
			continue
		}
		stopStaleServer(dir, bins, as)
		_ = os.RemoveAll(dir)
	}
}

// isStale reports whether dir's owner is dead.
func isStale(dir string, now time.Time) bool {
	b, err := os.ReadFile(filepath.Join(dir, ownerPidFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return false
	}
	pid, perr := strconv.Atoi(string(bytes.TrimSpace(b)))
	if err != nil || perr != nil || pid <= 0 {
		// No readable owner yet: it may be being written right now.
		fi, err := os.Stat(dir)
		return err == nil && now.Sub(fi.ModTime()) > orphanAge
	}
	return !processAlive(pid)
}

// stopStaleServer stops a left-over server, if one still runs. pg_ctl runs
// as the server's user, so it can only ever signal that user's processes.
func stopStaleServer(dir string, bins binaries, as *runAs) {
	data := filepath.Join(dir, dataSubdir)
	if _, err := os.Stat(filepath.Join(data, "postmaster.pid")); err != nil {
		return
	}
	c := &cluster{root: dir, as: as, bins: bins}
	cmd := c.command(bins.pgCtl, "stop", "-D", data, "-m", "immediate", "-w", "-t", "10")
	_ = cmd.Run()
}

// processAlive reports whether pid names a live process. A zombie (dead but
// not yet reaped by its new parent) counts as dead.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	if errors.Is(err, syscall.ESRCH) {
		return false
	}
	if err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no procfs: trust kill(2)
	}
	// The state follows the command name, which is in parentheses and may
	// itself contain ") ".
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return true
	}
	return stat[i+2] != 'Z'
}
