package auth

import (
	"context"
	"time"

	"github.com/fechatter/fechatter/storage"
)

// CutTokensTx, inside the caller's transaction, ends every session of the
// user and every access token issued so far (as LogoutAll does), and
// returns the instant of the cut. An administrator's action on a user
// (disable, password reset, sessions revoke) calls it together with its
// own writes, then RevokedAll once committed. 404 when there is no such
// user.
func (s *Service) CutTokensTx(ctx context.Context, tx storage.Tx, userID int64) (time.Time, error) {
	if err := s.cutTokens(ctx, tx, userID, 0); err != nil {
		return time.Time{}, err
	}
	return s.now(), nil
}

// RevokedAll tells this node's cache and every node's streams, after the
// commit, that every credential of the user issued so far ended.
func (s *Service) RevokedAll(ctx context.Context, userID int64) { s.revoked(ctx, userID, 0) }
