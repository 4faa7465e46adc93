package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/telemetry"
	"github.com/fechatter/fechatter/storage"
)

// Page sizes of lists (API.md, "Conventions"), defined by storage: the
// default and the most one page holds.
const (
	DefaultPageLimit = storage.DefaultPageLimit
	MaxPageLimit     = storage.MaxPageLimit
)

// MessageQuery pages through one chat by seq. At most one of BeforeSeq and
// AfterSeq is set (non-nil); with neither, the newest Limit messages. A
// cursor of 0 is a cursor like any other, not "unset": AfterSeq 0 starts
// at the first message, BeforeSeq 0 is an empty page (seqs start at 1).
type MessageQuery struct {
	// BeforeSeq asks for the Limit messages just before this seq.
	BeforeSeq *int64
	// AfterSeq asks for the Limit messages just after this seq.
	AfterSeq *int64
	// Limit is the page size: 0 means DefaultPageLimit, more than
	// MaxPageLimit means MaxPageLimit.
	Limit int
	// Thread, when set, restricts the page to the replies of this root
	// message (the root not included).
	Thread int64
}

// SendMessageInput is a new message. ClientID, when set, makes the send
// idempotent: the same sender, chat and ClientID give the first message back.
// ReplyTo, when set, is the root message of the thread replied to.
type SendMessageInput struct {
	Content       string
	ClientID      string
	ReplyTo       int64
	AttachmentIDs []int64
}

// SendMessage posts a message to a chat userID is a member of. A retried
// ClientID returns the first message with created=false and records no
// event. Readers of a public channel must join it first (403).
func (s *Service) SendMessage(ctx context.Context, userID, chatID int64, in SendMessageInput) (model.Message, bool, error) {
	ctx, span := startUseCase(ctx, "SendMessage")
	defer span.End()
	in, err := checkSendInput(in)
	if err != nil {
		return model.Message{}, false, err
	}
	pm := parseMentions(in.Content)
	var (
		out     model.Message
		created bool
	)
	send := func(tx storage.Tx) error {
		var err error
		out, created, err = s.sendInTx(ctx, tx, userID, chatID, in, pm)
		return err
	}
	err = s.inTx(ctx, send)
	if errors.Is(err, storage.ErrConflict) {
		// A concurrent send with the same client id won the insert; this
		// attempt now finds its message.
		err = s.inTx(ctx, send)
	}
	if err != nil {
		return model.Message{}, false, err
	}
	if created {
		telemetry.MessagesSent.Inc()
	}
	return out, created, nil
}

// checkSendInput validates what can be checked without storage and
// returns in with its content as stored.
func checkSendInput(in SendMessageInput) (SendMessageInput, error) {
	errs := inputErrors{}
	content, err := normalizeMessageContent(in.Content, len(in.AttachmentIDs) > 0)
	errs.add("content", err)
	in.Content = content
	errs.add("client_id", validateClientID(in.ClientID))
	if in.ReplyTo < 0 {
		errs.add("reply_to", apperr.Field("reply_to", "must be a message id"))
	}
	if len(in.AttachmentIDs) > maxAttachments {
		errs.add("attachment_ids", apperr.Field("attachment_ids", fmt.Sprintf("at most %d files", maxAttachments)))
	}
	return in, errs.err()
}

// sendInTx is SendMessage's unit of work: check, store, record. The new
// message is completed from what was just written rather than read back, to
// keep the chat's seq lock (held from CreateMessage to commit) short.
func (s *Service) sendInTx(ctx context.Context, tx storage.Tx, userID, chatID int64, in SendMessageInput, pm parsedMentions) (model.Message, bool, error) {
	a, err := writableChat(ctx, tx, chatID, userID)
	if err != nil {
		return model.Message{}, false, err
	}
	m, err := s.draftMessage(ctx, tx, a.Chat, userID, in, pm)
	if err != nil {
		return model.Message{}, false, err
	}
	// CreateMessage reads the sender with the insert (storage's contract,
	// checked by the conformance tests): no separate read here.
	created, err := tx.CreateMessage(ctx, &m)
	if err != nil {
		return model.Message{}, false, fmt.Errorf("create message: %w", err)
	}
	if !created {
		return m, false, nil // storage filled in the first message, hydrated
	}
	completeNewMessage(&m, m.Sender)
	err = s.record(ctx, tx, messageEvent(model.EventMessageCreated, a.Chat.WorkspaceID, chatID, userID, m))
	return m, true, err
}

// completeNewMessage fills the hydrated fields of a message just created:
// its sender, and empty lists where it has nothing yet.
func completeNewMessage(m *model.Message, sender model.User) {
	m.Sender = sender
	if m.Attachments == nil {
		m.Attachments = []model.File{}
	}
	if m.Reactions == nil {
		m.Reactions = []model.ReactionCount{}
	}
	if m.Mentions == nil {
		m.Mentions = []int64{}
	}
}

