// Package auth authenticates Fechatter's users: argon2id password hashes,
// short-lived HS256 access tokens (JWT), opaque refresh tokens rotated on
// every use and grouped in sessions (families) with reuse detection, and
// sign-in rate limits.
//
// Revocation model. Authenticate reads the user's row on every request and
// rejects access tokens issued before the user's TokensValidAfter, so
// logout-all and a password change take effect at once. It also checks the
// token's session (its sid claim) through a small cache (sessionCacheTTL):
// Logout and RevokeSession forget the session on this node at once, and
// the revocation notice (Revocations, sent after the commit) makes every
// other node forget it as well, so the session's access token stops
// working at once instead of after its remaining AccessTTL.
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
	UserCredentials(ctx context.Context, id int64) (storage.UserCredentials, error)
	UserByEmail(ctx context.Context, email string) (model.User, error)
	SetPasswordHash(ctx context.Context, userID int64, hash string) error
	CreateSession(ctx context.Context, s *model.Session, tokenHash string) error
	SessionByID(ctx context.Context, userID, sessionID int64) (model.Session, error)
	ListSessions(ctx context.Context, userID int64, now time.Time) ([]model.Session, error)
	RevokeSession(ctx context.Context, userID, sessionID int64, at time.Time) error
	RefreshToken(ctx context.Context, tokenHash string) (model.RefreshToken, model.Session, error)
	CreateUser(ctx context.Context, u *model.User) error
	UserByUsername(ctx context.Context, username string) (model.User, error)
	storage.SecondFactors
	storage.Identities
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
	// sessions caches whether a session is live (CheckPrincipal).
	sessions *sessionCache
	// revocations hears of ended credentials; nil tells no one.
	revocations Revocations
	// totpSeal seals TOTP secrets at rest; stepSeal second-step tokens.
	totpSeal, stepSeal *sealer
	// sso signs in with OpenID Connect providers; nil without any.
	sso *ssoProviders
	// botTokens serves bot API tokens; nil refuses them.
	botTokens BotTokenStore
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
	totpSeal, _ := newSealer(cfg.SigningKey, "totp secret") // fails only for
	stepSeal, _ := newSealer(cfg.SigningKey, "second step") // impossible key sizes
	return &Service{
		totpSeal: totpSeal, stepSeal: stepSeal,
		store:      store,
		cfg:        cfg,
		log:        cfg.Log,
		hasher:     newHasher(cfg.Argon, cfg.MaxConcurrentHashes),
		tokens:     newTokenIssuer(cfg),
		signInGate: newSignInGuard(cfg),
		signUpRate: newLimiterSet(cfg.SignUpPerIP, maxLimiterKeys),
		sessions:   newSessionCache(),
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
// wrong issuer or audience, unknown user, issued before the user's
// TokensValidAfter, or a session that was ended (CheckPrincipal).
func (s *Service) Authenticate(ctx context.Context, accessToken string) (Principal, error) {
	if IsBotToken(accessToken) {
		return s.authenticateBot(ctx, accessToken)
	}
	p, err := s.tokens.verify(accessToken)
	if err != nil {
		return Principal{}, err
	}
	if err := s.CheckPrincipal(ctx, p); err != nil {
		return Principal{}, err
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
