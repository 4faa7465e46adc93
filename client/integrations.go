package client

import (
	"context"
	"net/http"

	"github.com/fechatter/fechatter/internal/model"
)

// CreatedBot is a new bot account with its API token, shown only now.
type CreatedBot struct {
	Bot   model.WorkspaceBot `json:"bot"`
	Token string             `json:"token"`
}

// IntegrationInput creates an incoming webhook (ChatID), an outgoing
// webhook (ChatIDs, URL, TriggerWords) or a slash command (Name, URL).
type IntegrationInput struct {
	Name         string   `json:"name,omitempty"`
	Description  string   `json:"description,omitempty"`
	ChatID       int64    `json:"chat_id,omitempty"`
	ChatIDs      []int64  `json:"chat_ids,omitempty"`
	TriggerWords []string `json:"trigger_words,omitempty"`
	URL          string   `json:"url,omitempty"`
	BotID        int64    `json:"bot_id,omitempty"`
}

// Integration kinds' collection paths under a workspace.
const (
	IncomingWebhooks = "/webhooks/incoming"
	OutgoingWebhooks = "/webhooks/outgoing"
	SlashCommands    = "/slash-commands"
)

// CreateBot creates a bot account with a first API token (admins).
func (c *Client) CreateBot(ctx context.Context, wsID int64, username, displayName string) (CreatedBot, error) {
	var out CreatedBot
	_, err := c.call(ctx, request{method: http.MethodPost, path: wsPath(wsID) + "/bots",
		body: map[string]string{"username": username, "display_name": displayName}}, &out)
	return out, err
}

// Bots lists the workspace's bot accounts and their tokens (admins).
func (c *Client) Bots(ctx context.Context, wsID int64) ([]model.WorkspaceBot, error) {
	var out struct {
		Bots []model.WorkspaceBot `json:"bots"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: wsPath(wsID) + "/bots"}, &out)
	return out.Bots, err
}

// DeleteBot revokes every token of a bot and removes it from the list.
func (c *Client) DeleteBot(ctx context.Context, wsID, botID int64) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: wsPath(wsID) + "/bots/" + id(botID)}, nil)
	return err
}

// CreateBotToken gives a bot another API token, returned only now.
func (c *Client) CreateBotToken(ctx context.Context, wsID, botID int64) (string, model.BotToken, error) {
	var out struct {
		Token string         `json:"token"`
		Info  model.BotToken `json:"info"`
	}
	_, err := c.call(ctx, request{method: http.MethodPost, path: wsPath(wsID) + "/bots/" + id(botID) + "/tokens"}, &out)
	return out.Token, out.Info, err
}

// RevokeBotToken revokes one bot token.
func (c *Client) RevokeBotToken(ctx context.Context, wsID, botID, tokenID int64) error {
	_, err := c.call(ctx, request{method: http.MethodDelete,
		path: wsPath(wsID) + "/bots/" + id(botID) + "/tokens/" + id(tokenID)}, nil)
	return err
}

// CreateIntegration adds an integration; kind is IncomingWebhooks,
// OutgoingWebhooks or SlashCommands.
func (c *Client) CreateIntegration(ctx context.Context, wsID int64, kind string, in IntegrationInput) (model.Integration, error) {
	var out model.Integration
	_, err := c.call(ctx, request{method: http.MethodPost, path: wsPath(wsID) + kind, body: in}, &out)
	return out, err
}

// Integrations lists the workspace's integrations of a kind.
func (c *Client) Integrations(ctx context.Context, wsID int64, kind string) ([]model.Integration, error) {
	var out struct {
		Integrations []model.Integration `json:"integrations"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: wsPath(wsID) + kind}, &out)
	return out.Integrations, err
}

// DeleteIntegration deletes one integration of a kind.
func (c *Client) DeleteIntegration(ctx context.Context, wsID int64, kind string, integrationID int64) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: wsPath(wsID) + kind + "/" + id(integrationID)}, nil)
	return err
}

// SlashCommand is a workspace's slash-command integration as members see it.
type SlashCommand struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Usage       string `json:"usage"`
}

// SlashCommands lists the slash-command integrations any member of a
// workspace can run (never their URL or secret).
func (c *Client) SlashCommands(ctx context.Context, wsID int64) ([]SlashCommand, error) {
	var out struct {
		Commands []SlashCommand `json:"commands"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: wsPath(wsID) + "/commands"}, &out)
	return out.Commands, err
}
