package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// errJoinFirst is the answer to a reader of a public channel who tries to
// write to it without being a member.
func errJoinFirst() error { return apperr.Forbidden("join the channel first") }

// chatStoreErr turns a storage error into an apperr: not found becomes a 404
// naming what, a conflict a 409 with reason; anything else is wrapped with
// op as context and given its generic meaning (storeErr).
func chatStoreErr(err error, op, what, conflictReason string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, storage.ErrNotFound):
		e := apperr.NotFound(what)
		e.Err = err
		return e
	case errors.Is(err, storage.ErrConflict) && conflictReason != "":
		e := apperr.Conflict(conflictReason)
		e.Err = err
		return e
	}
	return storeErr(fmt.Errorf("%s: %w", op, err))
}

// canReadChat reports whether the user described by a may see the chat: a
// member, or a non-guest workspace member for a public channel.
func canReadChat(a storage.ChatAccess) bool {
	if a.IsMember() {
		return true
	}
	return a.Chat.Type == model.ChatPublicChannel && a.WorkspaceRole.AtLeast(model.RoleMember)
}

// isWorkspaceAdmin reports whether the user is an admin or owner of the
// chat's workspace.
func isWorkspaceAdmin(a storage.ChatAccess) bool { return a.WorkspaceRole.AtLeast(model.RoleAdmin) }

// isChatAdmin reports whether the user, who can read the chat, administers
// it: its creator (stored as chat admin) or a workspace admin or owner.
func isChatAdmin(a storage.ChatAccess) bool {
	return a.ChatRole == model.ChatRoleAdmin || isWorkspaceAdmin(a)
}

// chatAccessReader reads one user's standing in one chat.
type chatAccessReader interface {
	ChatAccess(ctx context.Context, chatID, userID int64) (storage.ChatAccess, error)
}

// chatMemberLister lists the members of a chat.
type chatMemberLister interface {
	ListChatMembers(ctx context.Context, chatID int64) ([]model.ChatMember, error)
}

// chatLister reads the one-chat summary.
type chatLister interface {
	chatMemberLister
	ChatSummary(ctx context.Context, chatID, userID int64) (model.ChatSummary, error)
}

// readableChat loads the user's standing in a chat and answers 404 when the
// user may not see it, so that its existence is not revealed.
func readableChat(ctx context.Context, q chatAccessReader, chatID, userID int64) (storage.ChatAccess, error) {
	if chatID <= 0 {
		return storage.ChatAccess{}, apperr.NotFound("chat")
	}
	a, err := q.ChatAccess(ctx, chatID, userID)
	if err != nil {
		return storage.ChatAccess{}, chatStoreErr(err, "load chat access", "chat", "")
	}
	if !canReadChat(a) {
		return storage.ChatAccess{}, apperr.NotFound("chat")
	}
	return a, nil
}

// memberChat is readableChat for actions that need membership: a reader of
// a public channel who has not joined gets 403.
func memberChat(ctx context.Context, q chatAccessReader, chatID, userID int64) (storage.ChatAccess, error) {
	a, err := readableChat(ctx, q, chatID, userID)
	if err != nil {
		return a, err
	}
	if !a.IsMember() {
		return a, errJoinFirst()
	}
	return a, nil
}

// chatSummaryFor returns the chat as userID sees it in a list (member count,
// unread count, last message): one row of the same query the lists use, so
// both views agree, without listing every chat of the workspace.
func chatSummaryFor(ctx context.Context, q chatLister, a storage.ChatAccess, userID int64) (model.ChatSummary, error) {
	cs, err := q.ChatSummary(ctx, a.Chat.ID, userID)
	if errors.Is(err, storage.ErrNotFound) {
		// Deleted under us. Answer from what we have.
		cs, err = neutralChat(ctx, q, a.Chat)
		cs.LastReadSeq, cs.MyRole = a.LastReadSeq, a.ChatRole
		return cs, err
	}
	if err != nil {
		return model.ChatSummary{}, fmt.Errorf("chat summary: %w", err)
	}
	return cs, nil
}

// neutralChat is the chat without anything specific to one viewer (unread
// count, read marker, role): the shape put in events that many people get.
func neutralChat(ctx context.Context, q chatMemberLister, c model.Chat) (model.ChatSummary, error) {
	members, err := q.ListChatMembers(ctx, c.ID)
	if err != nil {
		return model.ChatSummary{}, fmt.Errorf("list chat members: %w", err)
	}
	return model.ChatSummary{Chat: c, MemberCount: len(members)}, nil
}
