package appliance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/fechatter/fechatter/storage"
)

// Lock timing of certStore: a held lock is extended every certLockTTL/3,
// so a node that dies leaves it for at most certLockTTL; a waiter asks
// again every certLockPoll.
const (
	certLockTTL  = time.Minute
	certLockPoll = time.Second
)

// certStore is certmagic's Storage over the database (storage.Certs), for
// a cluster: every node reads and writes the same certificates and ACME
// account, and the locks let one node at a time talk to the CA for a name.
type certStore struct {
	db  storage.Certs
	log *slog.Logger
	ttl time.Duration

	mu   sync.Mutex
	held map[string]*heldCertLock
	wg   sync.WaitGroup
}

// heldCertLock is a lock this process holds, with the token that owns the
// database row and the heartbeat that keeps it.
type heldCertLock struct {
	token string
	stop  chan struct{}
}

var (
	_ certmagic.Storage = (*certStore)(nil)
)

func newCertStore(db storage.Certs, log *slog.Logger) *certStore {
	return &certStore{db: db, log: log, ttl: certLockTTL, held: map[string]*heldCertLock{}}
}

// Lock blocks until this process holds name, or ctx ends.
func (c *certStore) Lock(ctx context.Context, name string) error {
	token, err := newLockToken()
	if err != nil {
		return err
	}
	for {
		now := time.Now()
		ok, err := c.db.TryCertLock(ctx, name, token, now, now.Add(c.ttl))
		if err != nil {
			return fmt.Errorf("lock %s: %w", name, err)
		}
		if ok {
			c.hold(name, token)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("lock %s: %w", name, ctx.Err())
		case <-time.After(certLockPoll):
		}
	}
}

// hold records the lock and extends it until Unlock.
func (c *certStore) hold(name, token string) {
	h := &heldCertLock{token: token, stop: make(chan struct{})}
	c.mu.Lock()
	c.held[name] = h
	c.mu.Unlock()
	c.wg.Add(1)
	go c.heartbeat(name, h)
}

func (c *certStore) heartbeat(name string, h *heldCertLock) {
	defer c.wg.Done()
	t := time.NewTicker(c.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
			now := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), c.ttl/3)
			ok, err := c.db.TryCertLock(ctx, name, h.token, now, now.Add(c.ttl))
			cancel()
			if err != nil || !ok {
				c.log.Warn("tls: could not extend a certificate lock", "lock", name, "held", ok, "error", err)
			}
		}
	}
}

// Unlock releases name, which this process must hold.
func (c *certStore) Unlock(ctx context.Context, name string) error {
	c.mu.Lock()
	h, ok := c.held[name]
	delete(c.held, name)
	c.mu.Unlock()
	if !ok {
		return fmt.Errorf("unlock %s: not held", name)
	}
	close(h.stop)
	if err := c.db.UnlockCert(ctx, name, h.token); err != nil {
		return fmt.Errorf("unlock %s: %w", name, err)
	}
	return nil
}

// close stops the heartbeats of locks still held (their rows expire).
func (c *certStore) close() {
	c.mu.Lock()
	for name, h := range c.held {
		close(h.stop)
		delete(c.held, name)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// Store writes value under key.
func (c *certStore) Store(ctx context.Context, key string, value []byte) error {
	return c.db.PutCert(ctx, key, value, time.Now())
}

// Load reads key; fs.ErrNotExist when it is not there, as certmagic expects.
func (c *certStore) Load(ctx context.Context, key string) ([]byte, error) {
	v, _, err := c.db.CertByKey(ctx, key)
	return v, notExist(err)
}

// Delete removes key and everything under it; a missing key is no error.
func (c *certStore) Delete(ctx context.Context, key string) error {
	if err := c.db.DeleteCerts(ctx, key); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	return nil
}

// Exists reports whether key is a value or has values under it.
func (c *certStore) Exists(ctx context.Context, key string) bool {
	keys, err := c.db.CertKeys(ctx, key)
	return err == nil && len(keys) > 0
}

// List returns the keys under dir: its direct children (values and
// "directories") or, when recursive, everything below, as FileStorage does.
func (c *certStore) List(ctx context.Context, dir string, recursive bool) ([]string, error) {
	keys, err := c.db.CertKeys(ctx, dir)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, k := range keys {
		rest, ok := strings.CutPrefix(k, dir+"/")
		if dir == "" {
			rest, ok = k, true
		}
		if !ok {
			continue // dir itself
		}
		parts := strings.Split(rest, "/")
		if !recursive {
			parts = parts[:1]
		}
		for i := range parts {
			p := path.Join(dir, strings.Join(parts[:i+1], "/"))
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("list %s: %w", dir, fs.ErrNotExist)
	}
	return out, nil
}

// Stat describes key: a value, or a "directory" of values.
func (c *certStore) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	v, mod, err := c.db.CertByKey(ctx, key)
	if err == nil {
		return certmagic.KeyInfo{Key: key, Modified: mod, Size: int64(len(v)), IsTerminal: true}, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return certmagic.KeyInfo{}, err
	}
	if c.Exists(ctx, key) {
		return certmagic.KeyInfo{Key: key, IsTerminal: false}, nil
	}
	return certmagic.KeyInfo{}, notExist(err)
}

// notExist turns storage.ErrNotFound into fs.ErrNotExist, keeping both.
func notExist(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("%w: %w", fs.ErrNotExist, err)
	}
	return err
}

// String names the storage in certmagic's logs.
func (c *certStore) String() string { return "database" }

func newLockToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("lock token: %w", err)
	}
	return hex.EncodeToString(b), nil
}
