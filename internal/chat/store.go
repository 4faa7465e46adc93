package chat

import (
	"context"
	"errors"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Store is the part of storage.Store the use cases use: the reads they
// make outside a transaction, and InTx, whose storage.Tx is the unit of
// work every change runs in. storage.Store satisfies it.
type Store interface {
	// InTx runs fn in one write transaction; fn's error rolls it back.
	InTx(ctx context.Context, fn func(tx storage.Tx) error) error

	CountUsers(ctx context.Context) (int64, error)
	UserByID(ctx context.Context, id int64) (model.User, error)
	UserByEmail(ctx context.Context, email string) (model.User, error)
	UserByUsername(ctx context.Context, username string) (model.User, error)
	UsersByIDs(ctx context.Context, ids []int64) ([]model.User, error)
	InstanceAdmins(ctx context.Context) ([]model.User, error)
	ListUsers(ctx context.Context, afterID int64, limit int) ([]model.User, error)
	ListAudit(ctx context.Context, q storage.AuditQuery) ([]model.AuditEntry, error)
	CountAccountTokens(ctx context.Context, userID int64, purpose string, since time.Time) (int, error)
	ListAllWorkspaces(ctx context.Context) ([]model.Workspace, error)

	WorkspaceByID(ctx context.Context, id int64) (model.Workspace, error)
	WorkspaceForMember(ctx context.Context, workspaceID, userID int64) (storage.WorkspaceRole, error)
	ListWorkspacesForUser(ctx context.Context, userID int64) ([]storage.WorkspaceRole, error)
	ListMembers(ctx context.Context, workspaceID int64) ([]model.Member, error)

	CreateInvite(ctx context.Context, inv *model.Invite) error
	InviteByCodeHash(ctx context.Context, codeHash string) (model.Invite, error)
	ListInvites(ctx context.Context, workspaceID int64, now time.Time) ([]model.Invite, error)
	DeleteInvite(ctx context.Context, workspaceID, inviteID int64) error
	ListBans(ctx context.Context, workspaceID int64) ([]model.Ban, error)
	Unban(ctx context.Context, workspaceID, userID int64) error

	ChatAccess(ctx context.Context, chatID, userID int64) (storage.ChatAccess, error)
	ListChatsForUser(ctx context.Context, workspaceID, userID int64) ([]model.ChatSummary, error)
	ListJoinableChannels(ctx context.Context, workspaceID, userID int64) ([]model.ChatSummary, error)
	ChatSummary(ctx context.Context, chatID, userID int64) (model.ChatSummary, error)
	ListChatMembers(ctx context.Context, chatID int64) ([]model.ChatMember, error)

	Message(ctx context.Context, viewerID, chatID, messageID int64) (model.Message, error)
	ListMessages(ctx context.Context, viewerID, chatID int64, q storage.MessageQuery) ([]model.Message, bool, error)
	ListMentions(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]model.Message, error)
	PreviewSettings(ctx context.Context, workspaceID int64) (model.PreviewSettings, error)
	ListPins(ctx context.Context, viewerID, chatID int64) ([]model.Message, error)
	ListSaved(ctx context.Context, userID int64, limit int) ([]model.Message, error)

	FileForUser(ctx context.Context, fileID, userID int64) (model.File, error)
	FileUsage(ctx context.Context, workspaceID, userID int64) (workspaceBytes, userBytes int64, err error)
	WorkspaceUsage(ctx context.Context, workspaceID int64, limit int) (model.StorageUsage, error)
	UnattachedFiles(ctx context.Context, before time.Time, afterID int64, limit int) ([]model.File, error)
	DeleteUnattachedFile(ctx context.Context, fileID int64, before time.Time) (bool, error)
	BlobReferenced(ctx context.Context, sha256 string) (bool, error)

	WorkspaceBots(ctx context.Context, workspaceID int64) ([]model.WorkspaceBot, error)
	ListDrafts(ctx context.Context, userID int64) ([]model.Draft, error)
	MutedChats(ctx context.Context, userID int64) ([]int64, error)
	NotificationSettings(ctx context.Context, userID int64) (model.NotificationSettings, error)
	InstanceSettings(ctx context.Context) (model.InstanceSettings, error)
}

// inTx runs fn in one transaction of the store and gives a storage error
// that fn's rules left as it was its meaning for the caller (storeErr).
func (s *Service) inTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	return storeErr(s.store.InTx(ctx, fn))
}

// storeErr gives a storage sentinel that no rule answered more precisely
// its meaning for the caller: a row gone meanwhile is a 404, a uniqueness
// clash a 409, a value the database cannot hold a 400. An error that
// already is an apperr, or is none of these, is returned as it is. The
// storage error stays in the chain (for the log, and for errors.Is).
func storeErr(err error) error {
	var ae *apperr.Error
	if err == nil || errors.As(err, &ae) {
		return err
	}
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return &apperr.Error{Kind: apperr.KindNotFound, Message: "not found", Err: err}
	case errors.Is(err, storage.ErrConflict):
		return &apperr.Error{Kind: apperr.KindConflict, Message: "conflict", Err: err}
	case errors.Is(err, storage.ErrInvalid):
		return &apperr.Error{Kind: apperr.KindInvalid, Message: "a value cannot be stored", Err: err}
	}
	return err
}
