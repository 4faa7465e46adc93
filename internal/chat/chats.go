package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Chat limits. They are part of the API's behaviour.
const (
	maxChatNameRunes  = 80
	maxChatTopicRunes = 250
	// maxChatMemberIDs bounds one request's member list (creation or add).
	maxChatMemberIDs = 1000
)

// CreateChatInput is a request to start a chat. MemberIDs are the people
// besides the creator; the creator is always a member.
type CreateChatInput struct {
	Type      model.ChatType
	Name      string
	Topic     string
	MemberIDs []int64
}

// ChatPatch changes a chat's name, topic or description; nil fields stay
// as they are.
type ChatPatch struct {
	Name        *string
	Topic       *string
	Description *string
}

// ListChats returns the chats userID is a member of in a workspace, most
// recent activity first, each with its unread count and last message.
func (s *Service) ListChats(ctx context.Context, userID, wsID int64) ([]model.ChatSummary, error) {
	if _, err := s.store.WorkspaceForMember(ctx, wsID, userID); err != nil {
		return nil, chatStoreErr(err, "load workspace", "workspace", "")
	}
	list, err := s.store.ListChatsForUser(ctx, wsID, userID)
	if err != nil {
		return nil, fmt.Errorf("list chats: %w", err)
	}
	return nonNilSummaries(list), nil
}

// ListChannels returns the public channels of a workspace that userID can
// join. Guests cannot browse channels (403).
func (s *Service) ListChannels(ctx context.Context, userID, wsID int64) ([]model.ChatSummary, error) {
	wr, err := s.store.WorkspaceForMember(ctx, wsID, userID)
	if err != nil {
		return nil, chatStoreErr(err, "load workspace", "workspace", "")
	}
	if !wr.Role.AtLeast(model.RoleMember) {
		return nil, apperr.Forbidden("guests cannot browse channels")
	}
	list, err := s.store.ListJoinableChannels(ctx, wsID, userID)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	return nonNilSummaries(list), nil
}

// Chat returns one chat as userID sees it; 404 when userID may not read it.
func (s *Service) Chat(ctx context.Context, userID, chatID int64) (model.ChatSummary, error) {
	a, err := readableChat(ctx, s.store, chatID, userID)
	if err != nil {
		return model.ChatSummary{}, err
	}
	return chatSummaryFor(ctx, s.store, a, userID)
}

// ChatRecord returns the chat itself, without the per-viewer summary Chat
// builds (unread count, last message): one access read, for callers that
// only need its type or workspace; 404 when userID may not read it.
func (s *Service) ChatRecord(ctx context.Context, userID, chatID int64) (model.Chat, error) {
	a, err := readableChat(ctx, s.store, chatID, userID)
	return a.Chat, err
}

// CreateChat starts a chat in a workspace. For a direct chat that already
// exists between the two people it returns that chat and created=false.
func (s *Service) CreateChat(ctx context.Context, userID, wsID int64, in CreateChatInput) (model.ChatSummary, bool, error) {
	wr, err := s.store.WorkspaceForMember(ctx, wsID, userID)
	if err != nil {
		return model.ChatSummary{}, false, chatStoreErr(err, "load workspace", "workspace", "")
	}
	d, err := draftChat(userID, wsID, wr.Role, in)
	if err != nil {
		return model.ChatSummary{}, false, err
	}
	if d.chat.Type == model.ChatDirect {
		return s.createDirectChat(ctx, userID, wr.Role, d)
	}
	var out model.ChatSummary
	err = s.inTx(ctx, func(tx storage.Tx) error {
		var err error
		out, err = s.insertChat(ctx, tx, userID, wr.Role, d)
		return err
	})
	if err != nil {
		return model.ChatSummary{}, false, err
	}
	return out, true, nil
}

// chatDraft is a validated creation request.
type chatDraft struct {
	chat model.Chat
	// others are the distinct members besides the creator, ascending.
	others []int64
}

