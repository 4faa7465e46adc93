package integ

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// IncomingPayload is what POST /hooks/{secret} accepts: Fechatter's own
// {text, username?, icon_url?}, or Slack's (text, attachments with text or
// fallback; blocks are ignored).
type IncomingPayload struct {
	Text        string            `json:"text"`
	Username    string            `json:"username"`
	IconURL     string            `json:"icon_url"`
	Attachments []slackAttachment `json:"attachments"`
	Blocks      json.RawMessage   `json:"blocks"`
}

// slackAttachment is the part of a Slack attachment that has text.
type slackAttachment struct {
	Pretext  string `json:"pretext"`
	Text     string `json:"text"`
	Fallback string `json:"fallback"`
}

// content is the message text of p: its text, then each attachment's
// pretext and text (or fallback), and the sender name in bold first when
// given (a message shows its bot's own name and avatar: icon_url is
// accepted and not shown).
func (p IncomingPayload) content() string {
	var parts []string
	if t := strings.TrimSpace(p.Text); t != "" {
		parts = append(parts, t)
	}
	for _, a := range p.Attachments {
		for _, t := range []string{a.Pretext, firstNonEmpty(a.Text, a.Fallback)} {
			if t = strings.TrimSpace(t); t != "" {
				parts = append(parts, t)
			}
		}
	}
	text := strings.Join(parts, "\n\n")
	if name := strings.TrimSpace(p.Username); name != "" && text != "" {
		text = "**" + strings.NewReplacer("*", "", "\n", " ").Replace(name) + "**\n" + text
	}
	return text
}

func firstNonEmpty(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// PostIncoming posts p into the channel of the incoming webhook whose
// secret is given, as its bot. An unknown or deleted secret is 404.
func (s *Service) PostIncoming(ctx context.Context, secret string, p IncomingPayload) (model.Message, error) {
	if secret == "" || len(secret) > 128 {
		return model.Message{}, apperr.NotFound("webhook")
	}
	hook, err := s.store.IntegrationBySecret(ctx, model.IntegrationIncoming, secret)
	if chat.IsNotFound(err) {
		return model.Message{}, apperr.NotFound("webhook")
	}
	if err != nil {
		return model.Message{}, fmt.Errorf("incoming webhook: %w", err)
	}
	text := p.content()
	if text == "" {
		return model.Message{}, apperr.Field("text", "is required (or attachments with text)")
	}
	m, _, err := s.chat.PostAsBot(ctx, hook.BotID, hook.ChatIDs[0], chat.SendMessageInput{Content: text})
	return m, err
}
