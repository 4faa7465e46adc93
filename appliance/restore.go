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
	"maps"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/fechatter/fechatter/storage/postgres"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// RestoreOptions say what to restore and what to report.
type RestoreOptions struct {
	// From is the backup archive.
	From string
	// ConfigOut, when set, is where the archived config file is written;
	// it must not exist.
	ConfigOut string
	// Progress, when set, is called as the archive is read.
	Progress func(done, total int64)
}

// ErrRestoreTarget is wrapped by a refusal of the target: a data dir that
// is not empty, a database that is not empty, or the wrong engine.
var ErrRestoreTarget = errors.New("refused")

// Restore restores the archive opt.From into the configured data dir,
// which must be missing or empty (and, for a Postgres backup, into the
// empty database at database.url). Every part is extracted into a
// temporary directory beside the data dir and checked against the
// manifest (size, SHA-256, then the schema version and the row counts of
// the database); only then is the directory renamed into place, so a bad
// archive leaves nothing behind. It returns the archive's manifest.
func Restore(ctx context.Context, cfg Config, opt RestoreOptions) (Manifest, error) {
	if err := cfg.Validate(); err != nil {
		return Manifest{}, fmt.Errorf("invalid configuration: %w", err)
	}
	target, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return Manifest{}, fmt.Errorf("restore: %w", err)
	}
	if err := checkEmptyDir(target); err != nil {
		return Manifest{}, err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return Manifest{}, fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(target), ".fechatter-restore-*")
	if err != nil {
		return Manifest{}, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(tmp)
	m, err := extractArchive(ctx, opt.From, tmp, opt.Progress)
	if err != nil {
		return Manifest{}, err
	}
	if err := checkDatabase(ctx, cfg, m, tmp); err != nil {
		return m, err
	}
	if err := placeAside(tmp, partConfig, opt.ConfigOut); err != nil {
		return m, err
	}
	if m.Engine == "postgres" && m.Database != "" {
		if err := restoreDump(ctx, cfg.Database.URL, filepath.Join(tmp, partDump), m); err != nil {
			return m, err
		}
	}
	// os.Rename does not replace a directory, even an empty one: remove
	// the empty target first (os.Remove fails if anything appeared in it).
	if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return m, fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(tmp, target); err != nil {
		return m, fmt.Errorf("restore: move into place: %w", err)
	}
	syncDir(filepath.Dir(target))
	return m, nil
}

// checkEmptyDir refuses a target that exists and is not an empty directory.
func checkEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("restore: %w: %w", ErrRestoreTarget, err)
	case len(entries) > 0:
		return fmt.Errorf("restore: %w: data dir %s is not empty (it holds %s): restore into a new or empty directory",
			ErrRestoreTarget, dir, entries[0].Name())
	}
	return nil
}

// extractArchive writes every part of the archive at from into dir and
// checks them against its manifest, which it returns.
func extractArchive(ctx context.Context, from, dir string, progress func(done, total int64)) (Manifest, error) {
	f, err := os.Open(from)
	if err != nil {
		return Manifest{}, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	var total int64
	if st, err := f.Stat(); err == nil {
		total = st.Size()
	}
	cr := &countingReader{r: f, meter: meter{total: total, progress: progress}}
	gz, err := gzip.NewReader(cr)
	if err != nil {
		return Manifest{}, fmt.Errorf("restore: %s is not a fechatter backup (not gzip): %w", from, err)
	}
	tr := tar.NewReader(gz)
	got := map[string]Part{}
	var m *Manifest
	current := "the archive header"
	for {
		if err := ctx.Err(); err != nil {
			return Manifest{}, err
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Manifest{}, damaged(current, err)
		}
		current = hdr.Name
		if m != nil {
			return Manifest{}, fmt.Errorf("restore: part %s follows the manifest: not a fechatter backup", hdr.Name)
		}
		if hdr.Typeflag != tar.TypeReg {
			return Manifest{}, fmt.Errorf("restore: part %s is not a regular file: not a fechatter backup", hdr.Name)
		}
		if hdr.Name == manifestName {
			m, err = readManifest(tr)
			if err != nil {
				return Manifest{}, damaged(current, err)
			}
			continue
		}
		p, err := extractPart(dir, hdr, tr)
		if err != nil {
			return Manifest{}, err
		}
		got[p.Name] = p
	}
	// The gzip trailer (checksum and length of the whole stream) is
	// checked when the stream is read to its end.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return Manifest{}, damaged(current, err)
	}
	if m == nil {
		return Manifest{}, fmt.Errorf("restore: the archive has no %s (truncated after %s?)", manifestName, current)
	}
	return *m, checkParts(*m, got)
}

func damaged(part string, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("restore: the archive is truncated: it ends inside %s", part)
	}
	return fmt.Errorf("restore: the archive is damaged in %s: %w", part, err)
}

