package chat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// History writes a workspace's history brought in from elsewhere (a Slack
// export, another Fechatter instance) inside one transaction. Every object
// is keyed by its id in the source; what was imported is recorded
// (storage.Transfers), so that writing the same history again adds
// nothing. Each new message goes through the outbox like a live one, so
// the search indexer and real-time delivery see it.
//
// The format readers (internal/transfer) call User for every account, then
// Chat for every chat, then Message for every message of a chat in time
// order (a reply after its parent).
type History struct {
	tx     storage.Tx
	ws     int64
	source string
	now    func() time.Time
	users  map[string]int64
	// Report counts what was imported and skipped.
	Report ImportReport
}

// ImportReport counts what an import wrote and what it left out.
type ImportReport struct {
	Users     int `json:"users"`
	Chats     int `json:"chats"`
	Messages  int `json:"messages"`
	Replies   int `json:"thread_replies"`
	Reactions int `json:"reactions"`
	Files     int `json:"files"`
	// Existing counts the objects a previous run already imported.
	Existing int `json:"already_imported"`
	// Skipped counts what was left out, by reason.
	Skipped map[string]int `json:"skipped"`
}

// Skip counts one object left out for reason.
func (r *ImportReport) Skip(reason string) {
	if r.Skipped == nil {
		r.Skipped = map[string]int{}
	}
	r.Skipped[reason]++
}

// Import record kinds (storage.Transfers).
const (
	importUser    = "user"
	importChat    = "chat"
	importMessage = "message"
	importFile    = "file"
)

// NewHistory writes history from source (a stable name of where it comes
// from, such as "slack") into workspace workspaceID through tx.
func NewHistory(tx storage.Tx, workspaceID int64, source string) *History {
	return &History{tx: tx, ws: workspaceID, source: source, now: func() time.Time { return time.Now().UTC() },
		users: map[string]int64{}}
}

// ImportedUser is an account in the source.
type ImportedUser struct {
	Key         string
	Email       string
	Username    string
	DisplayName string
	IsBot       bool
	// Role is the workspace role; empty or Deleted: not a member.
	Role    model.Role
	Deleted bool
}

// User finds or creates the account for u and returns its id. An account
// with u's email already on this instance is u (no second account is
// made); otherwise a new account without a password is created, with u's
// username, or a free variant of it. Unless u is deleted, the account
// joins the workspace with u's role.
func (h *History) User(ctx context.Context, u ImportedUser) (int64, error) {
	if id, err := h.tx.ImportedID(ctx, h.ws, h.source, importUser, u.Key); err == nil {
		if _, err := h.tx.UserByID(ctx, id); err == nil {
			h.users[u.Key] = id
			h.Report.Existing++
			return id, nil
		}
		return 0, fmt.Errorf("user %s: the account it was imported as is gone", u.Key)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return 0, err
	}
	id, err := h.account(ctx, u)
	if err != nil {
		return 0, fmt.Errorf("user %s: %w", u.Key, err)
	}
	if !u.Deleted && u.Role.Valid() {
		err := h.tx.AddMember(ctx, &model.Member{WorkspaceID: h.ws, UserID: id, Role: u.Role})
		if err != nil && !errors.Is(err, storage.ErrConflict) {
			return 0, fmt.Errorf("user %s: join workspace: %w", u.Key, err)
		}
	}
	if err := h.tx.RecordImported(ctx, h.ws, h.source, importUser, u.Key, id); err != nil {
		return 0, err
	}
	h.users[u.Key] = id
	return id, nil
}

// account returns the id of the account with u's email, or of a new one.
func (h *History) account(ctx context.Context, u ImportedUser) (int64, error) {
	email, err := normalizeEmail(u.Email)
	if err != nil {
		kind, _, _ := strings.Cut(h.source, ":")
		email = strings.ToLower(importKeyLabel(u.Key)) + "@" + importKeyLabel(kind) + ".import.invalid"
	}
	if existing, err := h.tx.UserByEmail(ctx, email); err == nil {
		return existing.ID, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return 0, err
	}
	username, err := h.freeUsername(ctx, u.Username, u.Key)
	if err != nil {
		return 0, err
	}
	display, err := validateDisplayName(truncateRunes(stripRefused(u.DisplayName), maxDisplayNameRunes), username)
	if err != nil {
		display = username
	}
	nu := model.User{Email: email, Username: username, DisplayName: display, IsBot: u.IsBot}
	if err := h.tx.CreateUser(ctx, &nu); err != nil {
		return 0, fmt.Errorf("create account: %w", err)
	}
	h.Report.Users++
	return nu.ID, nil
}

