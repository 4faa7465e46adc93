package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// errNoPostgres marks "this machine cannot run a throwaway Postgres": the
// binaries or the unprivileged user are missing. URL skips on it (fails
// under CI=true); any other start error always fails.
var errNoPostgres = errors.New("no usable postgres installation")

// debianBinGlob is where Debian and Ubuntu install the server binaries,
// which are not on PATH there (a variable so tests can hide them).
var debianBinGlob = "/usr/lib/postgresql/*/bin"

// binaries holds the absolute paths of the server programs, all from one
// installation.
type binaries struct {
	initdb   string
	postgres string
	pgCtl    string
}

// findBinaries looks for initdb on PATH, then under debianBinGlob (highest
// major version first), and takes postgres and pg_ctl from the same directory
// so the versions match.
func findBinaries() (binaries, error) {
	var dirs []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dirs = append(dirs, filepath.Dir(p))
	}
	matches, _ := filepath.Glob(debianBinGlob)
	dirs = append(dirs, sortByVersionDesc(matches)...)
	for _, d := range dirs {
		b := binaries{
			initdb:   filepath.Join(d, "initdb"),
			postgres: filepath.Join(d, "postgres"),
			pgCtl:    filepath.Join(d, "pg_ctl"),
		}
		if isExecutable(b.initdb) && isExecutable(b.postgres) && isExecutable(b.pgCtl) {
			return b, nil
		}
	}
	return binaries{}, fmt.Errorf("%w: initdb, postgres and pg_ctl not found on PATH or under %s", errNoPostgres, debianBinGlob)
}

// sortByVersionDesc orders /usr/lib/postgresql/<major>/bin paths by major
// version, newest first; paths without a numeric version go last.
func sortByVersionDesc(paths []string) []string {
	out := append([]string(nil), paths...)
	version := func(p string) int {
		v, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		if err != nil {
			return -1
		}
		return v
	}
	sort.SliceStable(out, func(i, j int) bool { return version(out[i]) > version(out[j]) })
	return out
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// runAs is the unprivileged account the server runs under; nil means the
// current user. Postgres refuses to start as root, so as root we switch to
// the "postgres" system account.
type runAs struct {
	uid, gid uint32
	name     string
}

// serverUser picks the account to run the server as.
func serverUser() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: running as root and there is no \"postgres\" system user to run the server as: %v", errNoPostgres, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse uid of postgres user: %w", err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("parse gid of postgres user: %w", err)
	}
	return &runAs{uid: uint32(uid), gid: uint32(gid), name: u.Username}, nil
}

// onMissing says what URL does when Postgres cannot run here: under CI a
// missing database is a broken build, never a silent skip.
func onMissing(ciEnv string) (fatal bool) {
	return strings.EqualFold(strings.TrimSpace(ciEnv), "true")
}
