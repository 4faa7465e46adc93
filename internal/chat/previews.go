package chat

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// maxPreviewURL bounds the links previewed; longer ones are skipped.
const maxPreviewURL = 2048

var (
	linkPattern = regexp.MustCompile("https?://[^\\s<>\"'`]+")
	codePattern = regexp.MustCompile("(?s)```.*?```|`[^`\n]*`")
)

// FirstLink returns the first http(s) link of a message's text outside
// code spans and blocks, without trailing punctuation, or "" for none.
func FirstLink(content string) string {
	text := codePattern.ReplaceAllString(content, " ")
	for _, raw := range linkPattern.FindAllString(text, -1) {
		raw = trimLinkEnd(raw)
		if len(raw) > maxPreviewURL {
			continue
		}
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" && u.User == nil {
			return u.String()
		}
	}
	return ""
}

// trimLinkEnd drops sentence punctuation after a link, and a closing
// parenthesis that does not close one opened inside it (a Markdown link).
func trimLinkEnd(s string) string {
	for s != "" {
		last := s[len(s)-1]
		switch {
		case strings.IndexByte(".,;:!?'\"]}*_~>", last) >= 0:
			s = s[:len(s)-1]
		case last == ')' && strings.Count(s, "(") < strings.Count(s, ")"):
			s = s[:len(s)-1]
		default:
			return s
		}
	}
	return s
}

// AttachPreview makes a message show the cached preview of link, when
// link is still its first link (it may have been edited since) and it was
// not deleted, and tells the chat with message.updated when what readers
// see changed. Run by the link preview worker, not on behalf of a user
// (the sender is the viewer the message is read as); a message that is
// gone, or whose sender can no longer read it, is no error.
func (s *Service) AttachPreview(ctx context.Context, senderID, chatID, msgID int64, link string) error {
	return s.changePreview(ctx, senderID, chatID, msgID, func(tx storage.Tx, m model.Message) error {
		if m.Deleted || FirstLink(m.Content) != link {
			return nil
		}
		return tx.SetMessagePreview(ctx, msgID, link)
	})
}

// DetachPreview drops a message's preview when its text no longer has a
// link (after an edit), telling the chat if one was shown.
func (s *Service) DetachPreview(ctx context.Context, senderID, chatID, msgID int64) error {
	return s.changePreview(ctx, senderID, chatID, msgID, func(tx storage.Tx, m model.Message) error {
		if FirstLink(m.Content) != "" {
			return nil
		}
		return tx.ClearMessagePreview(ctx, msgID)
	})
}

// changePreview runs change on a message in one transaction and, when the
// preview readers see changed, records message.updated with the message
// as it is now. The sender is the actor: the preview belongs to their
// message.
func (s *Service) changePreview(ctx context.Context, senderID, chatID, msgID int64, change func(storage.Tx, model.Message) error) error {
	return s.inTx(ctx, func(tx storage.Tx) error {
		m, err := tx.Message(ctx, senderID, chatID, msgID)
		if err != nil {
			return ignoreNotFound(err)
		}
		if err := change(tx, m); err != nil {
			return err
		}
		after, err := tx.Message(ctx, senderID, chatID, msgID)
		if err != nil {
			return err
		}
		if senderOf(m) != senderID || samePreview(m.Preview, after.Preview) {
			return nil
		}
		return s.record(ctx, tx, messageEvent(model.EventMessageUpdated, m.WorkspaceID, chatID, senderOf(m), after))
	})
}

func samePreview(a, b *model.LinkPreview) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func ignoreNotFound(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	return err
}

// RemovePreview hides a message's link preview for good (later edits do
// not bring it back). Only the message's sender may (403); removing twice
// changes nothing.
func (s *Service) RemovePreview(ctx context.Context, userID, chatID, msgID int64) error {
	ctx, span := startUseCase(ctx, "RemovePreview")
	defer span.End()
	return s.inTx(ctx, func(tx storage.Tx) error {
		a, err := readableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		m, err := loadChatMessage(ctx, tx, userID, chatID, msgID)
		if err != nil {
			return err
		}
		if senderOf(m) != userID {
			return apperr.Forbidden("only the sender can remove a message's preview")
		}
		if m.Deleted {
			return apperr.Conflict("the message was deleted")
		}
		if err := tx.RemoveMessagePreview(ctx, msgID); err != nil {
			return chatStoreErr(err, "remove preview", "message", "")
		}
		if m.Preview == nil {
			return nil
		}
		after, err := loadChatMessage(ctx, tx, userID, chatID, msgID)
		if err != nil {
			return err
		}
		return s.record(ctx, tx, messageEvent(model.EventMessageUpdated, a.Chat.WorkspaceID, chatID, userID, after))
	})
}

// PreviewSettings returns a workspace's link and notification preview
// switches to any member.
func (s *Service) PreviewSettings(ctx context.Context, userID, wsID int64) (model.PreviewSettings, error) {
	if _, err := workspaceRoleOf(ctx, s.store, wsID, userID); err != nil {
		return model.PreviewSettings{}, err
	}
	return s.store.PreviewSettings(ctx, wsID)
}

// PreviewSettingsPatch changes the switches that are set.
type PreviewSettingsPatch struct {
	LinkPreviews         *bool `json:"link_previews"`
	NotificationPreviews *bool `json:"notification_previews"`
}

// SetPreviewSettings changes a workspace's preview switches (admins and
// owners, 403 for others).
func (s *Service) SetPreviewSettings(ctx context.Context, userID, wsID int64, p PreviewSettingsPatch) (model.PreviewSettings, error) {
	if err := s.requireAdmin(ctx, userID, wsID, "change preview settings"); err != nil {
		return model.PreviewSettings{}, err
	}
	var out model.PreviewSettings
	err := s.inTx(ctx, func(tx storage.Tx) error {
		cur, err := tx.PreviewSettings(ctx, wsID)
		if err != nil {
			return err
		}
		if p.LinkPreviews != nil {
			cur.LinkPreviews = *p.LinkPreviews
		}
		if p.NotificationPreviews != nil {
			cur.NotificationPreviews = *p.NotificationPreviews
		}
		out = cur
		return tx.PutPreviewSettings(ctx, cur)
	})
	return out, err
}