// freeUsername turns want into a valid username that nobody has: the
// name itself, or with "-2", "-3"... appended.
func (h *History) freeUsername(ctx context.Context, want, key string) (string, error) {
	base, err := normalizeUsername(usernameFrom(want))
	if err != nil {
		base, err = normalizeUsername(usernameFrom("user-" + importKeyLabel(key)))
		if err != nil {
			return "", err
		}
	}
	for i := 1; i < 1000; i++ {
		name := base
		if i > 1 {
			suffix := "-" + strconv.Itoa(i)
			name = strings.TrimRight(base[:min(len(base), 32-len(suffix))], "-_.") + suffix
		}
		if _, err := h.tx.UserByUsername(ctx, name); errors.Is(err, storage.ErrNotFound) {
			return name, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("no free username like %q", base)
}

// usernameFrom keeps the characters a username may hold.
func usernameFrom(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	out := strings.TrimLeft(b.String(), "_.-")
	if len(out) > 32 {
		out = out[:32]
	}
	if len(out) == 1 {
		out += "-user"
	}
	return out
}

// importKeyLabel keeps the letters and digits of a source key.
func importKeyLabel(key string) string {
	var b strings.Builder
	for _, r := range key {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ImportedChat is a chat in the source. Members and CreatedBy are user keys.
type ImportedChat struct {
	Key       string
	Type      model.ChatType
	Name      string
	Topic     string
	CreatedBy string
	CreatedAt time.Time
	Members   []string
}

// Chat finds or creates the chat for c and returns its id; 0 when it is
// left out (counted in the report). A channel whose name is taken gets a
// free variant; a direct chat that exists between the two people is used.
func (h *History) Chat(ctx context.Context, c ImportedChat) (int64, error) {
	if id, err := h.tx.ImportedID(ctx, h.ws, h.source, importChat, c.Key); err == nil {
		if _, err := h.tx.ChatByID(ctx, id); err != nil {
			h.Report.Skip("chat deleted since it was imported")
			return 0, nil
		}
		h.Report.Existing++
		return id, nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return 0, err
	}
	members, err := h.chatMembers(ctx, c.Members)
	if err != nil {
		return 0, err
	}
	chat, ok := h.chatShape(c, members)
	if !ok {
		return 0, nil
	}
	creator := h.users[c.CreatedBy]
	if !containsID(members, creator) {
		creator = members[0]
	}
	chat.CreatedBy = creator
	id, err := h.createChat(ctx, chat, chatMemberList(members, creator))
	if err != nil {
		return 0, fmt.Errorf("chat %s: %w", c.Key, err)
	}
	if err := h.tx.RecordImported(ctx, h.ws, h.source, importChat, c.Key, id); err != nil {
		return 0, err
	}
	return id, nil
}

// chatMembers returns the ids of the keys' accounts that are members of
// the workspace, without repeats.
func (h *History) chatMembers(ctx context.Context, keys []string) ([]int64, error) {
	var ids []int64
	for _, k := range keys {
		id, ok := h.users[k]
		if !ok || containsID(ids, id) {
			continue
		}
		if _, err := h.tx.GetMember(ctx, h.ws, id); errors.Is(err, storage.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// chatShape builds the chat row for c, or counts why it is left out.
func (h *History) chatShape(c ImportedChat, members []int64) (model.Chat, bool) {
	chat := model.Chat{WorkspaceID: h.ws, Type: c.Type, CreatedAt: c.CreatedAt.UTC()}
	switch {
	case len(members) == 0:
		h.Report.Skip("chat without members on this instance")
		return chat, false
	case c.Type == model.ChatDirect && len(members) != 2:
		h.Report.Skip("direct chat without exactly two people")
		return chat, false
	case c.Type == model.ChatGroup && len(members) == 2:
		chat.Type = model.ChatDirect
	case c.Type == model.ChatGroup && len(members) < 2:
		h.Report.Skip("group chat with fewer than two people")
		return chat, false
	}
	if chat.Type == model.ChatDirect {
		chat.DirectKey = directChatKey(members[0], members[1])
	}
	if chat.Type.IsChannel() || chat.Type == model.ChatGroup {
		chat.Name = truncateRunes(stripRefused(strings.TrimSpace(c.Name)), maxChatNameRunes)
		if chat.Type.IsChannel() && chat.Name == "" {
			chat.Name = "imported-" + importKeyLabel(c.Key)
		}
	}
	chat.Topic, _ = validateChatTopic(truncateRunes(stripRefused(strings.ReplaceAll(c.Topic, "\n", " ")), maxChatTopicRunes))
	return chat, true
}

// createChat inserts chat, taking a free variant of a channel name that is
// taken, or the direct chat that exists.
func (h *History) createChat(ctx context.Context, chat model.Chat, members []model.ChatMember) (int64, error) {
	if chat.Type == model.ChatDirect {
		if existing, err := h.tx.DirectChat(ctx, h.ws, chat.DirectKey); err == nil {
			return existing.ID, nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return 0, err
		}
	}
	base := chat.Name
	for i := 1; ; i++ {
		if i > 1 {
			suffix := "-" + strconv.Itoa(i)
			chat.Name = truncateRunes(base, maxChatNameRunes-len(suffix)) + suffix
		}
		err := h.tx.CreateChat(ctx, &chat, members)
		switch {
		case err == nil:
			h.Report.Chats++
			return chat.ID, nil
		case errors.Is(err, storage.ErrConflict) && chat.Type.IsChannel() && i < 100:
			continue
		default:
			return 0, err
		}
	}
}

func chatMemberList(ids []int64, creator int64) []model.ChatMember {
	out := make([]model.ChatMember, 0, len(ids))
	for _, id := range ids {
		role := model.ChatRoleMember
		if id == creator {
			role = model.ChatRoleAdmin
		}
		out = append(out, model.ChatMember{UserID: id, Role: role})
	}
	return out
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// ImportedFile is an attachment whose bytes the caller has already put in
// the blob store under SHA256.
type ImportedFile struct {
	Key         string
	Name        string
	ContentType string
	Size        int64
	SHA256      string
}

// ImportedReaction is one emoji and the keys of the users who reacted with it.
type ImportedReaction struct {
	Emoji string
	Users []string
}

// ImportedMessage is a message in the source. ParentKey is the key of the
// message it replies to (a thread), if any.
type ImportedMessage struct {
	Key       string
	ChatID    int64
	SenderKey string
	ParentKey string
	Content   string
	CreatedAt time.Time
	EditedAt  *time.Time
	Reactions []ImportedReaction
	Files     []ImportedFile
	// DeletedAt makes the message a tombstone (deleted at that time).
	DeletedAt *time.Time
}

// Known reports whether a message with this key was imported before
// (then the reader may skip reading its files).
func (h *History) Known(ctx context.Context, key string) (bool, error) {
	_, err := h.tx.ImportedID(ctx, h.ws, h.source, importMessage, key)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Message stores m unless it was imported before. Mentions are resolved
// from "@username" in its content, as for a sent message.
func (h *History) Message(ctx context.Context, m ImportedMessage) error {
	if known, err := h.Known(ctx, m.Key); err != nil || known {
		if known {
			h.Report.Existing++
		}
		return err
	}
	sender, ok := h.users[m.SenderKey]
	if !ok {
		h.Report.Skip("message from a user not in the export")
		return nil
	}
	files, err := h.files(ctx, sender, m.Files)
	if err != nil {
		return fmt.Errorf("message %s: %w", m.Key, err)
	}
	content := truncateRunes(stripRefused(normalizeNewlines(strings.ToValidUTF8(m.Content, "\uFFFD"))), maxContentRunes)
	if m.DeletedAt != nil {
		content, files = "(deleted)", nil
	}
	if len(files) == 0 && isBlank(content) {
		h.Report.Skip("empty message")
		return nil
	}
	msg := model.Message{ChatID: m.ChatID, SenderID: sender, Content: content, Attachments: files}
	if err := h.parent(ctx, &msg, m.ParentKey); err != nil {
		return err
	}
	if msg.Mentions, err = resolveMentions(ctx, h.tx, m.ChatID, sender, parseMentions(content)); err != nil {
		return err
	}
	if _, err := h.tx.CreateMessage(ctx, &msg); err != nil {
		return fmt.Errorf("message %s: %w", m.Key, err)
	}
	msg.CreatedAt = m.CreatedAt.UTC().Truncate(time.Microsecond)
	if m.EditedAt != nil {
		e := m.EditedAt.UTC().Truncate(time.Microsecond)
		msg.EditedAt = &e
	}
	if err := h.tx.SetMessageTimes(ctx, msg.ID, msg.CreatedAt, msg.EditedAt); err != nil {
		return err
	}
	if m.DeletedAt != nil {
		if err := h.tx.DeleteMessage(ctx, msg.ID, m.DeletedAt.UTC()); err != nil {
			return err
		}
		msg.Content, msg.Mentions, msg.Deleted, msg.DeletedAt = "", []int64{}, true, m.DeletedAt
	} else if err := h.reactions(ctx, msg.ID, m.Reactions); err != nil {
		return err
	}
	if err := h.tx.RecordImported(ctx, h.ws, h.source, importMessage, m.Key, msg.ID); err != nil {
		return err
	}
	h.Report.Messages++
	if msg.ReplyTo != nil {
		h.Report.Replies++
	}
	return recordEvent(ctx, h.tx, messageEvent(model.EventMessageCreated, msg.WorkspaceID, msg.ChatID, sender, msg))
}

// parent sets msg.ReplyTo from the parent's key; a parent that is not
// there makes msg a message of its own.
func (h *History) parent(ctx context.Context, msg *model.Message, key string) error {
	if key == "" {
		return nil
	}
	id, err := h.tx.ImportedID(ctx, h.ws, h.source, importMessage, key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		h.Report.Skip("thread parent not in the export (reply kept as a message)")
		return nil
	case err != nil:
		return err
	}
	msg.ReplyTo = &id
	return nil
}

// files creates the file rows of a message's attachments (once per key).
func (h *History) files(ctx context.Context, uploader int64, in []ImportedFile) ([]model.File, error) {
	var out []model.File
	for _, f := range in {
		if id, err := h.tx.ImportedID(ctx, h.ws, h.source, importFile, f.Key); err == nil {
			out = append(out, model.File{ID: id})
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return nil, err
		}
		name := truncateRunes(stripRefused(f.Name), 255)
		if strings.TrimSpace(name) == "" {
			name = "file"
		}
		ct := f.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		row := model.File{WorkspaceID: h.ws, UploaderID: uploader, Name: name, Size: f.Size, ContentType: ct, SHA256: f.SHA256}
		if err := h.tx.CreateFile(ctx, &row); err != nil {
			return nil, err
		}
		if err := h.tx.RecordImported(ctx, h.ws, h.source, importFile, f.Key, row.ID); err != nil {
			return nil, err
		}
		h.Report.Files++
		out = append(out, model.File{ID: row.ID})
	}
	return out, nil
}

// reactions adds the reactions of the users this import knows.
func (h *History) reactions(ctx context.Context, messageID int64, in []ImportedReaction) error {
	for _, r := range in {
		emoji := r.Emoji
		if validateReactionEmoji(emoji) != nil {
			emoji = ":" + strings.Trim(emoji, ":") + ":"
		}
		if validateReactionEmoji(emoji) != nil {
			h.Report.Skip("reaction with an emoji name this server does not accept")
			continue
		}
		for _, k := range r.Users {
			uid, ok := h.users[k]
			if !ok {
				h.Report.Skip("reaction by a user not in the export")
				continue
			}
			added, err := h.tx.AddReaction(ctx, messageID, uid, emoji)
			if err != nil {
				return err
			}
			if added {
				h.Report.Reactions++
			}
		}
	}
	return nil
}

// stripRefused drops the runes message text may not hold.
func stripRefused(s string) string {
	return strings.Map(func(r rune) rune {
		if refusedInContent(r) {
			return -1
		}
		return r
	}, s)
}

// truncateRunes keeps at most n runes of s.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// CreateImportWorkspace creates the workspace an import writes into, named
// name, with ownerID as its owner, inside tx, as the API would.
func CreateImportWorkspace(ctx context.Context, tx storage.Tx, ownerID int64, name string) (model.Workspace, error) {
	name, err := validateWorkspaceName("workspace", name)
	if err != nil {
		return model.Workspace{}, err
	}
	var s *Service // createWorkspaceTx reads no field of the service
	wr, err := s.createWorkspaceTx(ctx, tx, ownerID, name)
	return wr.Workspace, err
}
