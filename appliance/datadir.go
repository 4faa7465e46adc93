package appliance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// dataLayout is where everything Fechatter keeps lies inside the data
// dir. layoutOf is the one place that names those paths: every user of one
// asks it, and docs/operations.md ("The data dir") documents the same
// entries (TestDataLayoutDocumented keeps the two equal).
type dataLayout struct {
	// Root is the data dir itself.
	Root string
	// DB is the SQLite database (with its -wal and -shm beside it), used
	// when database.url is empty.
	DB string
	// JWTKey is the token signing key generated on first start when
	// auth.jwt_secret is empty.
	JWTKey string
	// SetupToken holds a generated setup token until first-run setup is done.
	SetupToken string
	// Files holds the uploaded files, content-addressed.
	Files string
	// NATS is JetStream's store: the event stream.
	NATS string
	// Search holds the search engines' data.
	Search string
	// SearchEmbedded is the embedded (Bleve) index, inside Search.
	SearchEmbedded string
	// Meili is the Meilisearch sidecar's directory (its master key and
	// database), which is Search itself.
	Meili string
	// Knowledge is the assistant's knowledge base keyword index (a copy of
	// the database's chunks, rebuilt when missing).
	Knowledge string
	// Certs holds TLS certificates and the ACME account (single node; a
	// cluster keeps them in the database).
	Certs string
	// Backups holds scheduled backup archives unless backup.dir is set.
	Backups string
	// VAPIDKeys is the Web Push key pair, generated on first start.
	VAPIDKeys string
}

// layoutOf lays out the data dir dataDir.
func layoutOf(dataDir string) dataLayout {
	in := func(name ...string) string { return filepath.Join(append([]string{dataDir}, name...)...) }
	return dataLayout{
		Root:           dataDir,
		DB:             in("fechatter.db"),
		JWTKey:         in("jwt.key"),
		SetupToken:     in("setup.token"),
		Files:          in("files"),
		NATS:           in("nats"),
		Search:         in("search"),
		SearchEmbedded: in("search", "embedded"),
		Meili:          in("search"),
		Knowledge:      in("knowledge"),
		Certs:          in("certs"),
		Backups:        in("backups"),
		VAPIDKeys:      in("vapid.json"),
	}
}

// generatedKeyBytes is the entropy of a generated signing key.
const generatedKeyBytes = 32

// SQLitePath is where the SQLite database lives when database.url is empty.
func SQLitePath(cfg Config) string { return layoutOf(cfg.DataDir).DB }

// dataDirComponent creates the data dir and settles the signing key.
func (a *Appliance) dataDirComponent() Component {
	return Component{
		Name: "datadir",
		Start: func(context.Context) error {
			if err := ensureDataDir(a.cfg.DataDir); err != nil {
				return err
			}
			if st, err := os.Stat(a.cfg.DataDir); err == nil && st.Mode().Perm()&0o077 != 0 {
				a.log.Warn("the data dir is open to other users; chmod 700 it", "path", a.cfg.DataDir, "mode", st.Mode().Perm().String())
			}
			key, err := a.loadSigningKey()
			if err != nil {
				return err
			}
			a.signingKey = key
			return nil
		},
	}
}

// ensureDataDir creates dir and its files/ directory, readable only by us.
// An existing directory keeps the permissions its owner gave it.
func ensureDataDir(dir string) error {
	for _, d := range []string{dir, layoutOf(dir).Files} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("create data dir: %w", err)
		}
	}
	return nil
}

// loadSigningKey returns the configured auth.jwt_secret, or the key in
// <data_dir>/jwt.key, generating that file on first start.
func (a *Appliance) loadSigningKey() ([]byte, error) {
	if a.cfg.Auth.JWTSecret != "" {
		return []byte(a.cfg.Auth.JWTSecret), nil
	}
	path := layoutOf(a.cfg.DataDir).JWTKey
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		a.log.Info("generating the token signing key", "path", path)
		key, err = createKeyFile(path)
	}
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(path); err == nil && st.Mode().Perm()&0o077 != 0 {
		a.log.Warn("the token signing key is readable by other users; chmod 600 it", "path", path)
	}
	return key, nil
}

// readKeyFile reads and checks a signing key file.
func readKeyFile(path string) ([]byte, error) {
	data, err := readCapped(path, maxSecretFile)
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	key := strings.TrimSpace(string(data))
	if len(key) < minJWTSecret {
		return nil, fmt.Errorf("signing key %s is shorter than %d bytes: delete it to generate a new one (every session ends)", path, minJWTSecret)
	}
	return []byte(key), nil
}

// createKeyFile writes a new random key (hex) to path with mode 0600. The
// key is written to a temporary file, synced, and linked into place, so a
// crash never leaves a partial key and a concurrent start keeps the first.
func createKeyFile(path string) ([]byte, error) {
	raw := make([]byte, generatedKeyBytes)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails (Go 1.24+).
	key := []byte(hex.EncodeToString(raw))
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("create signing key: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := writeSynced(tmp, append(key, '\n')); err != nil {
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return readKeyFile(path)
		}
		return nil, fmt.Errorf("store signing key: %w", err)
	}
	syncDir(filepath.Dir(path))
	return key, nil
}

// writeSynced writes data to f (created 0600 by os.CreateTemp), syncs and closes it.
func writeSynced(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// syncDir makes a new directory entry durable; failure only weakens
// durability, so it is ignored.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
