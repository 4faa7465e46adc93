package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// refreshTokenBytes is the entropy of a refresh token.
const refreshTokenBytes = 32

// errInvalidRefresh is the 401 for an unknown, revoked or expired refresh token.
func errInvalidRefresh(cause error) *apperr.Error {
	return &apperr.Error{Kind: apperr.KindUnauthorized, Message: "invalid or expired refresh token", Err: cause}
}

// errRefreshReuse is the 401 for a rotated refresh token presented again
// after the grace window; the whole session has then been revoked.
func errRefreshReuse() error { return apperr.Unauthorized("refresh token reuse detected") }

// newRefreshToken returns a fresh opaque token and the hash that is stored.
func newRefreshToken() (raw, hash string) {
	raw = base64.RawURLEncoding.EncodeToString(randomBytes(refreshTokenBytes))
	return raw, hashRefreshToken(raw)
}

// hashRefreshToken is the stored form of a refresh token: SHA-256, hex.
// A fast hash is enough: the token has 256 bits of entropy.
func hashRefreshToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// wellFormedRefresh reports whether raw could be a token newRefreshToken made.
func wellFormedRefresh(raw string) bool {
	if len(raw) != base64.RawURLEncoding.EncodedLen(refreshTokenBytes) {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	return err == nil && len(b) == refreshTokenBytes
}

// refreshOutcome is what the refresh transaction decided.
type refreshOutcome struct {
	now       time.Time
	user      model.User
	sessionID int64
	expiresAt time.Time
	// reused is set when the token was reused outside the grace window
	// and the session was revoked (committed).
	reused bool
}

// Refresh exchanges a refresh token for a new one and a new access token
// (rotation), extending the session by RefreshTTL. A token that was
// already exchanged is accepted again only within ReuseGrace of its first
// use (two tabs refreshing at once, a lost response); later, it is taken as
// stolen: the whole session is revoked and the answer is a 401. meta is
// not stored: the session keeps the client it was started from.
func (s *Service) Refresh(ctx context.Context, refreshToken string, meta ClientMeta) (Grant, error) {
	if !wellFormedRefresh(refreshToken) {
		return Grant{}, errInvalidRefresh(errors.New("malformed"))
	}
	oldHash := hashRefreshToken(refreshToken)
	newRaw, newHash := newRefreshToken()
	var out refreshOutcome
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		out = refreshOutcome{}
		return s.rotate(ctx, tx, oldHash, newHash, &out)
	})
	if err != nil {
		return Grant{}, err
	}
	if out.reused {
		return Grant{}, errRefreshReuse()
	}
	return s.grant(out.user, out.sessionID, newRaw, out.expiresAt, out.now)
}

// rotate is the body of the refresh transaction. On reuse it revokes the
// session and returns nil so that the revocation commits; out.reused says
// what happened.
func (s *Service) rotate(ctx context.Context, tx storage.Tx, oldHash, newHash string, out *refreshOutcome) error {
	rt, sess, err := tx.RefreshToken(ctx, oldHash)
	if err != nil {
		return notFoundAs(err, errInvalidRefresh(nil), "refresh: look up token")
	}
	now := s.now() // read once the family is locked, so it is after any rival's use
	out.now = now
	if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) {
		return errInvalidRefresh(errors.New("session revoked or expired"))
	}
	if s.isReuse(rt, now) {
		if err := tx.RevokeSession(ctx, sess.UserID, sess.ID, now); err != nil {
			return fmt.Errorf("refresh: revoke reused session: %w", err)
		}
		out.reused = true
		return nil
	}
	out.expiresAt = s.refreshExpiry(now)
	if err := tx.RotateRefreshToken(ctx, oldHash, newHash, now, out.expiresAt); err != nil {
		return fmt.Errorf("refresh: rotate: %w", err)
	}
	u, err := tx.UserByID(ctx, sess.UserID)
	if err != nil {
		return notFoundAs(err, errInvalidRefresh(nil), "refresh: load user")
	}
	out.user, out.sessionID = u, sess.ID
	return nil
}

// isReuse reports whether presenting rt at now is a reuse: it was already
// exchanged, longer than ReuseGrace ago.
func (s *Service) isReuse(rt model.RefreshToken, now time.Time) bool {
	if rt.UsedAt == nil {
		return false
	}
	grace := s.cfg.ReuseGrace
	return grace <= 0 || now.Sub(*rt.UsedAt) > grace
}