// draftMessage resolves a message's thread root, attachments and mentions.
func (s *Service) draftMessage(ctx context.Context, tx storage.Tx, c model.Chat, userID int64, in SendMessageInput, pm parsedMentions) (model.Message, error) {
	m := model.Message{ChatID: c.ID, WorkspaceID: c.WorkspaceID, SenderID: userID, Content: in.Content, ClientID: in.ClientID}
	if in.ReplyTo > 0 {
		if err := checkThreadRoot(ctx, tx, userID, c.ID, in.ReplyTo); err != nil {
			return m, err
		}
		root := in.ReplyTo
		m.ReplyTo = &root
	}
	files, err := resolveAttachments(ctx, tx, c.WorkspaceID, userID, in.AttachmentIDs)
	if err != nil {
		return m, err
	}
	m.Attachments = files
	m.Mentions, err = resolveMentions(ctx, tx, c.ID, userID, pm)
	return m, err
}

// checkThreadRoot accepts only a live root message of the same chat as the
// target of a reply. Replies to replies are refused rather than silently
// re-attached, so the client shows what was stored.
func checkThreadRoot(ctx context.Context, tx storage.Tx, userID, chatID, rootID int64) error {
	root, err := tx.Message(ctx, userID, chatID, rootID)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return apperr.Field("reply_to", "must be a message in this chat")
	case err != nil:
		return fmt.Errorf("load thread root: %w", err)
	case root.Deleted:
		return apperr.Field("reply_to", "cannot reply to a deleted message")
	case root.ReplyTo != nil:
		return apperr.Field("reply_to", "must be the first message of a thread, not a reply")
	}
	return nil
}

// resolveAttachments loads the files to attach: each must exist, belong to
// the chat's workspace and have been uploaded by the sender.
func resolveAttachments(ctx context.Context, tx storage.Tx, wsID, userID int64, ids []int64) ([]model.File, error) {
	bad := apperr.Field("attachment_ids", "must be files you uploaded to this workspace")
	uniq := slices.Compact(slices.Sorted(slices.Values(ids)))
	files := make([]model.File, 0, len(uniq))
	for _, id := range uniq {
		if id <= 0 {
			return nil, bad
		}
		f, err := tx.FileByID(ctx, id)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			return nil, bad
		case err != nil:
			return nil, fmt.Errorf("load attachment: %w", err)
		case f.WorkspaceID != wsID || f.UploaderID != userID:
			return nil, bad
		}
		files = append(files, f)
	}
	return files, nil
}

