package pgtest

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func connect(t *testing.T, u string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatalf("connect %s: %v", u, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestURLGivesFreshIsolatedDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := URL(t), URL(t)
	if a == b {
		t.Fatalf("two calls returned the same URL %q", a)
	}
	ca, cb := connect(t, a), connect(t, b)
	for _, c := range []*pgx.Conn{ca, cb} {
		var n int
		err := c.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`).Scan(&n)
		if err != nil || n != 0 {
			t.Fatalf("fresh database has %d tables (err %v)", n, err)
		}
	}
	if _, err := ca.Exec(ctx, `CREATE TABLE only_in_a (id int)`); err != nil {
		t.Fatalf("create table: %v", err)
	}
	var n int
	if err := cb.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("table leaked into the other database: n=%d err=%v", n, err)
	}
}

func TestClusterRunsAsUnprivilegedUser(t *testing.T) {
	u := URL(t)
	if os.Getenv(EnvURL) != "" {
		t.Log("external server: nothing to check about the local cluster")
		return
	}
	var listen string
	if err := connect(t, u).QueryRow(context.Background(), `SHOW listen_addresses`).Scan(&listen); err != nil {
		t.Fatal(err)
	}
	if listen != "127.0.0.1" {
		t.Errorf("listen_addresses = %q, want loopback only", listen)
	}
	fi, err := os.Stat(filepath.Join(shared.root, dataSubdir))
	if err != nil {
		t.Fatal(err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if os.Geteuid() == 0 && ok && st.Uid == 0 {
		t.Errorf("data dir owned by root; the server must run as the postgres user")
	}
}

func TestSortByVersionDesc(t *testing.T) {
	for _, tc := range []struct {
		in, want []string
	}{
		{nil, nil},
		{
			[]string{"/usr/lib/postgresql/9/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/13/bin"},
			[]string{"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/13/bin", "/usr/lib/postgresql/9/bin"},
		},
		{
			[]string{"/usr/lib/postgresql/x/bin", "/usr/lib/postgresql/16/bin"},
			[]string{"/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/x/bin"},
		},
	} {
		got := sortByVersionDesc(tc.in)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("sortByVersionDesc(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestOnMissing(t *testing.T) {
	for _, tc := range []struct {
		ci    string
		fatal bool
	}{
		{"", false}, {"false", false}, {"0", false}, {"true", true}, {"TRUE", true}, {" true ", true},
	} {
		if got := onMissing(tc.ci); got != tc.fatal {
			t.Errorf("onMissing(%q) = %v, want %v", tc.ci, got, tc.fatal)
		}
	}
}

func TestWithDatabase(t *testing.T) {
	for _, tc := range []struct{ base, want string }{
		{"postgres://u:p@h:5432/old?sslmode=disable", "postgres://u:p@h:5432/fresh?sslmode=disable"},
		{"postgresql://h/", "postgresql://h/fresh"},
		{"host=h user=u dbname=old", "host=h user=u dbname=old dbname=fresh"},
	} {
		got, err := withDatabase(tc.base, "fresh")
		if err != nil || got != tc.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", tc.base, got, err, tc.want)
		}
	}
}

// deadPid returns the pid of a process that has exited and been reaped.
func deadPid(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatalf("run helper: %v", err)
	}
	return cmd.Process.Pid
}

func TestReapStale(t *testing.T) {
	parent := t.TempDir()
	now := time.Now()
	mk := func(name, pidFile string, age time.Duration) string {
		dir := filepath.Join(parent, "fechatter-pgtest-"+name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if pidFile != "-" {
			if err := os.WriteFile(filepath.Join(dir, ownerPidFile), []byte(pidFile), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chtimes(dir, now.Add(-age), now.Add(-age)); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, tc := range []struct {
		name, pid string
		age       time.Duration
		reaped    bool
	}{
		{"dead-owner", strconv.Itoa(deadPid(t)), 0, true},
		{"live-owner", strconv.Itoa(os.Getpid()), time.Hour, false},
		{"no-pid-young", "-", 0, false},
		{"no-pid-old", "-", time.Hour, true},
		{"empty-pid-young", "", 0, false},
	} {
		dir := mk(tc.name, tc.pid, tc.age)
		reapStale([]string{parent}, binaries{}, nil)
		_, err := os.Stat(dir)
		if gone := os.IsNotExist(err); gone != tc.reaped {
			t.Errorf("%s: reaped = %v, want %v", tc.name, gone, tc.reaped)
		}
	}
}

// TestCrashedBinaryLeavesNoServer kills a test binary that holds a cluster
// with SIGKILL, so Main never runs, and checks that its server stops by
// itself and that the next reap removes its directory.
func TestCrashedBinaryLeavesNoServer(t *testing.T) {
	if os.Getenv(EnvURL) != "" {
		t.Log("external server: no local cluster to crash")
		return
	}
	URL(t) // skips here when there is no Postgres, before the child tries
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldCluster$", "-test.v")
	cmd.Env = append(os.Environ(), "PGTEST_HOLD_CLUSTER=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	root := readRoot(t, stdout)
	postmaster := readPostmasterPid(t, root)
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitFor(t, 30*time.Second, "postgres to stop after its test binary died", func() bool {
		return !processAlive(postmaster)
	})
	reapStale([]string{filepath.Dir(root)}, shared.bins, shared.as)
	if _, err := os.Stat(root); !os.IsNotExist(err) {
		t.Fatalf("stale cluster dir %s not reaped (stat err %v)", root, err)
	}
}

// TestHelperHoldCluster is the child of TestCrashedBinaryLeavesNoServer: it
// starts a cluster, prints its directory and waits to be killed.
func TestHelperHoldCluster(t *testing.T) {
	if os.Getenv("PGTEST_HOLD_CLUSTER") != "1" {
		t.Log("helper process only")
		return
	}
	URL(t)
	os.Stdout.WriteString("ROOT=" + shared.root + "\n")
	time.Sleep(10 * time.Minute) // killed by the parent long before
}

func readRoot(t *testing.T, r interface{ Read([]byte) (int, error) }) string {
	t.Helper()
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "ROOT="); ok {
			return line
		}
	}
	t.Fatalf("child did not report its cluster dir: %v", sc.Err())
	return ""
}

func readPostmasterPid(t *testing.T, root string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, dataSubdir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestURLFromTemplateCopiesPreparedDatabase(t *testing.T) {
	ctx := context.Background()
	var inits int
	init := func(ctx context.Context, u string) error {
		inits++
		conn, err := pgx.Connect(ctx, u)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `CREATE TABLE seeded (v text); INSERT INTO seeded VALUES ('from init')`)
		return err
	}
	key := "seeded-" + strconv.FormatInt(time.Now().UnixNano(), 10) // fresh under -count=N
	a := URLFromTemplate(t, key, init)
	b := URLFromTemplate(t, key, init)
	if a == b || inits != 1 {
		t.Fatalf("urls %q, %q after %d inits; want two databases from one init", a, b, inits)
	}
	ca, cb := connect(t, a), connect(t, b)
	if _, err := ca.Exec(ctx, `INSERT INTO seeded VALUES ('only in a')`); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*pgx.Conn{"a": ca, "b": cb} {
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM seeded WHERE v = 'from init'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%s: seeded rows = %d, %v; want the template's row", name, n, err)
		}
	}
	var n int
	if err := cb.QueryRow(ctx, `SELECT count(*) FROM seeded`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("b sees %d rows (%v): copies must be independent", n, err)
	}
}

func TestFindBinaries(t *testing.T) {
	if _, err := findBinaries(); err != nil {
		t.Logf("this machine has no postgres: %v", err)
	}
	t.Setenv("PATH", t.TempDir())
	old := debianBinGlob
	debianBinGlob = filepath.Join(t.TempDir(), "*", "bin")
	t.Cleanup(func() { debianBinGlob = old })
	_, err := findBinaries()
	if !errors.Is(err, errNoPostgres) {
		t.Fatalf("without binaries: got %v, want errNoPostgres (a skip, or a failure under CI)", err)
	}
}
