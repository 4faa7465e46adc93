package appliance

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// TestScheduledBackups: with backup.interval set, a running server writes
// archives into <data_dir>/backups, keeps the newest backup.keep, reports
// them in LastBackup, and the newest restores (config file included).
func TestScheduledBackups(t *testing.T) {
	cfg := testConfig(t)
	cfg.Backup.Interval, cfg.Backup.Keep = time.Minute, 2
	conf := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(conf, []byte("log:\n  level: info\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, NewLogger(os.Stderr, LogConfig{Format: "json", Level: "error"}), BuildInfo{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	a.backupEvery = 20 * time.Millisecond
	a.SetConfigFile(conf)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			if err := a.Stop(context.Background()); err != nil {
				t.Errorf("stop: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	deadline := time.Now().Add(time.Minute)
	for a.LastBackup().Succeeded < 4 {
		if time.Now().After(deadline) {
			t.Fatalf("scheduled backups: %+v", a.LastBackup())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	st := a.LastBackup()
	if !st.Enabled || st.LastError != "" || st.LastSuccess.IsZero() || st.Failed != 0 {
		t.Fatalf("LastBackup = %+v", st)
	}
	dir := layoutOf(cfg.DataDir).Backups
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || !slices.Contains(names, filepath.Base(st.LastPath)) {
		t.Fatalf("backups dir holds %v, want the newest 2 with %s", names, st.LastPath)
	}

	restored := testConfig(t)
	out := filepath.Join(t.TempDir(), "restored.yaml")
	m, err := Restore(context.Background(), restored, RestoreOptions{From: st.LastPath, ConfigOut: out})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(out); err != nil || string(got) != "log:\n  level: info\n" {
		t.Errorf("--config-out wrote %q (%v)", got, err)
	}
	if _, err := os.Stat(filepath.Join(restored.DataDir, partConfig)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the config file was left in the data dir: %v", err)
	}
	if m.Engine != "sqlite" || m.SchemaVersion == 0 || m.Rows["users"] != 0 {
		t.Errorf("manifest %+v", m)
	}
}

// TestRotateBackups keeps the newest archives by the time in their names
// and leaves other files alone.
func TestRotateBackups(t *testing.T) {
	dir := t.TempDir()
	names := []string{
		"fechatter-20261201T010000.000Z.tar.gz", "fechatter-20261203T010000.000Z.tar.gz",
		"fechatter-20261202T010000.000Z.tar.gz", "mine.tar.gz",
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := rotateBackups(dir, 2); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{"fechatter-20261202T010000.000Z.tar.gz", "fechatter-20261203T010000.000Z.tar.gz", "mine.tar.gz"}
	if !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
}

// TestBackupPostgresWithoutPGDump: without pg_dump a Postgres backup holds
// the key and the files, says in the manifest that the database is not
// in it, and gives the pg_dump command to run; a restore of it restores
// the rest and needs no --database-url.
func TestBackupPostgresWithoutPGDump(t *testing.T) {
	cfg := testConfig(t)
	cfg.Database.URL = pgtest.URL(t)
	startAppliance(t, cfg, nil)
	t.Setenv("PATH", t.TempDir())
	old := pgBinGlob
	pgBinGlob = filepath.Join(t.TempDir(), "none", "*")
	t.Cleanup(func() { pgBinGlob = old })

	out := filepath.Join(t.TempDir(), "b.tar.gz")
	m, err := Backup(context.Background(), cfg, BackupOptions{Out: out, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	hint := PGDumpHint(m)
	if m.Engine != "postgres" || m.Database != "" || !strings.Contains(hint, "pg_dump --format=custom") || !strings.Contains(hint, "'postgres://") {
		t.Fatalf("manifest %+v, hint %q", m, hint)
	}
	t.Log(hint)
	if !slices.ContainsFunc(m.Parts, func(p Part) bool { return p.Name == partKey }) {
		t.Errorf("parts %+v: no %s", m.Parts, partKey)
	}
	restored := testConfig(t)
	if _, err := Restore(context.Background(), restored, RestoreOptions{From: out}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(layoutOf(restored.DataDir).JWTKey); err != nil {
		t.Error(err)
	}
}

// TestRestoreRefusesForeignParts: parts a backup never has (paths out of
// the data dir, links, unknown names, parts the manifest does not list)
// are refused before anything is placed.
func TestRestoreRefusesForeignParts(t *testing.T) {
	for _, tc := range []struct {
		name string
		hdr  tar.Header
		want string
	}{
		{"dot dot", tar.Header{Name: "../evil", Typeflag: tar.TypeReg}, `unexpected part "../evil"`},
		{"dot dot in files", tar.Header{Name: "files/../../evil", Typeflag: tar.TypeReg}, `unexpected part "files/../../evil"`},
		{"absolute", tar.Header{Name: "/etc/evil", Typeflag: tar.TypeReg}, `unexpected part "/etc/evil"`},
		{"unknown", tar.Header{Name: "nats/stream", Typeflag: tar.TypeReg}, `unexpected part "nats/stream"`},
		{"symlink", tar.Header{Name: "jwt.key", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, "not a regular file"},
		{"unlisted", tar.Header{Name: "files/ab/extra", Typeflag: tar.TypeReg}, "part files/ab/extra is not in the manifest"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			archive := filepath.Join(dir, "in.tar.gz")
			f, err := os.Create(archive)
			if err != nil {
				t.Fatal(err)
			}
			gz := gzip.NewWriter(f)
			tw := tar.NewWriter(gz)
			hdr := tc.hdr
			hdr.Mode = 0o600
			if err := tw.WriteHeader(&hdr); err != nil {
				t.Fatal(err)
			}
			m, _ := json.Marshal(Manifest{Format: manifestFormat, Engine: "sqlite"})
			if err := tw.WriteHeader(&tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(m)), Typeflag: tar.TypeReg}); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write(m); err != nil {
				t.Fatal(err)
			}
			if err := errors.Join(tw.Close(), gz.Close(), f.Close()); err != nil {
				t.Fatal(err)
			}
			cfg := testConfig(t)
			cfg.DataDir = filepath.Join(dir, "data")
			_, err = Restore(context.Background(), cfg, RestoreOptions{From: archive})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("restore: %v, want %q", err, tc.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("restore left %v behind", entries)
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "evil")); err == nil {
				t.Error("a part was written outside the data dir")
			}
		})
	}
}

// TestRestorePostgresTargets: a Postgres backup is refused without
// --database-url and into a database that is not empty, leaving the data
// dir unmade; into an empty one it restores.
func TestRestorePostgresTargets(t *testing.T) {
	if findPGTool("pg_dump") == "" || findPGTool("pg_restore") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("pg_dump or pg_restore missing (CI installs them with the Postgres server)")
		}
		t.Skip("no pg_dump and pg_restore on this machine")
	}
	cfg := testConfig(t)
	cfg.Database.URL = pgtest.URL(t)
	startAppliance(t, cfg, nil)
	out := filepath.Join(t.TempDir(), "b.tar.gz")
	if _, err := Backup(context.Background(), cfg, BackupOptions{Out: out, Version: "test"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, url, want string }{
		{"no database url", "", "give --database-url"},
		{"non-empty database", cfg.Database.URL, "is not empty"},
	} {
		target := testConfig(t)
		target.Database.URL = tc.url
		_, err := Restore(context.Background(), target, RestoreOptions{From: out})
		if !errors.Is(err, ErrRestoreTarget) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want refused with %q", tc.name, err, tc.want)
		}
		if _, err := os.Stat(target.DataDir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the data dir was made: %v", tc.name, err)
		}
	}
	target := testConfig(t)
	target.Database.URL = pgtest.URL(t)
	m, err := Restore(context.Background(), target, RestoreOptions{From: out})
	if err != nil || m.Database != partDump {
		t.Fatalf("restore into an empty database: %+v, %v", m, err)
	}
	if _, err := os.Stat(filepath.Join(target.DataDir, partDump)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the dump was left in the data dir: %v", err)
	}
}