// resolveMentions turns parsed mentions into the ids of chat members,
// ascending, never the sender. @channel and @here name every member.
func resolveMentions(ctx context.Context, tx storage.Tx, chatID, senderID int64, pm parsedMentions) ([]int64, error) {
	var ids []int64
	switch {
	case pm.All:
		members, err := tx.ListChatMembers(ctx, chatID)
		if err != nil {
			return nil, fmt.Errorf("list chat members: %w", err)
		}
		for _, m := range members {
			ids = append(ids, m.UserID)
		}
	case len(pm.Usernames) > 0:
		var err error
		ids, err = tx.ChatMemberIDsByUsername(ctx, chatID, pm.Usernames)
		if err != nil {
			return nil, fmt.Errorf("resolve mentions: %w", err)
		}
	}
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id != senderID {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Messages returns a page of a chat's messages in ascending seq and whether
// more exist in the paging direction (see MessageQuery). Thread restricts
// the page to the replies of one root message.
func (s *Service) Messages(ctx context.Context, userID, chatID int64, q MessageQuery) ([]model.Message, bool, error) {
	q, err := normalizeMessageQuery(q)
	if err != nil {
		return nil, false, err
	}
	if _, err := readableChat(ctx, s.store, chatID, userID); err != nil {
		return nil, false, err
	}
	if q.Thread > 0 {
		if _, err := s.store.Message(ctx, userID, chatID, q.Thread); err != nil {
			return nil, false, chatStoreErr(err, "load thread root", "message", "")
		}
	}
	list, more, err := s.store.ListMessages(ctx, userID, chatID, storage.MessageQuery(q))
	if err != nil {
		return nil, false, chatStoreErr(err, "list messages", "chat", "")
	}
	return nonNilMessages(list), more, nil
}

// normalizeMessageQuery checks the cursors and applies the default and
// maximum page size.
func normalizeMessageQuery(q MessageQuery) (MessageQuery, error) {
	errs := inputErrors{}
	if q.BeforeSeq != nil && *q.BeforeSeq < 0 {
		errs.add("before_seq", apperr.Field("before_seq", "must not be negative"))
	}
	if q.AfterSeq != nil && *q.AfterSeq < 0 {
		errs.add("after_seq", apperr.Field("after_seq", "must not be negative"))
	}
	if q.BeforeSeq != nil && q.AfterSeq != nil {
		errs.add("after_seq", apperr.Field("after_seq", "use before_seq or after_seq, not both"))
	}
	if q.Thread < 0 {
		errs.add("thread", apperr.Field("thread", "must be a message id"))
	}
	limit, err := pageLimit(q.Limit)
	errs.add("limit", err)
	q.Limit = limit
	return q, errs.err()
}

// pageLimit applies the list size rules (storage.PageLimit) to a limit
// that is not negative.
func pageLimit(limit int) (int, error) {
	if limit < 0 {
		return 0, apperr.Field("limit", "must not be negative")
	}
	return storage.PageLimit(limit), nil
}

// Message returns one message of a chat userID can read.
func (s *Service) Message(ctx context.Context, userID, chatID, msgID int64) (model.Message, error) {
	if _, err := readableChat(ctx, s.store, chatID, userID); err != nil {
		return model.Message{}, err
	}
	m, err := s.store.Message(ctx, userID, chatID, msgID)
	if err != nil {
		return model.Message{}, chatStoreErr(err, "load message", "message", "")
	}
	return m, nil
}

// loadChatMessage returns one message inside tx; 404 when it is not there.
func loadChatMessage(ctx context.Context, tx storage.Tx, userID, chatID, msgID int64) (model.Message, error) {
	if msgID <= 0 {
		return model.Message{}, apperr.NotFound("message")
	}
	m, err := tx.Message(ctx, userID, chatID, msgID)
	if err != nil {
		return model.Message{}, chatStoreErr(err, "load message", "message", "")
	}
	return m, nil
}

// senderOf returns the id of a message's sender.
func senderOf(m model.Message) int64 {
	if m.SenderID != 0 {
		return m.SenderID
	}
	return m.Sender.ID
}

// EditMessage replaces a message's text (sender only, 403; a deleted
// message cannot be edited, 409), recomputes its mentions and sets its edit
// time.
func (s *Service) EditMessage(ctx context.Context, userID, chatID, msgID int64, content string) (model.Message, error) {
	ctx, span := startUseCase(ctx, "EditMessage")
	defer span.End()
	var out model.Message
	err := s.inTx(ctx, func(tx storage.Tx) error {
		a, err := readableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		if a.Chat.ArchivedAt != nil {
			return errArchived()
		}
		m, err := loadChatMessage(ctx, tx, userID, chatID, msgID)
		if err != nil {
			return err
		}
		content, err := checkEditable(a, m, userID, content)
		if err != nil {
			return err
		}
		mentions, err := resolveMentions(ctx, tx, chatID, userID, parseMentions(content))
		if err != nil {
			return err
		}
		if err := tx.EditMessage(ctx, msgID, content, mentions, s.now()); err != nil {
			return chatStoreErr(err, "edit message", "message", "")
		}
		out, err = loadChatMessage(ctx, tx, userID, chatID, msgID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, messageEvent(model.EventMessageUpdated, a.Chat.WorkspaceID, chatID, userID, out))
	})
	return out, err
}

// checkEditable applies the edit rules to message m and returns the new
// content as stored (the send rules: normalizeMessageContent).
func checkEditable(a storage.ChatAccess, m model.Message, userID int64, content string) (string, error) {
	switch {
	case senderOf(m) != userID:
		return "", apperr.Forbidden("only the sender can edit a message")
	case !a.IsMember():
		return "", errJoinFirst()
	case m.Deleted:
		return "", apperr.Conflict("the message was deleted")
	}
	return normalizeMessageContent(content, len(m.Attachments) > 0)
}

// DeleteMessage turns a message into a tombstone (it keeps its id and seq).
// The sender, a chat admin or a workspace admin may; deleting a tombstone
// again changes nothing.
func (s *Service) DeleteMessage(ctx context.Context, userID, chatID, msgID int64) error {
	ctx, span := startUseCase(ctx, "DeleteMessage")
	defer span.End()
	return s.inTx(ctx, func(tx storage.Tx) error {
		a, err := readableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		m, err := loadChatMessage(ctx, tx, userID, chatID, msgID)
		if err != nil || m.Deleted {
			return err
		}
		if senderOf(m) != userID && !isChatAdmin(a) {
			return apperr.Forbidden("only the sender or an admin can delete a message")
		}
		if err := tx.DeleteMessage(ctx, msgID, s.now()); err != nil {
			return chatStoreErr(err, "delete message", "message", "")
		}
		tomb, err := loadChatMessage(ctx, tx, userID, chatID, msgID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, messageEvent(model.EventMessageDeleted, a.Chat.WorkspaceID, chatID, userID, tomb))
	})
}

// nonNilMessages makes an empty list encode as [] rather than null.
func nonNilMessages(list []model.Message) []model.Message {
	if list == nil {
		return []model.Message{}
	}
	return list
}
