// Package auth authenticates Fechatter's users: argon2id password hashes,
// short-lived HS256 access tokens (JWT), opaque refresh tokens rotated on
// every use and grouped in sessions (families) with reuse detection, and
// sign-in rate limits.
//
// Revocation model. Authenticate reads the user's row on every request and
// rejects access tokens issued before the user's TokensValidAfter, so
// logout-all and a password change take effect at once. It does not read
// the session: ending one session (Logout, RevokeSession) revokes its
// refresh family, and the session's access token, if any, runs out within
// AccessTTL (15 minutes by default). That saves a second read per request;
// the store has no cheap session-by-id lookup either.
package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Store is the part of storage.Store that auth uses. storage.Store
// satisfies it.
type Store interface {
	UserByID(ctx context.Context, id int64) (model.User, error)
	UserByEmail(ctx context.Context, email string) (model.User, error)
	SetPasswordHash(ctx context.Context, userID int64, hash string) error
	CreateSession(ctx context.Context, s *model.Session, tokenHash string) error
	ListSessions(ctx context.Context, userID int64, now time.Time) ([]model.Session, error)
	RevokeSession(ctx context.Context, userID, sessionID int64, at time.Time) error
	RefreshToken(ctx context.Context, tokenHash string) (model.RefreshToken, model.Session, error)
	// InTx runs fn in one write transaction; fn's error rolls it back.
	InTx(ctx context.Context, fn func(tx storage.Tx) error) error
}

// Service issues and checks credentials. It is safe for concurrent use.
type Service struct {
	store      Store
	cfg        Config
	log        *slog.Logger
	hasher     *hasher
	tokens     *tokenIssuer
	signInGate *signInGuard
	signUpRate *limiterSet
}

// New returns a Service over store. Zero fields of cfg take their defaults
// (DefaultConfig). cfg.Validate should have passed: with a signing key
// shorter than 32 bytes every token operation fails, and unusable Argon
// parameters are replaced by DefaultArgon. New itself accepts parameters
// below the OWASP floor, which tests use to stay fast.
func New(store Store, cfg Config) *Service {
	cfg = cfg.withDefaults()
	if cfg.Argon.validate() != nil {
		cfg.Argon = DefaultArgon()
	}
	return &Service{
		store:      store,
		cfg:        cfg,
		log:        cfg.Log,
		hasher:     newHasher(cfg.Argon, cfg.MaxConcurrentHashes),
		tokens:     newTokenIssuer(cfg),
		signInGate: newSignInGuard(cfg),
		signUpRate: newLimiterSet(cfg.SignUpPerIP, maxLimiterKeys),
	}
}

// now is the injected clock in UTC at the precision both stores keep
// (microseconds), so that a time read back equals the time written and
// comparisons against stored times (the reuse grace) are exact.
func (s *Service) now() time.Time { return s.cfg.Now().UTC().Truncate(time.Microsecond) }

// HashPassword validates pw (ValidatePassword) and returns its argon2id
// PHC string under the configured parameters.
func (s *Service) HashPassword(ctx context.Context, pw string) (string, error) {
	if err := ValidatePassword(pw); err != nil {
		return "", err
	}
	return s.hasher.hash(ctx, pw)
}

// Authenticate checks an access token and returns its caller. Every
// failure is the same 401: bad signature, algorithm or type, expired,
// wrong issuer or audience, unknown user, or issued before the user's
// TokensValidAfter.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (Principal, error) {
	p, err := s.tokens.verify(accessToken)
	if err != nil {
		return Principal{}, err
	}
	u, err := s.store.UserByID(ctx, p.UserID)
	if errors.Is(err, storage.ErrNotFound) {
		return Principal{}, errInvalidAccess(err)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate: load user: %w", err)
	}
	if p.IssuedAt.UnixMilli() < cutMillis(u.TokensValidAfter) {
		return Principal{}, errInvalidAccess(errors.New("issued before tokens_valid_after"))
	}
	return p, nil
}

// grant mints the access token of a session and packs the Grant.
func (s *Service) grant(u model.User, sessionID int64, refresh string, refreshExpires, now time.Time) (Grant, error) {
	at, err := s.tokens.sign(u.ID, sessionID, issueTime(now, u.TokensValidAfter))
	if err != nil {
		return Grant{}, err
	}
	u.PasswordHash = "" // a grant leaves the package; the hash has no business there
	return Grant{
		User: u, SessionID: sessionID,
		AccessToken: at, ExpiresIn: s.cfg.AccessTTL,
		RefreshToken: refresh, RefreshExpiresAt: refreshExpires,
	}, nil
}

// notFoundAs turns a wrapped storage.ErrNotFound into e and wraps any other
// error with what.
func notFoundAs(err error, e *apperr.Error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNotFound):
		e.Err = err
		return e
	}
	return fmt.Errorf("%s: %w", what, err)
}
