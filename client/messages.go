package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fechatter/fechatter/internal/model"
)

// SendMessage posts a message; created is false when the server returned
// the message first sent with the same ClientID.
func (c *Client) SendMessage(ctx context.Context, chatID int64, in SendMessageInput) (msg model.Message, created bool, err error) {
	status, err := c.call(ctx, request{method: http.MethodPost, path: chatPath(chatID) + "/messages", body: in}, &msg)
	fillMessage(&msg)
	return msg, status == http.StatusCreated, err
}

// Messages returns one page of a chat's messages (or of one thread).
func (c *Client) Messages(ctx context.Context, chatID int64, q MessageQuery) (MessagePage, error) {
	var page MessagePage
	r := request{method: http.MethodGet, path: chatPath(chatID) + "/messages", query: q.values()}
	_, err := c.call(ctx, r, &page)
	for i := range page.Messages {
		fillMessage(&page.Messages[i])
	}
	return page, err
}

// Message returns one message.
func (c *Client) Message(ctx context.Context, chatID, msgID int64) (model.Message, error) {
	var m model.Message
	_, err := c.call(ctx, request{method: http.MethodGet, path: msgPath(chatID, msgID)}, &m)
	fillMessage(&m)
	return m, err
}

// EditMessage replaces the content of one of the caller's messages.
func (c *Client) EditMessage(ctx context.Context, chatID, msgID int64, content string) (model.Message, error) {
	var m model.Message
	body := map[string]string{"content": content}
	_, err := c.call(ctx, request{method: http.MethodPatch, path: msgPath(chatID, msgID), body: body}, &m)
	fillMessage(&m)
	return m, err
}

// DeleteMessage turns a message into a tombstone.
func (c *Client) DeleteMessage(ctx context.Context, chatID, msgID int64) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: msgPath(chatID, msgID)}, nil)
	return err
}

// React adds the caller's emoji reaction to a message (idempotent).
func (c *Client) React(ctx context.Context, chatID, msgID int64, emoji string) error {
	_, err := c.call(ctx, request{method: http.MethodPut, path: reactionPath(chatID, msgID, emoji)}, nil)
	return err
}

// Unreact removes the caller's emoji reaction from a message (idempotent).
func (c *Client) Unreact(ctx context.Context, chatID, msgID int64, emoji string) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: reactionPath(chatID, msgID, emoji)}, nil)
	return err
}

// Mentions lists messages that mention the caller, newest first; unreadOnly
// keeps those the caller has not read yet.
func (c *Client) Mentions(ctx context.Context, unreadOnly bool) ([]model.Message, error) {
	var out struct {
		Messages []model.Message `json:"messages"`
	}
	r := request{method: http.MethodGet, path: "/api/mentions"}
	if unreadOnly {
		r.query = url.Values{"unread": {"true"}}
	}
	_, err := c.call(ctx, r, &out)
	for i := range out.Messages {
		fillMessage(&out.Messages[i])
	}
	return out.Messages, err
}

func (q MessageQuery) values() url.Values {
	v := url.Values{}
	set := func(k string, n int64) {
		if n != 0 {
			v.Set(k, strconv.FormatInt(n, 10))
		}
	}
	set("before_seq", q.BeforeSeq)
	set("after_seq", q.AfterSeq)
	if q.FromStart && q.AfterSeq == 0 {
		v.Set("after_seq", "0")
	}
	set("limit", int64(q.Limit))
	set("thread", q.Thread)
	return v
}

func msgPath(chatID, msgID int64) string { return chatPath(chatID) + "/messages/" + id(msgID) }

func reactionPath(chatID, msgID int64, emoji string) string {
	return msgPath(chatID, msgID) + "/reactions/" + esc(emoji)
}

// fillMessage sets the fields the JSON form leaves out.
func fillMessage(m *model.Message) { m.SenderID = m.Sender.ID }