// draftChat validates a creation request without touching storage.
func draftChat(userID, wsID int64, role model.Role, in CreateChatInput) (chatDraft, error) {
	if !in.Type.Valid() {
		return chatDraft{}, apperr.Field("type", "must be one of direct, group, private_channel, public_channel")
	}
	if in.Type.IsChannel() && !role.AtLeast(model.RoleMember) {
		return chatDraft{}, apperr.Forbidden("guests cannot create channels")
	}
	errs := inputErrors{}
	others, err := distinctMemberIDs("member_ids", userID, in.MemberIDs)
	errs.add("member_ids", err)
	if err == nil {
		errs.add("member_ids", checkChatHeadcount(in.Type, len(others)))
	}
	name, err := validateChatName(in.Type, in.Name)
	errs.add("name", err)
	topic, err := validateChatTopic(in.Topic)
	errs.add("topic", err)
	if in.Type == model.ChatDirect && topic != "" {
		errs.add("topic", apperr.Field("topic", "direct chats have no topic"))
	}
	if err := errs.err(); err != nil {
		return chatDraft{}, err
	}
	c := model.Chat{WorkspaceID: wsID, Type: in.Type, Name: name, Topic: topic, CreatedBy: userID}
	return chatDraft{chat: c, others: others}, nil
}

// checkChatHeadcount applies the size rules: a direct chat is two people, a
// group at least three (others excludes the creator).
func checkChatHeadcount(t model.ChatType, others int) error {
	switch {
	case t == model.ChatDirect && others != 1:
		return apperr.Field("member_ids", "a direct chat is between you and exactly one other person")
	case t == model.ChatGroup && others < 2:
		return apperr.Field("member_ids", "a group needs at least three people including you")
	}
	return nil
}

// distinctMemberIDs returns ids without duplicates and without self,
// ascending; a non-positive id or too many ids is a field error.
func distinctMemberIDs(field string, self int64, ids []int64) ([]int64, error) {
	if len(ids) > maxChatMemberIDs {
		return nil, apperr.Field(field, fmt.Sprintf("at most %d people at once", maxChatMemberIDs))
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id <= 0 {
			return nil, apperr.Field(field, "must be user ids")
		}
		if id != self {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// validateChatName applies the name rules of a chat type: channels need a
// name (1..80 characters, no control characters, trimmed; free text, unique
// per workspace case-insensitively), groups may have one, direct chats none.
func validateChatName(t model.ChatType, name string) (string, error) {
	switch {
	case t.IsChannel():
		return validateNameField("name", name, maxChatNameRunes)
	case strings.TrimSpace(name) == "":
		return "", nil
	case t == model.ChatDirect:
		return "", apperr.Field("name", "direct chats have no name")
	}
	return validateNameField("name", name, maxChatNameRunes)
}

// validateChatTopic trims a topic and checks it: at most 250 characters of
// one line of text; empty clears it.
func validateChatTopic(topic string) (string, error) {
	topic = strings.TrimSpace(topic)
	switch {
	case hasUnsafeRunes(topic):
		return "", apperr.Field("topic", "must not contain control characters")
	case utf8.RuneCountInString(topic) > maxChatTopicRunes:
		return "", apperr.Field("topic", fmt.Sprintf("must be at most %d characters", maxChatTopicRunes))
	}
	return topic, nil
}

// requireWorkspaceMembers answers a field error when one of ids is not a
// member of the workspace. A few ids are looked up one by one; more are
// checked against one listing of the workspace.
func requireWorkspaceMembers(ctx context.Context, tx storage.Tx, wsID int64, ids []int64, field string) error {
	bad := errNotWorkspaceMembers(field)
	if len(ids) > 8 {
		members, err := tx.ListMembers(ctx, wsID)
		if err != nil {
			return fmt.Errorf("list workspace members: %w", err)
		}
		in := make(map[int64]bool, len(members))
		for _, m := range members {
			in[m.UserID] = true
		}
		for _, id := range ids {
			if !in[id] {
				return bad
			}
		}
		return nil
	}
	for _, id := range ids {
		if _, err := tx.GetMember(ctx, wsID, id); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return bad
			}
			return fmt.Errorf("load workspace member: %w", err)
		}
	}
	return nil
}

// errNotWorkspaceMembers is the answer to a member list naming someone who
// is not in the workspace.
func errNotWorkspaceMembers(field string) *apperr.Error {
	return apperr.Field(field, "must all be members of the workspace")
}

// membersGone turns the store's ErrNotFound for adding chat members, which
// means one of them has left the workspace since requireWorkspaceMembers
// looked (the store checks again, under lock), into the same field error.
func membersGone(err error, field string) error {
	if !errors.Is(err, storage.ErrNotFound) {
		return err
	}
	e := errNotWorkspaceMembers(field)
	e.Err = err
	return e
}

// insertChat stores a drafted chat with its members and records
// chat.created. A duplicate direct chat surfaces as storage.ErrConflict so
// that the caller can return the existing one.
func (s *Service) insertChat(ctx context.Context, tx storage.Tx, userID int64, role model.Role, d chatDraft) (model.ChatSummary, error) {
	if err := requireWorkspaceMembers(ctx, tx, d.chat.WorkspaceID, d.others, "member_ids"); err != nil {
		return model.ChatSummary{}, err
	}
	creatorRole := model.ChatRoleAdmin
	if d.chat.Type == model.ChatDirect {
		creatorRole = model.ChatRoleMember
	}
	members := []model.ChatMember{{UserID: userID, Role: creatorRole}}
	for _, id := range d.others {
		members = append(members, model.ChatMember{UserID: id, Role: model.ChatRoleMember})
	}
	c := d.chat
	if err := tx.CreateChat(ctx, &c, members); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return model.ChatSummary{}, membersGone(err, "member_ids")
		}
		if d.chat.Type == model.ChatDirect {
			return model.ChatSummary{}, fmt.Errorf("create direct chat: %w", err)
		}
		return model.ChatSummary{}, chatStoreErr(err, "create chat", "chat", "a channel with this name already exists")
	}
	ids := append([]int64{userID}, d.others...)
	neutral := model.ChatSummary{Chat: c, MemberCount: len(members)}
	if err := s.record(ctx, tx, events.ChatEvent{
		Header: events.ChatHeader(model.EventChatCreated, c.WorkspaceID, c.ID, userID),
		Chat:   neutral, MemberIDs: ids,
	}); err != nil {
		return model.ChatSummary{}, err
	}
	a := storage.ChatAccess{Chat: c, WorkspaceRole: role, ChatRole: creatorRole}
	return chatSummaryFor(ctx, tx, a, userID)
}

