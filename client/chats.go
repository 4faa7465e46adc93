package client

import (
	"context"
	"net/http"

	"github.com/fechatter/fechatter/internal/model"
)

// Chats lists the chats the caller is a member of in a workspace, most
// recent activity first.
func (c *Client) Chats(ctx context.Context, wsID int64) ([]model.ChatSummary, error) {
	return c.chatList(ctx, wsPath(wsID)+"/chats")
}

// Channels lists the public channels of a workspace the caller can join.
func (c *Client) Channels(ctx context.Context, wsID int64) ([]model.ChatSummary, error) {
	return c.chatList(ctx, wsPath(wsID)+"/channels")
}

func (c *Client) chatList(ctx context.Context, path string) ([]model.ChatSummary, error) {
	var out struct {
		Chats []model.ChatSummary `json:"chats"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: path}, &out)
	for i := range out.Chats {
		fillSummary(&out.Chats[i])
	}
	return out.Chats, err
}

// CreateChat creates a chat; created is false when the server returned an
// existing direct chat with the same two people.
func (c *Client) CreateChat(ctx context.Context, wsID int64, in CreateChatInput) (chat model.ChatSummary, created bool, err error) {
	if in.MemberIDs == nil {
		in.MemberIDs = []int64{}
	}
	status, err := c.call(ctx, request{method: http.MethodPost, path: wsPath(wsID) + "/chats", body: in}, &chat)
	fillSummary(&chat)
	return chat, status == http.StatusCreated, err
}

// Chat returns one chat as the caller sees it.
func (c *Client) Chat(ctx context.Context, chatID int64) (model.ChatSummary, error) {
	var chat model.ChatSummary
	_, err := c.call(ctx, request{method: http.MethodGet, path: chatPath(chatID)}, &chat)
	fillSummary(&chat)
	return chat, err
}

// UpdateChat changes a chat's name or topic.
func (c *Client) UpdateChat(ctx context.Context, chatID int64, p ChatPatch) (model.ChatSummary, error) {
	var chat model.ChatSummary
	_, err := c.call(ctx, request{method: http.MethodPatch, path: chatPath(chatID), body: p}, &chat)
	fillSummary(&chat)
	return chat, err
}

// DeleteChat deletes a chat and its messages.
func (c *Client) DeleteChat(ctx context.Context, chatID int64) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: chatPath(chatID)}, nil)
	return err
}

// ChatMembers lists the members of a chat.
func (c *Client) ChatMembers(ctx context.Context, chatID int64) ([]model.ChatMember, error) {
	var out struct {
		Members []model.ChatMember `json:"members"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: chatPath(chatID) + "/members"}, &out)
	fillChatMembers(out.Members, chatID)
	return out.Members, err
}

// AddChatMembers adds people to a chat and returns its members.
func (c *Client) AddChatMembers(ctx context.Context, chatID int64, userIDs []int64) ([]model.ChatMember, error) {
	var out struct {
		Members []model.ChatMember `json:"members"`
	}
	body := map[string][]int64{"user_ids": userIDs}
	_, err := c.call(ctx, request{method: http.MethodPost, path: chatPath(chatID) + "/members", body: body}, &out)
	fillChatMembers(out.Members, chatID)
	return out.Members, err
}

// RemoveChatMember removes someone from a chat; removing oneself leaves it.
func (c *Client) RemoveChatMember(ctx context.Context, chatID, userID int64) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: chatPath(chatID) + "/members/" + id(userID)}, nil)
	return err
}

// JoinChat joins a public channel.
func (c *Client) JoinChat(ctx context.Context, chatID int64) (model.ChatSummary, error) {
	var chat model.ChatSummary
	_, err := c.call(ctx, request{method: http.MethodPost, path: chatPath(chatID) + "/join"}, &chat)
	fillSummary(&chat)
	return chat, err
}

// MarkRead moves the caller's read marker in a chat forward to seq.
func (c *Client) MarkRead(ctx context.Context, chatID, seq int64) error {
	body := map[string]int64{"seq": seq}
	_, err := c.call(ctx, request{method: http.MethodPost, path: chatPath(chatID) + "/read", body: body}, nil)
	return err
}

// Typing tells the chat's members that the caller is typing.
func (c *Client) Typing(ctx context.Context, chatID int64) error {
	_, err := c.call(ctx, request{method: http.MethodPost, path: chatPath(chatID) + "/typing"}, nil)
	return err
}

func chatPath(chatID int64) string { return "/api/chats/" + id(chatID) }

// fillSummary sets the fields the JSON form leaves out.
func fillSummary(s *model.ChatSummary) {
	if s.LastMessage != nil {
		fillMessage(s.LastMessage)
	}
}

func fillChatMembers(ms []model.ChatMember, chatID int64) {
	for i := range ms {
		ms[i].UserID = ms[i].User.ID
		if ms[i].ChatID == 0 {
			ms[i].ChatID = chatID
		}
	}
}
