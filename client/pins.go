package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fechatter/fechatter/internal/model"
)

// ArchiveChat archives (archive=true) or unarchives a channel.
func (c *Client) ArchiveChat(ctx context.Context, chatID int64, archive bool) (model.ChatSummary, error) {
	method := http.MethodPut
	if !archive {
		method = http.MethodDelete
	}
	var chat model.ChatSummary
	_, err := c.call(ctx, request{method: method, path: chatPath(chatID) + "/archive"}, &chat)
	fillSummary(&chat)
	return chat, err
}

// SetChatMemberRole makes a channel member "admin" or "member".
func (c *Client) SetChatMemberRole(ctx context.Context, chatID, userID int64, role model.ChatRole) (model.ChatMember, error) {
	var m model.ChatMember
	body := map[string]model.ChatRole{"role": role}
	_, err := c.call(ctx, request{method: http.MethodPatch, path: chatPath(chatID) + "/members/" + id(userID), body: body}, &m)
	m.UserID = m.User.ID
	return m, err
}

// Pins lists a chat's pinned messages, most recently pinned first.
func (c *Client) Pins(ctx context.Context, chatID int64) ([]model.Message, error) {
	return c.messageList(ctx, request{method: http.MethodGet, path: chatPath(chatID) + "/pins"})
}

// PinMessage pins (pin=true) or unpins a message.
func (c *Client) PinMessage(ctx context.Context, chatID, msgID int64, pin bool) error {
	return c.putOrDelete(ctx, chatPath(chatID)+"/messages/"+id(msgID)+"/pin", pin)
}

// SaveMessage adds a message to the caller's saved messages (save=true) or
// removes it.
func (c *Client) SaveMessage(ctx context.Context, chatID, msgID int64, save bool) error {
	return c.putOrDelete(ctx, chatPath(chatID)+"/messages/"+id(msgID)+"/saved", save)
}

// SavedMessages lists the caller's saved messages, most recently saved
// first; limit 0 is the server's default.
func (c *Client) SavedMessages(ctx context.Context, limit int) ([]model.Message, error) {
	r := request{method: http.MethodGet, path: "/api/me/saved"}
	if limit > 0 {
		r.query = url.Values{"limit": {strconv.Itoa(limit)}}
	}
	return c.messageList(ctx, r)
}

func (c *Client) putOrDelete(ctx context.Context, path string, put bool) error {
	method := http.MethodPut
	if !put {
		method = http.MethodDelete
	}
	_, err := c.call(ctx, request{method: method, path: path}, nil)
	return err
}

func (c *Client) messageList(ctx context.Context, r request) ([]model.Message, error) {
	var out struct {
		Messages []model.Message `json:"messages"`
	}
	_, err := c.call(ctx, r, &out)
	for i := range out.Messages {
		fillMessage(&out.Messages[i])
	}
	return out.Messages, err
}
