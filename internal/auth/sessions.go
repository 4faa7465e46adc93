package auth

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Limits on what a session row keeps of the client's description.
const (
	maxUserAgentLen = 512
	maxIPLen        = 64
)

// StartSession opens a new session (refresh family) for u, for instance
// right after sign-up or setup, and returns its first tokens.
func (s *Service) StartSession(ctx context.Context, u model.User, meta ClientMeta) (Grant, error) {
	if u.ID <= 0 {
		return Grant{}, errors.New("start session: user has no id")
	}
	now := s.now()
	raw, hash := newRefreshToken()
	sess := model.Session{
		UserID:    u.ID,
		UserAgent: clip(meta.UserAgent, maxUserAgentLen),
		IP:        clip(meta.IP, maxIPLen),
		CreatedAt: now, LastUsedAt: now,
		ExpiresAt: s.refreshExpiry(now),
	}
	if err := s.store.CreateSession(ctx, &sess, hash); err != nil {
		return Grant{}, fmt.Errorf("start session: %w", err)
	}
	return s.grant(u, sess.ID, raw, sess.ExpiresAt, now)
}

// Logout ends the caller's session: its refresh tokens and its access
// token stop working at once, and so do its event streams (see the
// package doc). Ending a session that is already gone is not an error.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	err := s.store.RevokeSession(ctx, p.UserID, p.SessionID, s.now())
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("logout: %w", err)
	}
	s.revoked(ctx, p.UserID, p.SessionID)
	return nil
}

// LogoutAll ends every session of the user and invalidates every access
// token issued so far, at once, and ends the user's event streams.
// Removing or disabling a user should call it too.
func (s *Service) LogoutAll(ctx context.Context, userID int64) error {
	err := s.store.InTx(ctx, func(tx storage.Tx) error {
		return s.cutTokens(ctx, tx, userID, 0)
	})
	if err != nil {
		return err
	}
	s.revoked(ctx, userID, 0)
	return nil
}

// cutTokens moves the user's TokensValidAfter past every token issued so
// far and revokes all sessions but keep (none when keep is 0).
func (s *Service) cutTokens(ctx context.Context, tx storage.Tx, userID, keep int64) error {
	u, err := tx.UserByID(ctx, userID)
	if err != nil {
		return notFoundAs(err, apperr.NotFound("user"), "cut tokens: load user")
	}
	now := s.now()
	if err := tx.SetTokensValidAfter(ctx, userID, nextCut(now, u.TokensValidAfter)); err != nil {
		return fmt.Errorf("cut tokens: set tokens_valid_after: %w", err)
	}
	if err := tx.RevokeAllSessions(ctx, userID, keep, now); err != nil {
		return fmt.Errorf("cut tokens: revoke sessions: %w", err)
	}
	return nil
}

// Sessions lists the user's live sessions (not revoked, not expired).
func (s *Service) Sessions(ctx context.Context, userID int64) ([]model.Session, error) {
	list, err := s.store.ListSessions(ctx, userID, s.now())
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return list, nil
}

// RevokeSession ends one of the user's sessions, its access token and its
// event streams at once; 404 when it is not theirs.
func (s *Service) RevokeSession(ctx context.Context, userID, sessionID int64) error {
	if sessionID <= 0 {
		return apperr.NotFound("session")
	}
	err := s.store.RevokeSession(ctx, userID, sessionID, s.now())
	if err != nil {
		return notFoundAs(err, apperr.NotFound("session"), "revoke session")
	}
	s.revoked(ctx, userID, sessionID)
	return nil
}

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// refreshExpiry is the sliding expiry of a session used at now.
func (s *Service) refreshExpiry(now time.Time) time.Time { return now.Add(s.cfg.RefreshTTL) }
