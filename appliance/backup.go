package appliance

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fechatter/fechatter/storage/postgres"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// A backup is one gzip-compressed tar archive. Its parts, each a regular
// file: the database (partSQLite, a VACUUM INTO copy; or partDump, a
// pg_dump custom-format dump), the signing key, the config file the
// backup was taken with, every upload under files/, and last
// manifest.json, which names every part with its size and SHA-256. The
// search index is not in it (the server rebuilds an empty index), nor the
// event stream (clients resync).
const (
	manifestName = "manifest.json"
	partSQLite   = "fechatter.db"
	partDump     = "database.dump"
	partKey      = "jwt.key"
	partVAPID    = "vapid.json"
	partConfig   = "config.yaml"
	partFiles    = "files/"
	// manifestFormat is the archive layout this binary writes and reads.
	manifestFormat = 1
	// maxManifest caps the manifest a restore reads.
	maxManifest = 64 << 20
)

// Manifest describes a backup archive.
type Manifest struct {
	// Format is the archive layout (manifestFormat).
	Format int `json:"format"`
	// FechatterVersion is the version of the binary that wrote it.
	FechatterVersion string `json:"fechatter_version"`
	// Engine is "sqlite" or "postgres".
	Engine string `json:"engine"`
	// SchemaVersion is the database's newest applied migration.
	SchemaVersion int `json:"schema_version"`
	// CreatedAt is when the database snapshot was taken.
	CreatedAt time.Time `json:"created_at"`
	// Database is the part holding the database; "" when the archive has
	// none (Postgres without pg_dump).
	Database string `json:"database,omitempty"`
	// Rows is the row count of every table of the snapshot.
	Rows map[string]int64 `json:"rows,omitempty"`
	// Parts lists every part but the manifest, in archive order.
	Parts []Part `json:"parts"`
	// Notes say what the archive leaves out.
	Notes []string `json:"notes,omitempty"`
}

// Part is one file of an archive.
type Part struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// BackupOptions say where a backup goes and what it reports.
type BackupOptions struct {
	// Out is the archive to write; it must not exist.
	Out string
	// ConfigFile is the config file to include; "" for none.
	ConfigFile string
	// Version is the running binary's version, recorded in the manifest.
	Version string
	// Progress, when set, is called as bytes are archived.
	Progress func(done, total int64)
}

// noStreamNote is recorded in every manifest.
const noStreamNote = "the event stream is not included: after a restore, connected clients receive resync and reload over REST"

