package appliance

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
	_ "modernc.org/sqlite" // database/sql driver, to tamper with a test database
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testConfig is a valid configuration on a fresh data dir and a free port.
func testConfig(t *testing.T) Config {
	t.Helper()
	cfg := Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.Server.Listen = "127.0.0.1:0"
	return cfg
}

// startAppliance starts an appliance and stops it when the test ends.
func startAppliance(t *testing.T, cfg Config, logs io.Writer) *Appliance {
	t.Helper()
	if logs == nil {
		logs = io.Discard
	}
	a, err := New(cfg, NewLogger(logs, LogConfig{Format: "json", Level: "debug"}), BuildInfo{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := a.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return a
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestApplianceServesAndStops(t *testing.T) {
	var logs syncBuffer
	cfg := testConfig(t)
	a, err := New(cfg, NewLogger(&logs, LogConfig{Format: "json", Level: "debug"}), BuildInfo{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Addr() != "" {
		t.Fatalf("Addr before start = %q", a.Addr())
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr()
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, body := get(t, base+path)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s = %d %s", path, resp.StatusCode, body)
		}
	}
	resp, _ := get(t, base+"/api/setup")
	id := resp.Header.Get("X-Request-ID")
	if id == "" || resp.StatusCode != http.StatusOK {
		t.Fatalf("/api/setup: status %d, request id %q", resp.StatusCode, id)
	}
	if !logLineHas(logs.String(), "request_id", id) {
		t.Fatalf("no log line carries request id %s:\n%s", id, logs.String())
	}
	if got := a.NotReady(context.Background()); len(got) != 0 {
		t.Fatalf("NotReady = %v", got)
	}
	for range 2 {
		if err := a.Stop(context.Background()); err != nil {
			t.Fatalf("stop: %v", err)
		}
	}
	if got := a.NotReady(context.Background()); !slices.Equal(got, []string{"datadir", "storage", "nats", "events", "realtime", "search", "mail", "assistant", "previews", "push", "integrations", "http", "status", "files", "metrics"}) {
		t.Fatalf("NotReady after stop = %v", got)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("server still answers after Stop")
	}
}

// logLineHas reports whether a JSON log line has key = value.
func logLineHas(logs, key, value string) bool {
	for _, line := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m[key] == value {
			return true
		}
	}
	return false
}

func TestReadyzNamesWhatIsNotReady(t *testing.T) {
	a := startAppliance(t, testConfig(t), nil)
	// Break the store under the running server: readiness must say so.
	if err := a.store.Close(); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, "http://"+a.Addr()+"/readyz")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, `"storage"`) {
		t.Fatalf("/readyz = %d %s", resp.StatusCode, body)
	}
	resp, _ = get(t, "http://"+a.Addr()+"/healthz")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz = %d", resp.StatusCode)
	}
}

func TestDataDirAndGeneratedKey(t *testing.T) {
	cfg := testConfig(t)
	a := startAppliance(t, cfg, nil)
	st, err := os.Stat(cfg.DataDir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("data dir: %v mode %v", err, st.Mode())
	}
	keyPath := filepath.Join(cfg.DataDir, "jwt.key")
	kst, err := os.Stat(keyPath)
	if err != nil || kst.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v mode %v", err, kst.Mode())
	}
	data, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}\n$`).Match(data) {
		t.Fatalf("key file content %q", data)
	}
	if string(a.signingKey) != strings.TrimSpace(string(data)) {
		t.Fatal("the appliance does not use the key it wrote")
	}
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The second start reuses the key: sessions survive a restart.
	b := startAppliance(t, cfg, nil)
	if !bytes.Equal(a.signingKey, b.signingKey) {
		t.Fatal("the key changed across restarts")
	}
	if _, err := os.Stat(SQLitePath(cfg)); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

func TestConfiguredSecretWritesNoKeyFile(t *testing.T) {
	cfg := testConfig(t)
	cfg.Auth.JWTSecret = strings.Repeat("c", 40)
	a := startAppliance(t, cfg, nil)
	if string(a.signingKey) != cfg.Auth.JWTSecret {
		t.Fatal("configured secret not used")
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "jwt.key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("jwt.key written although a secret is configured: %v", err)
	}
}

func TestStartFailureNamesComponentAndRollsBack(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	shortKeyDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(shortKeyDir, "jwt.key"), []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{name: "port taken", mutate: func(c *Config) { c.Server.Listen = busy.Addr().String() }, want: "start http: listen"},
		{name: "data dir under a file", mutate: func(c *Config) { c.DataDir = filepath.Join(notDir, "data") }, want: "start datadir"},
		{name: "short key file", mutate: func(c *Config) { c.DataDir = shortKeyDir }, want: "start datadir: signing key"},
		{name: "postgres unreachable", mutate: func(c *Config) { c.Database.URL = "postgres://nobody@127.0.0.1:1/none?connect_timeout=2" }, want: "start storage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			tc.mutate(&cfg)
			a, err := New(cfg, nil, BuildInfo{})
			if err != nil {
				t.Fatal(err)
			}
			err = a.Start(context.Background())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
			if got := a.NotReady(context.Background()); !slices.Equal(got, []string{"datadir", "storage", "nats", "events", "realtime", "search", "mail", "assistant", "previews", "push", "integrations", "http", "status", "files", "metrics"}) {
				t.Fatalf("after a failed start NotReady = %v", got)
			}
			if err := a.Stop(context.Background()); err != nil {
				t.Fatalf("stop after failed start: %v", err)
			}
		})
	}
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	cfg := Default()
	cfg.Server.Listen = "nope"
	if _, err := New(cfg, nil, BuildInfo{}); err == nil || !strings.Contains(err.Error(), "server.listen") {
		t.Fatalf("err = %v", err)
	}
}

func TestMigrateAndSchemaStatus(t *testing.T) {
	cfg := testConfig(t)
	ctx := context.Background()
	before, err := SchemaStatus(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if before.Dialect != "sqlite" || before.Applied != 0 || before.Latest < 1 {
		t.Fatalf("before: %+v", before)
	}
	for range 2 { // migrating twice is harmless
		if err := Migrate(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	after, err := SchemaStatus(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if after.Applied != after.Latest {
		t.Fatalf("after: %+v", after)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	cfg := testConfig(t)
	ctx := context.Background()
	if err := Migrate(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", SQLitePath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, nil, BuildInfo{})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Start(ctx)
	if !errors.Is(err, storage.ErrSchemaNew) || !strings.Contains(err.Error(), "start storage: database schema version 9999 is newer") {
		t.Fatalf("err = %v", err)
	}
	if err := Migrate(ctx, cfg); !errors.Is(err, storage.ErrSchemaNew) {
		t.Fatalf("migrate: %v", err)
	}
}

func TestApplianceOnPostgres(t *testing.T) {
	cfg := testConfig(t)
	cfg.Database.URL = pgtest.URL(t)
	a := startAppliance(t, cfg, nil)
	if a.store.Dialect() != "postgres" {
		t.Fatalf("dialect %s", a.store.Dialect())
	}
	resp, body := get(t, "http://"+a.Addr()+"/readyz")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz = %d %s", resp.StatusCode, body)
	}
	s, err := SchemaStatus(context.Background(), cfg)
	if err != nil || s.Dialect != "postgres" || s.Applied != s.Latest {
		t.Fatalf("schema %+v, %v", s, err)
	}
}
