package chat

import (
	"context"
	"fmt"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// errBanned is what a banned user gets when trying to join with an invite.
func errBanned() error {
	return apperr.Forbidden("you were banned from this workspace; an admin must lift the ban before you can join again")
}

// refuseBanned answers 403 when userID is banned from the workspace.
func refuseBanned(ctx context.Context, bans storage.Bans, workspaceID, userID int64) error {
	banned, err := bans.IsBanned(ctx, workspaceID, userID)
	if err != nil {
		return fmt.Errorf("check ban: %w", err)
	}
	if banned {
		return errBanned()
	}
	return nil
}

// RemoveAndBanMember removes targetID like RemoveMember and, in the same
// transaction, bans them so that no invite brings them back. Only admins
// and owners can ban, and nobody can ban themselves.
func (s *Service) RemoveAndBanMember(ctx context.Context, userID, workspaceID, targetID int64) error {
	if userID == targetID {
		return apperr.Field("ban", "you cannot ban yourself; leave without ban=true")
	}
	return s.removeMember(ctx, userID, workspaceID, targetID, true)
}

// banTx records the ban of targetID by userID.
func banTx(ctx context.Context, tx storage.Tx, userID, workspaceID, targetID int64) error {
	if err := tx.BanUser(ctx, &model.Ban{WorkspaceID: workspaceID, UserID: targetID, BannedBy: userID}); err != nil {
		return fmt.Errorf("ban member: %w", err)
	}
	return nil
}

// ListBans returns the users banned from a workspace, newest first; admins
// and owners only.
func (s *Service) ListBans(ctx context.Context, userID, workspaceID int64) ([]model.Ban, error) {
	if err := s.requireAdmin(ctx, userID, workspaceID, "see bans"); err != nil {
		return nil, err
	}
	list, err := s.store.ListBans(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("list bans: %w", err)
	}
	return list, nil
}

// Unban lifts the ban of targetID, so that an invite can bring them back;
// admins and owners only; 404 when there is no such ban.
func (s *Service) Unban(ctx context.Context, userID, workspaceID, targetID int64) error {
	if err := s.requireAdmin(ctx, userID, workspaceID, "lift bans"); err != nil {
		return err
	}
	return chatStoreErr(s.store.Unban(ctx, workspaceID, targetID), "unban", "ban", "")
}