// Backup writes a consistent backup of the configured instance, running or
// stopped, to opt.Out: first the database snapshot, then the key, the
// config and the uploads (a blob is removed only once no upload uses it,
// so every file the snapshot names is still there).
func Backup(ctx context.Context, cfg Config, opt BackupOptions) (Manifest, error) {
	if err := cfg.Validate(); err != nil {
		return Manifest{}, fmt.Errorf("invalid configuration: %w", err)
	}
	out, err := filepath.Abs(opt.Out)
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Lstat(out); !errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, fmt.Errorf("backup: %s already exists", out)
	}
	stage, err := os.MkdirTemp(filepath.Dir(out), ".fechatter-backup-*")
	if err != nil {
		return Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(stage)
	m := Manifest{Format: manifestFormat, FechatterVersion: opt.Version, CreatedAt: time.Now().UTC(), Notes: []string{noStreamNote}}
	db, err := snapshotDatabase(ctx, cfg, stage, &m)
	if err != nil {
		return Manifest{}, err
	}
	srcs, err := backupSources(cfg, db, opt.ConfigFile)
	if err != nil {
		return Manifest{}, err
	}
	if err := writeArchive(ctx, out, &m, srcs, opt.Progress); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// snapshotDatabase writes the database snapshot into stage and returns
// its source ("" path when there is none), filling m's engine, schema and
// rows.
func snapshotDatabase(ctx context.Context, cfg Config, stage string, m *Manifest) (source, error) {
	if cfg.Database.URL == "" {
		m.Engine, m.Database = "sqlite", partSQLite
		path := filepath.Join(stage, partSQLite)
		c, err := sqlite.BackupInto(ctx, SQLitePath(cfg), path)
		if err != nil {
			return source{}, err
		}
		m.SchemaVersion, m.Rows = c.SchemaVersion, c.Rows
		return source{name: partSQLite, path: path}, nil
	}
	m.Engine = "postgres"
	pgDump := findPGTool("pg_dump")
	if pgDump == "" {
		c, err := postgres.CensusOf(ctx, cfg.Database.URL)
		if err != nil {
			return source{}, err
		}
		m.SchemaVersion = c.SchemaVersion
		m.Notes = append(m.Notes, "the database is not included: pg_dump was not found; dump it with: "+pgDumpCommand(redactURL(cfg.Database.URL)))
		return source{}, nil
	}
	m.Database = partDump
	path := filepath.Join(stage, partDump)
	c, err := postgres.WithSnapshot(ctx, cfg.Database.URL, func(snapshot string) error {
		return runPGTool(ctx, pgDump, "--format=custom", "--no-owner", "--no-privileges",
			"--snapshot="+snapshot, "--file="+path, "--dbname="+cfg.Database.URL)
	})
	if err != nil {
		return source{}, err
	}
	m.SchemaVersion, m.Rows = c.SchemaVersion, c.Rows
	return source{name: partDump, path: path}, nil
}

// PGDumpHint is what to run when the database of a Postgres backup was
// left out, or "" when m holds its database.
func PGDumpHint(m Manifest) string {
	if m.Engine != "postgres" || m.Database != "" {
		return ""
	}
	return m.Notes[len(m.Notes)-1]
}

func pgDumpCommand(url string) string {
	return fmt.Sprintf("pg_dump --format=custom --no-owner --no-privileges --file=fechatter-%s.dump '%s'",
		time.Now().UTC().Format("2006-01-02"), url)
}

// source is a file to archive under name.
type source struct {
	name string
	path string
	// optional parts may vanish before they are read (a swept upload).
	optional bool
}

// backupSources lists what follows the database: the key, the config
// and the uploads.
func backupSources(cfg Config, db source, configFile string) ([]source, error) {
	var srcs []source
	if db.path != "" {
		srcs = append(srcs, db)
	}
	l := layoutOf(cfg.DataDir)
	if _, err := os.Stat(l.JWTKey); err == nil {
		srcs = append(srcs, source{name: partKey, path: l.JWTKey})
	}
	if _, err := os.Stat(l.VAPIDKeys); err == nil {
		srcs = append(srcs, source{name: partVAPID, path: l.VAPIDKeys})
	}
	if configFile != "" {
		srcs = append(srcs, source{name: partConfig, path: configFile})
	}
	err := filepath.WalkDir(l.Files, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		// Skip uploads being staged (".upload-*") and anything not a file.
		if !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, err := filepath.Rel(l.Files, path)
		if err != nil {
			return err
		}
		srcs = append(srcs, source{name: partFiles + filepath.ToSlash(rel), path: path, optional: true})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("backup: list uploads: %w", err)
	}
	return srcs, nil
}

// writeArchive writes srcs and then m (its Parts filled in) to a temporary
// file beside out, and renames it to out once it is synced.
func writeArchive(ctx context.Context, out string, m *Manifest, srcs []source, progress func(done, total int64)) error {
	f, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".tmp-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	cw := &countingWriter{meter: meter{progress: progress, total: sizeOf(srcs)}}
	// BestSpeed: uploads are mostly compressed already (images, PDFs), and
	// a scheduled backup shares the machine with the server. On 40 MiB of
	// random bytes here: 0.7 s at BestSpeed, 3.3 s at the default level.
	gz, _ := gzip.NewWriterLevel(f, gzip.BestSpeed) // a valid level: no error
	tw := tar.NewWriter(gz)
	for _, s := range srcs {
		if err := ctx.Err(); err != nil {
			return err
		}
		p, err := addPart(tw, s, cw)
		if s.optional && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("backup: %s: %w", s.name, err)
		}
		m.Parts = append(m.Parts, p)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: manifestName, Mode: 0o600, Size: int64(len(data)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := errors.Join(tw.Close(), gz.Close(), f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("backup: write %s: %w", out, err)
	}
	if err := os.Rename(f.Name(), out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	syncDir(filepath.Dir(out))
	return nil
}

// addPart writes one file to tw, hashing exactly the bytes archived.
func addPart(tw *tar.Writer, s source, cw *countingWriter) (Part, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return Part{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Part{}, err
	}
	hdr := &tar.Header{Name: s.name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime(), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return Part{}, err
	}
	h := sha256.New()
	cw.w = io.MultiWriter(tw, h)
	if _, err := io.CopyN(cw, f, st.Size()); err != nil {
		return Part{}, fmt.Errorf("copy: %w", err)
	}
	return Part{Name: s.name, Size: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func sizeOf(srcs []source) int64 {
	var n int64
	for _, s := range srcs {
		if st, err := os.Stat(s.path); err == nil {
			n += st.Size()
		}
	}
	return n
}

// meter counts the bytes of a backup or restore and reports them.
type meter struct {
	done, total int64
	progress    func(done, total int64)
}

func (m *meter) add(n int) {
	m.done += int64(n)
	if m.progress != nil && n > 0 {
		m.progress(m.done, max(m.total, m.done))
	}
}

// countingWriter passes writes to w and meters them.
type countingWriter struct {
	w io.Writer
	meter
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.add(n)
	return n, err
}

// ConfigFileIn is the config file Load reads for opts (--config, else
// FECHATTER_CONFIG, else ./config.yaml when it exists), or "" for none:
// what a backup archives as the configuration.
func ConfigFileIn(opts LoadOptions) string {
	path := opts.ConfigFile
	if path == "" {
		path = lookupEnv(opts.Env, configFileEnv)
	}
	if path == "" {
		path = DefaultConfigFile
		if _, err := os.Stat(path); err != nil {
			return ""
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	return abs
}