func readManifest(r io.Reader) (*Manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxManifest+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxManifest {
		return nil, errors.New("manifest too large")
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	if m.Format > manifestFormat || m.Format < 1 {
		return nil, fmt.Errorf("archive format %d: this binary reads format %d (upgrade fechatter)", m.Format, manifestFormat)
	}
	return &m, nil
}

// extractPart writes one part under dir (0600, directories 0700),
// hashing it on the way.
func extractPart(dir string, hdr *tar.Header, r io.Reader) (Part, error) {
	dst, err := partPath(dir, hdr.Name)
	if err != nil {
		return Part{}, err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return Part{}, fmt.Errorf("restore: %w", err)
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Part{}, fmt.Errorf("restore: part %s: %w", hdr.Name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), r)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return Part{}, damaged(hdr.Name, err)
	}
	return Part{Name: hdr.Name, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// partPath maps a part name to its place under dir, refusing names that
// are not parts of a backup (absolute, .., or unknown).
func partPath(dir, name string) (string, error) {
	known := name == partSQLite || name == partDump || name == partKey || name == partConfig || name == partVAPID ||
		strings.HasPrefix(name, partFiles) && len(name) > len(partFiles)
	if !known || path.Clean(name) != name || strings.Contains(name, "..") || strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("restore: unexpected part %q: not a fechatter backup", name)
	}
	return filepath.Join(dir, filepath.FromSlash(name)), nil
}

// checkParts compares what was extracted with the manifest.
func checkParts(m Manifest, got map[string]Part) error {
	listed := map[string]bool{}
	for _, want := range m.Parts {
		listed[want.Name] = true
		p, ok := got[want.Name]
		switch {
		case !ok:
			return fmt.Errorf("restore: part %s is missing from the archive", want.Name)
		case p.Size != want.Size:
			return fmt.Errorf("restore: part %s has %d bytes, the manifest says %d: the archive was changed or damaged", want.Name, p.Size, want.Size)
		case p.SHA256 != want.SHA256:
			return fmt.Errorf("restore: part %s fails its SHA-256 check: the archive was changed or damaged", want.Name)
		}
	}
	for name := range got {
		if !listed[name] {
			return fmt.Errorf("restore: part %s is not in the manifest: the archive was changed", name)
		}
	}
	return nil
}

// checkDatabase checks the engine and the schema version against this
// binary and the configuration, and for SQLite the restored file's census
// against the manifest.
func checkDatabase(ctx context.Context, cfg Config, m Manifest, dir string) error {
	var latest int
	var err error
	switch m.Engine {
	case "sqlite":
		if cfg.Database.URL != "" {
			return fmt.Errorf("restore: %w: the backup holds a SQLite database; restore it without --database-url", ErrRestoreTarget)
		}
		latest, err = sqlite.LatestSchema()
	case "postgres":
		if cfg.Database.URL == "" && m.Database != "" {
			return fmt.Errorf("restore: %w: the backup holds a Postgres dump; give --database-url of an empty database", ErrRestoreTarget)
		}
		latest, err = postgres.LatestSchema()
	default:
		return fmt.Errorf("restore: unknown engine %q in the manifest", m.Engine)
	}
	if err != nil {
		return err
	}
	if m.SchemaVersion > latest {
		return fmt.Errorf("restore: the backup's schema version %d is newer than this binary's %d (written by fechatter %s): restore it with that version or newer",
			m.SchemaVersion, latest, m.FechatterVersion)
	}
	if m.Engine != "sqlite" {
		return nil
	}
	c, err := sqlite.CensusOf(ctx, filepath.Join(dir, partSQLite))
	if err != nil {
		return fmt.Errorf("restore: part %s: %w", partSQLite, err)
	}
	if c.SchemaVersion != m.SchemaVersion || !maps.Equal(c.Rows, m.Rows) {
		return fmt.Errorf("restore: part %s does not hold what the manifest counted (schema %d, want %d)",
			partSQLite, c.SchemaVersion, m.SchemaVersion)
	}
	return nil
}

// placeAside moves the extracted part name out of dir to dst, or drops it
// when dst is "".
func placeAside(dir, name, dst string) error {
	src := filepath.Join(dir, name)
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		if dst != "" {
			return fmt.Errorf("restore: the backup holds no %s for --config-out", name)
		}
		return nil
	}
	if dst == "" {
		return os.Remove(src)
	}
	if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("restore: %s already exists", dst)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	return os.Remove(src)
}

// restoreDump loads a pg_dump archive into the empty database at url in
// one transaction, then checks its census.
func restoreDump(ctx context.Context, url, dump string, m Manifest) error {
	tool := findPGTool("pg_restore")
	if tool == "" {
		return fmt.Errorf("restore: pg_restore was not found (install the PostgreSQL client, e.g. apt install postgresql-client), or restore by hand: "+
			"tar -xzf BACKUP %s && pg_restore --no-owner --no-privileges --single-transaction --exit-on-error --dbname='%s' %s, "+
			"then tar -xzf BACKUP -C DATA_DIR --exclude=%s --exclude=%s --exclude=%s", partDump, redactURL(url), partDump, partDump, partConfig, manifestName)
	}
	before, err := postgres.CensusOf(ctx, url)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if len(before.Rows) > 0 {
		return fmt.Errorf("restore: %w: the database at --database-url is not empty (%d tables): create an empty one (createdb) and restore into it",
			ErrRestoreTarget, len(before.Rows))
	}
	if err := runPGTool(ctx, tool, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
		"--dbname="+url, dump); err != nil {
		return fmt.Errorf("restore: part %s: %w", partDump, err)
	}
	after, err := postgres.CensusOf(ctx, url)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if after.SchemaVersion != m.SchemaVersion || !maps.Equal(after.Rows, m.Rows) {
		return fmt.Errorf("restore: the restored database does not hold what the manifest counted (schema %d, want %d)",
			after.SchemaVersion, m.SchemaVersion)
	}
	return os.Remove(dump)
}

// countingReader meters how much of the archive was read.
type countingReader struct {
	r io.Reader
	meter
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.add(n)
	return n, err
}
