package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Revocations is told, after the change has committed, that credentials
// ended: one session (sessionID > 0) or every credential of the user issued
// so far (sessionID 0: logout-all, a password change). The real-time hub
// implements it: it ends the matching event streams on every node and
// tells every node's Service to forget what it cached (ForgetSession).
type Revocations interface {
	Revoke(ctx context.Context, userID, sessionID int64) error
}

// SetRevocations sets who hears of revocations; nil (the default) tells no
// one. Call it before serving requests.
func (s *Service) SetRevocations(r Revocations) { s.revocations = r }

// revoked tells this node's cache at once and, through Revocations, every
// node. A failure to tell is logged: the change itself committed, other
// nodes' caches expire within sessionCacheTTL, and their streams end at
// their credential's expiry at the latest.
func (s *Service) revoked(ctx context.Context, userID, sessionID int64) {
	s.ForgetSession(userID, sessionID)
	if s.revocations == nil {
		return
	}
	if err := s.revocations.Revoke(ctx, userID, sessionID); err != nil {
		s.log.WarnContext(ctx, "announce revocation", "user_id", userID, "session_id", sessionID, "error", err)
	}
}

// ForgetSession drops what the session cache holds for one session
// (sessionID > 0) or for every session of the user (sessionID 0), so that
// the next request reads the session from the store. The revocation notice
// of another node calls it.
func (s *Service) ForgetSession(userID, sessionID int64) { s.sessions.forget(userID, sessionID) }

// CheckPrincipal reports whether p still stands: its user exists and is
// not disabled, it was
// issued at or after the user's TokensValidAfter, and its session is
// neither revoked nor expired. It does not look at p.ExpiresAt.
// Authenticate calls it for every access token; the API calls it when an
// SSE ticket made by p is redeemed.
func (s *Service) CheckPrincipal(ctx context.Context, p Principal) error {
	// Read afresh on every request, never cached: a change committed by
	// another process (`fechatter admin users disable`) must take effect
	// at once, and that process has no way to tell this one. It reads two
	// of the seventeen columns UserByID reads.
	u, err := s.store.UserCredentials(ctx, p.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return errInvalidAccess(err)
	}
	if err != nil {
		return fmt.Errorf("authenticate: load user: %w", err)
	}
	if u.DisabledAt != nil {
		return errInvalidAccess(errors.New("account disabled"))
	}
	if p.IssuedAt.UnixMilli() < cutMillis(u.TokensValidAfter) {
		return errInvalidAccess(errors.New("issued before tokens_valid_after"))
	}
	live, err := s.sessionLive(ctx, p.UserID, p.SessionID)
	if err != nil {
		return err
	}
	if !live {
		return errInvalidAccess(errors.New("session revoked or expired"))
	}
	return nil
}

// sessionLive answers from the cache, or reads the session and caches the
// answer.
func (s *Service) sessionLive(ctx context.Context, userID, sessionID int64) (bool, error) {
	now := s.now()
	live, ok, gen := s.sessions.get(sessionID, now)
	if ok {
		return live, nil
	}
	sess, err := s.store.SessionByID(ctx, userID, sessionID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("authenticate: load session: %w", err)
	}
	live = sess.RevokedAt == nil && now.Before(sess.ExpiresAt)
	s.sessions.put(sess, live, now, gen)
	return live, nil
}

// sessionCacheTTL is how long a session's state is believed without a
// read. A revocation on this node forgets the entry at once, and on other
// nodes as soon as its notice arrives; the TTL only bounds how long a lost
// notice can leave a revoked session usable elsewhere.
const sessionCacheTTL = 10 * time.Second

// maxCachedSessions bounds the cache; when full it is emptied.
const maxCachedSessions = 100_000

// sessionEntry is one cached answer.
type sessionEntry struct {
	userID int64
	live   bool
	// until is when the answer must be read again: the cache TTL, or the
	// session's expiry if that comes first.
	until time.Time
}

// sessionCache remembers, per session id, whether the session is live.
type sessionCache struct {
	mu sync.Mutex
	m  map[int64]sessionEntry
	// gen counts forgets: an answer read from the store before a forget
	// may predate the revocation, so put drops it.
	gen uint64
}

func newSessionCache() *sessionCache { return &sessionCache{m: map[int64]sessionEntry{}} }

// get returns the cached answer, if any, and the generation to hand to
// put after reading the store.
func (c *sessionCache) get(id int64, now time.Time) (live, ok bool, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || !now.Before(e.until) {
		return false, false, c.gen
	}
	return e.live, true, c.gen
}

// put caches an answer read at generation gen, unless something was
// forgotten since.
func (c *sessionCache) put(sess model.Session, live bool, now time.Time, gen uint64) {
	until := now.Add(sessionCacheTTL)
	if live && sess.ExpiresAt.Before(until) {
		until = sess.ExpiresAt
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.m) >= maxCachedSessions {
		clear(c.m)
	}
	c.m[sess.ID] = sessionEntry{userID: sess.UserID, live: live, until: until}
}

func (c *sessionCache) forget(userID, sessionID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if sessionID > 0 {
		delete(c.m, sessionID)
		return
	}
	for id, e := range c.m {
		if e.userID == userID {
			delete(c.m, id)
		}
	}
}
