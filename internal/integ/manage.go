package integ

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// Input is a new integration as an admin describes it.
type Input struct {
	Name        string
	Description string
	// ChatIDs: the incoming webhook's one channel, or the channels an
	// outgoing webhook listens to.
	ChatIDs      []int64
	TriggerWords []string
	// URL an outgoing webhook or a slash command POSTs to.
	URL string
	// BotID is the workspace bot account to post as; 0 posts as the
	// "integrations" bot.
	BotID int64
}

// Limits of an integration's description.
const (
	maxChats        = 50
	maxTriggerWords = 20
	maxWordLen      = 64
	maxNameLen      = 64
	maxURLLen       = 2048
)

// builtinCommands are the assistant's own commands, which an integration
// may not take (bot.builtins).
var builtinCommands = []string{"ask", "summarize", "translate", "help"}

// Create adds an integration of kind to a workspace (admins only).
func (s *Service) Create(ctx context.Context, actorID, wsID int64, kind model.IntegrationKind, in Input) (model.Integration, error) {
	if err := s.chat.RequireWorkspaceAdmin(ctx, actorID, wsID, "manage integrations"); err != nil {
		return model.Integration{}, err
	}
	it := model.Integration{WorkspaceID: wsID, Kind: kind, Name: strings.TrimSpace(in.Name),
		Description: strings.TrimSpace(in.Description), ChatIDs: in.ChatIDs, TriggerWords: []string{}, CreatedBy: actorID}
	if err := s.validate(ctx, actorID, &it, in); err != nil {
		return model.Integration{}, err
	}
	botID, err := s.botFor(ctx, wsID, in.BotID)
	if err != nil {
		return model.Integration{}, err
	}
	it.BotID, it.Secret = botID, newSecret()
	if err := s.store.CreateIntegration(ctx, &it); err != nil {
		if chat.IsConflict(err) {
			return model.Integration{}, apperr.Conflict(fmt.Sprintf("the workspace already has a command /%s", it.Name))
		}
		return model.Integration{}, fmt.Errorf("create integration: %w", err)
	}
	return s.view(it), nil
}

// validate checks in for its kind and fills it.
func (s *Service) validate(ctx context.Context, actorID int64, it *model.Integration, in Input) error {
	if len([]rune(it.Name)) > maxNameLen || len([]rune(it.Description)) > 500 {
		return apperr.Field("name", "must be at most 64 characters (description: 500)")
	}
	switch it.Kind {
	case model.IntegrationIncoming:
		if len(in.ChatIDs) != 1 {
			return apperr.Field("chat_id", "name the one channel the webhook posts into")
		}
		return s.checkChannels(ctx, actorID, it.WorkspaceID, in.ChatIDs)
	case model.IntegrationOutgoing:
		if len(in.ChatIDs) == 0 || len(in.ChatIDs) > maxChats {
			return apperr.Field("chat_ids", fmt.Sprintf("name 1 to %d channels", maxChats))
		}
		words, err := triggerWords(in.TriggerWords)
		if err != nil {
			return err
		}
		it.TriggerWords = words
		if err := s.checkChannels(ctx, actorID, it.WorkspaceID, in.ChatIDs); err != nil {
			return err
		}
		it.URL, err = s.checkURL(in.URL)
		return err
	case model.IntegrationCommand:
		it.ChatIDs = []int64{}
		it.Name = strings.ToLower(strings.TrimPrefix(it.Name, "/"))
		if err := s.checkCommandName(ctx, it.WorkspaceID, it.Name); err != nil {
			return err
		}
		var err error
		it.URL, err = s.checkURL(in.URL)
		return err
	}
	return apperr.NotFound("integration kind")
}

// checkChannels refuses chats that are not channels of the workspace the
// admin can read: direct and group chats never send to integrations.
func (s *Service) checkChannels(ctx context.Context, actorID, wsID int64, ids []int64) error {
	for _, id := range ids {
		c, err := s.chat.Chat(ctx, actorID, id)
		if err != nil || c.WorkspaceID != wsID {
			return apperr.Field("chat_ids", fmt.Sprintf("chat %d is not a chat of this workspace you can read", id))
		}
		if c.Type != model.ChatPublicChannel && c.Type != model.ChatPrivateChannel {
			return apperr.Field("chat_ids", fmt.Sprintf("chat %d is not a channel: integrations never see direct or group chats", id))
		}
	}
	return nil
}

