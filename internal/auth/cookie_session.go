package auth

import (
	"context"
	"errors"
)

// SessionFromRefresh authenticates a long-lived, same-origin request (the
// SSE stream of a browser) by the refresh cookie, without rotating it: the
// token must belong to a live session and be either the current one or
// within the reuse grace of its use. It never revokes anything, so a stale
// tab cannot log the user out by opening a stream.
func (s *Service) SessionFromRefresh(ctx context.Context, refreshToken string) (Principal, error) {
	if !wellFormedRefresh(refreshToken) {
		return Principal{}, errInvalidRefresh(errors.New("malformed"))
	}
	rt, sess, err := s.store.RefreshToken(ctx, hashRefreshToken(refreshToken))
	if err != nil {
		return Principal{}, notFoundAs(err, errInvalidRefresh(nil), "look up refresh token")
	}
	now := s.now()
	if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) || s.isReuse(rt, now) {
		return Principal{}, errInvalidRefresh(errors.New("session revoked, expired or token superseded"))
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if err != nil {
		return Principal{}, notFoundAs(err, errInvalidRefresh(nil), "load user")
	}
	if u.IsBot {
		return Principal{}, errInvalidRefresh(errors.New("bot account"))
	}
	if u.Disabled() {
		return Principal{}, errInvalidRefresh(errors.New("account disabled"))
	}
	return Principal{UserID: u.ID, SessionID: sess.ID, IssuedAt: now, ExpiresAt: sess.ExpiresAt}, nil
}