// createDirectChat returns the direct chat between userID and the other
// person, creating it when it does not exist. Two concurrent first requests
// race on the unique direct key; the loser finds the winner's chat.
func (s *Service) createDirectChat(ctx context.Context, userID int64, role model.Role, d chatDraft) (model.ChatSummary, bool, error) {
	d.chat.DirectKey = directChatKey(userID, d.others[0])
	var (
		out     model.ChatSummary
		created bool
	)
	attempt := func(tx storage.Tx) error {
		existing, err := tx.DirectChat(ctx, d.chat.WorkspaceID, d.chat.DirectKey)
		switch {
		case err == nil:
			created = false
			out, err = s.reopenDirectChat(ctx, tx, userID, existing, d.others)
			return err
		case !errors.Is(err, storage.ErrNotFound):
			return fmt.Errorf("find direct chat: %w", err)
		}
		created = true
		out, err = s.insertChat(ctx, tx, userID, role, d)
		return err
	}
	err := s.inTx(ctx, attempt)
	if errors.Is(err, storage.ErrConflict) {
		err = s.inTx(ctx, attempt)
	}
	if err != nil {
		return model.ChatSummary{}, false, err
	}
	return out, created, nil
}

// reopenDirectChat returns an existing direct chat to userID. Someone who
// left the workspace and came back is no longer in it: both people are put
// back (and member.joined recorded for whoever was missing).
func (s *Service) reopenDirectChat(ctx context.Context, tx storage.Tx, userID int64, c model.Chat, others []int64) (model.ChatSummary, error) {
	if err := requireWorkspaceMembers(ctx, tx, c.WorkspaceID, others, "member_ids"); err != nil {
		return model.ChatSummary{}, err
	}
	both := []model.ChatMember{{UserID: userID, Role: model.ChatRoleMember}, {UserID: others[0], Role: model.ChatRoleMember}}
	added, err := tx.AddChatMembers(ctx, c.ID, both)
	if err != nil {
		return model.ChatSummary{}, membersGone(fmt.Errorf("add direct chat members: %w", err), "member_ids")
	}
	if err := s.recordMembersJoined(ctx, tx, c, userID, added); err != nil {
		return model.ChatSummary{}, err
	}
	a, err := tx.ChatAccess(ctx, c.ID, userID)
	if err != nil {
		return model.ChatSummary{}, fmt.Errorf("load chat access: %w", err)
	}
	return chatSummaryFor(ctx, tx, a, userID)
}

// directChatKey is the workspace-unique key of the direct chat between two
// users: "<lower id>:<higher id>".
func directChatKey(a, b int64) string {
	if a > b {
		a, b = b, a
	}
	return fmt.Sprintf("%d:%d", a, b)
}