// checkURL accepts an http(s) URL that the SSRF policy does not refuse
// outright (names are checked again when dialled).
func (s *Service) checkURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if raw == "" || len(raw) > maxURLLen || err != nil {
		return "", apperr.Field("url", "must be an http:// or https:// URL")
	}
	if err := s.cfg.Policy.CheckURL(u); err != nil {
		return "", apperr.Field("url", "refused: "+err.Error())
	}
	return u.String(), nil
}

// checkCommandName refuses a malformed name and those of the assistant's
// built-in and custom commands, so that one message never fires both.
func (s *Service) checkCommandName(ctx context.Context, wsID int64, name string) error {
	if !chat.ValidCommandName(name) {
		return apperr.Field("name", "must be 1 to 32 of a-z, 0-9, '-' and '_', starting with a letter")
	}
	if slices.Contains(builtinCommands, name) {
		return apperr.Conflict(fmt.Sprintf("/%s is a built-in assistant command", name))
	}
	custom, err := s.store.AssistantCommands(ctx, wsID)
	if err != nil {
		return fmt.Errorf("assistant commands: %w", err)
	}
	for _, c := range custom {
		if c.Name == name {
			return apperr.Conflict(fmt.Sprintf("/%s is a custom assistant command", name))
		}
	}
	return nil
}

// IsCommand reports whether a workspace has a slash-command integration
// of that name: the assistant's command management refuses it.
func (s *Service) IsCommand(ctx context.Context, wsID int64, name string) (bool, error) {
	_, ok, err := s.command(ctx, wsID, name)
	return ok, err
}

// triggerWords normalises the trigger words: trimmed, lower case, distinct.
func triggerWords(in []string) ([]string, error) {
	out := []string{}
	if len(in) > maxTriggerWords {
		return nil, apperr.Field("trigger_words", fmt.Sprintf("at most %d", maxTriggerWords))
	}
	for _, w := range in {
		w = strings.ToLower(strings.TrimSpace(w))
		if w == "" || len(w) > maxWordLen || strings.ContainsAny(w, " \t\r\n") {
			return nil, apperr.Field("trigger_words", "each must be one word of 1 to 64 characters")
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out, nil
}

// botFor returns the bot an integration posts as: a bot account of the
// workspace, or the workspace's "integrations" bot.
func (s *Service) botFor(ctx context.Context, wsID, botID int64) (int64, error) {
	if botID != 0 {
		b, err := s.chat.WorkspaceBot(ctx, wsID, botID)
		if err != nil {
			return 0, apperr.Field("bot_id", "is not a bot account of this workspace")
		}
		return b.User.ID, nil
	}
	b, err := s.chat.EnsureBot(ctx, wsID, DefaultBotUsername, DefaultBotName)
	if err != nil {
		return 0, err
	}
	return b.ID, nil
}

// List returns a workspace's integrations of kind (admins only).
func (s *Service) List(ctx context.Context, actorID, wsID int64, kind model.IntegrationKind) ([]model.Integration, error) {
	if err := s.chat.RequireWorkspaceAdmin(ctx, actorID, wsID, "manage integrations"); err != nil {
		return nil, err
	}
	list, err := s.store.Integrations(ctx, wsID, kind)
	if err != nil {
		return nil, fmt.Errorf("integrations: %w", err)
	}
	for i := range list {
		list[i] = s.view(list[i])
	}
	return list, nil
}

// Delete removes one integration (admins only); an incoming webhook's URL
// stops working at once, deliveries still queued for an outgoing webhook
// are dropped.
func (s *Service) Delete(ctx context.Context, actorID, wsID int64, kind model.IntegrationKind, id int64) error {
	if err := s.chat.RequireWorkspaceAdmin(ctx, actorID, wsID, "manage integrations"); err != nil {
		return err
	}
	err := s.store.DeleteIntegration(ctx, wsID, kind, id)
	if chat.IsNotFound(err) {
		return apperr.NotFound("integration")
	}
	return err
}

// view is what admins see: an incoming webhook's URL is built from the
// public URL and its secret.
func (s *Service) view(it model.Integration) model.Integration {
	if it.Kind == model.IntegrationIncoming {
		it.URL = s.cfg.PublicURL() + "hooks/" + it.Secret
	}
	return it
}

// newSecret returns 32 random bytes in base64url.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}
