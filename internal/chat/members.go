package chat

import (
	"context"
	"fmt"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// ChatMembers lists the members of a chat userID can read, by join time.
func (s *Service) ChatMembers(ctx context.Context, userID, chatID int64) ([]model.ChatMember, error) {
	if _, err := readableChat(ctx, s.store, chatID, userID); err != nil {
		return nil, err
	}
	members, err := s.store.ListChatMembers(ctx, chatID)
	if err != nil {
		return nil, chatStoreErr(err, "list chat members", "chat", "") // deleted meanwhile
	}
	return nonNilMembers(members), nil
}

// AddChatMembers adds workspace members to a chat and returns the chat's
// members afterwards. Who may add: any member of a group or public channel,
// a channel admin of a private channel; nobody for a direct chat (403).
// Guests may be added explicitly. People already in are ignored.
func (s *Service) AddChatMembers(ctx context.Context, userID, chatID int64, ids []int64) ([]model.ChatMember, error) {
	var out []model.ChatMember
	err := s.inTx(ctx, func(tx storage.Tx) error {
		a, err := readableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		if err := checkCanAddMembers(a); err != nil {
			return err
		}
		if a.Chat.ArchivedAt != nil {
			return errArchived()
		}
		added, err := s.addMembers(ctx, tx, a.Chat, userID, ids)
		if err != nil {
			return err
		}
		if err := s.recordMembersJoined(ctx, tx, a.Chat, userID, added); err != nil {
			return err
		}
		out, err = tx.ListChatMembers(ctx, chatID)
		if err != nil {
			return fmt.Errorf("list chat members: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nonNilMembers(out), nil
}

// checkCanAddMembers applies the per-type rule for adding people.
func checkCanAddMembers(a storage.ChatAccess) error {
	switch a.Chat.Type {
	case model.ChatDirect:
		return apperr.Forbidden("members of a direct chat cannot change")
	case model.ChatPrivateChannel:
		if !isChatAdmin(a) {
			return apperr.Forbidden("only channel admins can add people")
		}
	case model.ChatPublicChannel:
		if !a.IsMember() && !isChatAdmin(a) {
			return errJoinFirst()
		}
	}
	return nil
}

// addMembers validates ids (workspace members, field user_ids) and adds
// them as plain members; it returns the ids actually added.
func (s *Service) addMembers(ctx context.Context, tx storage.Tx, c model.Chat, userID int64, ids []int64) ([]int64, error) {
	others, err := distinctMemberIDs("user_ids", 0, ids)
	if err != nil {
		return nil, err
	}
	if len(others) == 0 {
		return nil, apperr.Field("user_ids", "must name at least one person")
	}
	if err := requireWorkspaceMembers(ctx, tx, c.WorkspaceID, others, "user_ids"); err != nil {
		return nil, err
	}
	members := make([]model.ChatMember, 0, len(others))
	for _, id := range others {
		members = append(members, model.ChatMember{ChatID: c.ID, UserID: id, Role: model.ChatRoleMember})
	}
	added, err := tx.AddChatMembers(ctx, c.ID, members)
	if err != nil {
		return nil, membersGone(fmt.Errorf("add chat members: %w", err), "user_ids")
	}
	return added, nil
}

// recordMembersJoined records member.joined for each added user, with the
// member (and its user) as clients show it.
func (s *Service) recordMembersJoined(ctx context.Context, tx storage.Tx, c model.Chat, actorID int64, added []int64) error {
	if len(added) == 0 {
		return nil
	}
	members, err := tx.ListChatMembers(ctx, c.ID)
	if err != nil {
		return fmt.Errorf("list chat members: %w", err)
	}
	byID := make(map[int64]model.ChatMember, len(members))
	for _, m := range members {
		byID[m.UserID] = m
	}
	for _, id := range added {
		m, ok := byID[id]
		if !ok {
			m = model.ChatMember{ChatID: c.ID, UserID: id, Role: model.ChatRoleMember}
		}
		if err := s.record(ctx, tx, events.MemberEvent{
			Header: events.ChatHeader(model.EventMemberJoined, c.WorkspaceID, c.ID, actorID),
			Member: m, UserID: id,
		}); err != nil {
			return err
		}
	}
	return nil
}

// RemoveChatMember removes targetID from a chat; targetID == userID is
// leaving. Anyone may leave a group or channel; removing someone else needs
// a chat admin (the creator, or a workspace admin). Direct chats: 403.
// The removed member loses access at once: every read checks membership.
func (s *Service) RemoveChatMember(ctx context.Context, userID, chatID, targetID int64) error {
	return s.inTx(ctx, func(tx storage.Tx) error {
		a, err := readableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		if err := checkCanRemoveMember(a, userID, targetID); err != nil {
			return err
		}
		gone, err := findChatMember(ctx, tx, chatID, targetID)
		if err != nil {
			return err
		}
		if err := tx.RemoveChatMember(ctx, chatID, targetID); err != nil {
			return chatStoreErr(err, "remove chat member", "chat member", "")
		}
		return s.record(ctx, tx, events.MemberEvent{
			Header: events.ChatHeader(model.EventMemberLeft, a.Chat.WorkspaceID, chatID, userID),
			Member: gone, UserID: targetID,
		})
	})
}

// checkCanRemoveMember applies the per-type rule for leaving and removing.
func checkCanRemoveMember(a storage.ChatAccess, userID, targetID int64) error {
	switch {
	case a.Chat.Type == model.ChatDirect:
		return apperr.Forbidden("members of a direct chat cannot change")
	case targetID == userID:
		if !a.IsMember() {
			return apperr.NotFound("chat member")
		}
		return nil
	case !isChatAdmin(a):
		return apperr.Forbidden("only the chat's admins can remove people")
	}
	return nil
}

// findChatMember returns one member of a chat with its user; 404 when the
// user is not in it.
func findChatMember(ctx context.Context, tx storage.Tx, chatID, userID int64) (model.ChatMember, error) {
	members, err := tx.ListChatMembers(ctx, chatID)
	if err != nil {
		return model.ChatMember{}, fmt.Errorf("list chat members: %w", err)
	}
	for _, m := range members {
		if m.UserID == userID {
			return m, nil
		}
	}
	return model.ChatMember{}, apperr.NotFound("chat member")
}

// JoinChat makes userID a member of a public channel and returns it. Only
// public channels can be joined (403); guests cannot see them to join
// (404). Joining twice is harmless.
func (s *Service) JoinChat(ctx context.Context, userID, chatID int64) (model.ChatSummary, error) {
	var out model.ChatSummary
	err := s.inTx(ctx, func(tx storage.Tx) error {
		a, err := readableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		if a.Chat.Type != model.ChatPublicChannel {
			return apperr.Forbidden("only public channels can be joined")
		}
		if a.Chat.ArchivedAt != nil && !a.IsMember() {
			return errArchived()
		}
		if !a.IsMember() {
			if err := s.joinPublicChannel(ctx, tx, a.Chat, userID); err != nil {
				return err
			}
			a.ChatRole = model.ChatRoleMember
		}
		out, err = chatSummaryFor(ctx, tx, a, userID)
		return err
	})
	return out, err
}

// joinPublicChannel adds userID as a member and records member.joined.
func (s *Service) joinPublicChannel(ctx context.Context, tx storage.Tx, c model.Chat, userID int64) error {
	m := []model.ChatMember{{ChatID: c.ID, UserID: userID, Role: model.ChatRoleMember}}
	added, err := tx.AddChatMembers(ctx, c.ID, m)
	if err != nil {
		// Not found: the joiner left the workspace meanwhile, and so can no
		// longer see the channel.
		return chatStoreErr(err, "join channel", "chat", "")
	}
	return s.recordMembersJoined(ctx, tx, c, userID, added)
}

// nonNilMembers makes an empty list encode as [] rather than null.
func nonNilMembers(list []model.ChatMember) []model.ChatMember {
	if list == nil {
		return []model.ChatMember{}
	}
	return list
}