// UpdateChat renames a chat or changes its topic. Group members may change
// their group; channel admins their channel; direct chats have neither (403).
func (s *Service) UpdateChat(ctx context.Context, userID, chatID int64, p ChatPatch) (model.ChatSummary, error) {
	var out model.ChatSummary
	err := s.inTx(ctx, func(tx storage.Tx) error {
		a, err := readableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		if err := checkChatEditable(a); err != nil {
			return err
		}
		if a.Chat.ArchivedAt != nil {
			return errArchived()
		}
		c, changed, err := applyChatPatch(a.Chat, p)
		if err != nil {
			return err
		}
		if changed {
			if err := s.storeChatChange(ctx, tx, c, userID); err != nil {
				return err
			}
		}
		a.Chat = c
		out, err = chatSummaryFor(ctx, tx, a, userID)
		return err
	})
	return out, err
}

// checkChatEditable says whether the reader described by a may rename the
// chat or change its topic.
func checkChatEditable(a storage.ChatAccess) error {
	switch {
	case a.Chat.Type == model.ChatDirect:
		return apperr.Forbidden("direct chats cannot be renamed")
	case a.Chat.Type == model.ChatGroup:
		return nil // readable means member
	case !isChatAdmin(a):
		return apperr.Forbidden("only channel admins can change the channel")
	}
	return nil
}

// applyChatPatch validates p against c and returns the changed chat.
func applyChatPatch(c model.Chat, p ChatPatch) (model.Chat, bool, error) {
	errs := inputErrors{}
	out := c
	if p.Name != nil {
		name, err := validateChatName(c.Type, *p.Name)
		errs.add("name", err)
		out.Name = name
	}
	if p.Topic != nil {
		topic, err := validateChatTopic(*p.Topic)
		errs.add("topic", err)
		out.Topic = topic
	}
	if p.Description != nil {
		d, err := validateChatDescription(*p.Description)
		if err == nil && c.Type == model.ChatDirect && d != "" {
			err = apperr.Field("description", "direct chats have no description")
		}
		errs.add("description", err)
		out.Description = d
	}
	if err := errs.err(); err != nil {
		return c, false, err
	}
	return out, out.Name != c.Name || out.Topic != c.Topic || out.Description != c.Description, nil
}

// storeChatChange saves a renamed chat and records chat.updated.
func (s *Service) storeChatChange(ctx context.Context, tx storage.Tx, c model.Chat, userID int64) error {
	if err := tx.UpdateChat(ctx, c); err != nil {
		return chatStoreErr(err, "update chat", "chat", "a channel with this name already exists")
	}
	neutral, err := neutralChat(ctx, tx, c)
	if err != nil {
		return err
	}
	return s.record(ctx, tx, events.ChatEvent{
		Header: events.ChatHeader(model.EventChatUpdated, c.WorkspaceID, c.ID, userID),
		Chat:   neutral,
	})
}

// DeleteChat deletes a chat with its messages. Its creator or a workspace
// admin may (403 otherwise). The event names the former members, since
// membership can no longer be looked up afterwards.
func (s *Service) DeleteChat(ctx context.Context, userID, chatID int64) error {
	return s.inTx(ctx, func(tx storage.Tx) error {
		a, err := readableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		if a.Chat.CreatedBy != userID && !isWorkspaceAdmin(a) {
			return apperr.Forbidden("only the chat's creator or a workspace admin can delete it")
		}
		members, err := tx.ListChatMembers(ctx, chatID)
		if err != nil {
			return fmt.Errorf("list chat members: %w", err)
		}
		if err := tx.DeleteChat(ctx, chatID); err != nil {
			return chatStoreErr(err, "delete chat", "chat", "")
		}
		ids := make([]int64, 0, len(members))
		for _, m := range members {
			ids = append(ids, m.UserID)
		}
		neutral := model.ChatSummary{Chat: a.Chat, MemberCount: len(members)}
		return s.record(ctx, tx, events.ChatEvent{
			Header: events.ChatHeader(model.EventChatDeleted, a.Chat.WorkspaceID, chatID, userID),
			Chat:   neutral, MemberIDs: ids,
		})
	})
}

// nonNilSummaries makes an empty list encode as [] rather than null.
func nonNilSummaries(list []model.ChatSummary) []model.ChatSummary {
	if list == nil {
		return []model.ChatSummary{}
	}
	return list
}
