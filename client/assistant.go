package client

import (
	"context"
	"net/http"
	"strconv"
)

// Assistant is a workspace's assistant (GET /api/workspaces/{ws}/assistant).
type Assistant struct {
	Enabled      bool               `json:"enabled"`
	Configured   bool               `json:"configured"`
	TurnedOn     bool               `json:"turned_on"`
	Model        string             `json:"model"`
	SystemPrompt string             `json:"system_prompt"`
	Username     string             `json:"username"`
	UserID       int64              `json:"user_id"`
	Commands     []AssistantCommand `json:"commands"`
}

// AssistantCommand is a built-in or custom command of the assistant.
type AssistantCommand struct {
	ID          int64  `json:"id,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Usage       string `json:"usage,omitempty"`
	Template    string `json:"template,omitempty"`
	BuiltIn     bool   `json:"built_in,omitempty"`
}

// AssistantPatch changes a workspace's assistant; nil fields stay.
type AssistantPatch struct {
	Enabled      *bool   `json:"enabled,omitempty"`
	SystemPrompt *string `json:"system_prompt,omitempty"`
}

func assistantPath(wsID int64) string { return wsPath(wsID) + "/assistant" }

// Assistant returns the workspace's assistant.
func (c *Client) Assistant(ctx context.Context, wsID int64) (Assistant, error) {
	var a Assistant
	_, err := c.call(ctx, request{method: http.MethodGet, path: assistantPath(wsID)}, &a)
	return a, err
}

// UpdateAssistant turns the assistant on or off and sets its system
// prompt (admins).
func (c *Client) UpdateAssistant(ctx context.Context, wsID int64, p AssistantPatch) (Assistant, error) {
	var a Assistant
	_, err := c.call(ctx, request{method: http.MethodPatch, path: assistantPath(wsID), body: p}, &a)
	return a, err
}

// AssistantCommands lists the assistant's commands, built-in first.
func (c *Client) AssistantCommands(ctx context.Context, wsID int64) ([]AssistantCommand, error) {
	var out struct {
		Commands []AssistantCommand `json:"commands"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: assistantPath(wsID) + "/commands"}, &out)
	return out.Commands, err
}

// CreateAssistantCommand adds a custom command (admins); only Name,
// Description and Template are sent.
func (c *Client) CreateAssistantCommand(ctx context.Context, wsID int64, in AssistantCommand) (AssistantCommand, error) {
	var out AssistantCommand
	body := map[string]string{"name": in.Name, "description": in.Description, "template": in.Template}
	_, err := c.call(ctx, request{method: http.MethodPost, path: assistantPath(wsID) + "/commands", body: body}, &out)
	return out, err
}

// UpdateAssistantCommand replaces a custom command (admins).
func (c *Client) UpdateAssistantCommand(ctx context.Context, wsID, id int64, in AssistantCommand) (AssistantCommand, error) {
	var out AssistantCommand
	body := map[string]string{"name": in.Name, "description": in.Description, "template": in.Template}
	path := assistantPath(wsID) + "/commands/" + strconv.FormatInt(id, 10)
	_, err := c.call(ctx, request{method: http.MethodPatch, path: path, body: body}, &out)
	return out, err
}

// DeleteAssistantCommand deletes a custom command (admins).
func (c *Client) DeleteAssistantCommand(ctx context.Context, wsID, id int64) error {
	path := assistantPath(wsID) + "/commands/" + strconv.FormatInt(id, 10)
	_, err := c.call(ctx, request{method: http.MethodDelete, path: path}, nil)
	return err
}
