package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// AudienceStore is what Audience reads: current memberships, and messages
// as a viewer may read them. storage.Store satisfies it.
type AudienceStore interface {
	WorkspaceForMember(ctx context.Context, workspaceID, userID int64) (storage.WorkspaceRole, error)
	ListWorkspacesForUser(ctx context.Context, userID int64) ([]storage.WorkspaceRole, error)
	ListMembers(ctx context.Context, workspaceID int64) ([]model.Member, error)
	ListChatsForUser(ctx context.Context, workspaceID, userID int64) ([]model.ChatSummary, error)
	ListChatMembers(ctx context.Context, chatID int64) ([]model.ChatMember, error)
	JoinTimes(ctx context.Context, userID int64) (storage.JoinTimes, error)
	MessagesForViewer(ctx context.Context, viewerID int64, ids []int64) ([]model.Message, error)
}

// Audience holds the rules of who hears of what and who may search which
// chats, read from current membership at every call (a member removed a
// moment ago is out at once):
//   - an event of a chat goes to the chat's members who are still members
//     of its workspace; an event of a workspace to its members;
//   - a replay sends nothing from before the user's current membership
//     began, and a message as the user may read it now;
//   - a user searches only the chats they are a member of, in a workspace
//     they belong to. Public channels not joined are left out, whatever
//     the role (a guest cannot read them anyway), and so is every chat of
//     a workspace the user is not in.
//
// Its methods are those realtime.Membership asks for; search takes
// SearchScope through the appliance, which puts it in search's terms.
type Audience struct {
	st AudienceStore
}

// NewAudience returns the audience rules over st.
func NewAudience(st AudienceStore) *Audience { return &Audience{st: st} }

// ChatMemberIDs lists the current members of a chat; none when the chat
// is gone.
func (a *Audience) ChatMemberIDs(ctx context.Context, chatID int64) ([]int64, error) {
	ms, err := a.st.ListChatMembers(ctx, chatID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list chat members: %w", err)
	}
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	return ids, nil
}

// WorkspaceMemberIDs lists the current members of a workspace; none when
// the workspace is gone.
func (a *Audience) WorkspaceMemberIDs(ctx context.Context, workspaceID int64) ([]int64, error) {
	ms, err := a.st.ListMembers(ctx, workspaceID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list workspace members: %w", err)
	}
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	return ids, nil
}

// UserWorkspaceIDs lists the workspaces a user belongs to.
func (a *Audience) UserWorkspaceIDs(ctx context.Context, userID int64) ([]int64, error) {
	ws, err := a.st.ListWorkspacesForUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	ids := make([]int64, 0, len(ws))
	for _, w := range ws {
		ids = append(ids, w.Workspace.ID)
	}
	return ids, nil
}

// JoinTimes reports when a user's current memberships began; a replay
// sends nothing from before them.
func (a *Audience) JoinTimes(ctx context.Context, userID int64) (model.JoinTimes, error) {
	jt, err := a.st.JoinTimes(ctx, userID)
	if err != nil {
		return model.JoinTimes{}, fmt.Errorf("join times: %w", err)
	}
	return model.JoinTimes(jt), nil
}

// MessagesNow returns those of the messages the user may read now, as the
// REST API shows them to the user; the others are left out.
func (a *Audience) MessagesNow(ctx context.Context, userID int64, ids []int64) ([]model.Message, error) {
	msgs, err := a.st.MessagesForViewer(ctx, userID, ids)
	if err != nil {
		return nil, fmt.Errorf("messages for viewer: %w", err)
	}
	return msgs, nil
}

// SearchScope is what one user may search in one workspace.
type SearchScope struct {
	// Role is the user's role in the workspace.
	Role model.Role
	// ChatIDs are the chats the user is a member of now, most recent
	// activity first.
	ChatIDs []int64
}

// SearchScope returns the chats userID may search in a workspace; 404
// (apperr) when userID is not a member of it.
func (a *Audience) SearchScope(ctx context.Context, userID, workspaceID int64) (SearchScope, error) {
	wr, err := a.st.WorkspaceForMember(ctx, workspaceID, userID)
	if err != nil {
		return SearchScope{}, chatStoreErr(err, "load workspace", "workspace", "")
	}
	chats, err := a.st.ListChatsForUser(ctx, workspaceID, userID)
	if err != nil {
		return SearchScope{}, fmt.Errorf("list chats: %w", err)
	}
	sc := SearchScope{Role: wr.Role, ChatIDs: make([]int64, 0, len(chats))}
	for _, c := range chats {
		sc.ChatIDs = append(sc.ChatIDs, c.ID)
	}
	return sc, nil
}
