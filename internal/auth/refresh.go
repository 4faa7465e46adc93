package auth

import (
	"context"
	"crypto/hmac"
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

// childLabel separates the derivation of successor tokens from every other
// use of the signing key.
const childLabel = "fechatter refresh-token successor v1\x00"

// maxGraceWalk bounds how far a token presented again within the grace
// window is followed down its family to the newest token. Every step is a
// refresh made within ReuseGrace of the presented token's use, so a real
// family never comes near it.
const maxGraceWalk = 32

// successorToken is the token that replaces the one whose hash is
// parentHash: HMAC-SHA256 under the signing key, so it is unguessable
// without the key and the same every time. That lets a token presented
// again within the grace window get the successor already handed out,
// instead of a second live branch, without storing any raw token.
func (s *Service) successorToken(parentHash string) string {
	mac := hmac.New(sha256.New, s.cfg.SigningKey)
	mac.Write([]byte(childLabel))
	mac.Write([]byte(parentHash))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
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
	// token is the refresh token to hand out, expiresAt its session's end.
	token     string
	expiresAt time.Time
	// reused is set when the token was reused outside the grace window
	// and the session was revoked (committed).
	reused bool
	// reusedUserID owns the session a reuse revoked.
	reusedUserID int64
}

// Refresh exchanges a refresh token for its successor and a new access
// token (rotation), extending the session by RefreshTTL. A token that was
// already exchanged is accepted again only within ReuseGrace of its first
// use (two tabs refreshing at once, a lost response), and then answers
// with the newest token of the family, normally the very successor the
// first presenter got: the family keeps one live branch. Later, it is
// taken as stolen: the whole session is revoked and the answer is a 401.
// meta is not stored: the session keeps the client it was started from.
func (s *Service) Refresh(ctx context.Context, refreshToken string, meta ClientMeta) (Grant, error) {
	if !wellFormedRefresh(refreshToken) {
		return Grant{}, errInvalidRefresh(errors.New("malformed"))
	}
	oldHash := hashRefreshToken(refreshToken)
	var out refreshOutcome
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		out = refreshOutcome{}
		return s.rotate(ctx, tx, oldHash, &out)
	})
	if err != nil {
		return Grant{}, err
	}
	if out.reused {
		// The session is revoked (committed): its access tokens and open
		// streams end on every node, as for a logout.
		s.revoked(ctx, out.reusedUserID, out.sessionID)
		return Grant{}, errRefreshReuse()
	}
	return s.grant(out.user, out.sessionID, out.token, out.expiresAt, out.now)
}

// rotate is the body of the refresh transaction. On reuse it revokes the
// session and returns nil so that the revocation commits; out.reused says
// what happened.
func (s *Service) rotate(ctx context.Context, tx storage.Tx, oldHash string, out *refreshOutcome) error {
	rt, sess, err := tx.RefreshToken(ctx, oldHash)
	if err != nil {
		return notFoundAs(err, errInvalidRefresh(nil), "refresh: look up token")
	}
	now := s.now() // read once the family is locked, so it is after any rival's use
	out.now = now
	if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) {
		return errInvalidRefresh(errors.New("session revoked or expired"))
	}
	switch {
	case s.isReuse(rt, now):
		if err := tx.RevokeSession(ctx, sess.UserID, sess.ID, now); err != nil {
			return fmt.Errorf("refresh: revoke reused session: %w", err)
		}
		out.reused, out.reusedUserID, out.sessionID = true, sess.UserID, sess.ID
		return nil
	case rt.UsedAt != nil:
		if out.token, err = s.newestInFamily(ctx, tx, oldHash, sess.ID); err != nil {
			return err
		}
		out.expiresAt = sess.ExpiresAt
	default:
		out.token = s.successorToken(oldHash)
		out.expiresAt = s.refreshExpiry(now)
		if err := tx.RotateRefreshToken(ctx, oldHash, hashRefreshToken(out.token), now, out.expiresAt); err != nil {
			return fmt.Errorf("refresh: rotate: %w", err)
		}
	}
	u, err := tx.UserByID(ctx, sess.UserID)
	if err != nil {
		return notFoundAs(err, errInvalidRefresh(nil), "refresh: load user")
	}
	if u.Disabled() {
		// Disabling revokes every session too; this holds even for one
		// started in the instant before.
		return errInvalidRefresh(errors.New("account disabled"))
	}
	out.user, out.sessionID = u, sess.ID
	return nil
}

// newestInFamily follows the successors of the used token usedHash down to
// the first one not yet exchanged, and returns it. A successor that is not
// stored (the signing key changed since) or belongs to another session
// makes the presented token invalid, without revoking anything.
func (s *Service) newestInFamily(ctx context.Context, tx storage.Tx, usedHash string, sessionID int64) (string, error) {
	hash := usedHash
	for range maxGraceWalk {
		raw := s.successorToken(hash)
		hash = hashRefreshToken(raw)
		next, _, err := tx.RefreshToken(ctx, hash)
		if err != nil {
			return "", notFoundAs(err, errInvalidRefresh(errors.New("successor not found")), "refresh: look up successor")
		}
		if next.SessionID != sessionID {
			return "", errInvalidRefresh(errors.New("successor in another session"))
		}
		if next.UsedAt == nil {
			return raw, nil
		}
	}
	return "", errInvalidRefresh(errors.New("family too long within the grace window"))
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
