package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// chatCreate is the body of POST /api/workspaces/{ws}/chats.
type chatCreate struct {
	Type      model.ChatType `json:"type"`
	Name      string         `json:"name"`
	Topic     string         `json:"topic"`
	MemberIDs []int64        `json:"member_ids"`
}

// chatPatch is the body of PATCH /api/chats/{chat}.
type chatPatch struct {
	Name        *string `json:"name"`
	Topic       *string `json:"topic"`
	Description *string `json:"description"`
}

// readMarker is the body of POST /api/chats/{chat}/read.
type readMarker struct {
	Seq *int64 `json:"seq"`
}

func (s *server) chatRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/workspaces/:ws/chats", handle: s.listChats, doc: doc{
			tag: "chats", summary: "Chats the caller is a member of, most recent activity first",
			status: http.StatusOK, result: "ChatList",
		}},
		{method: http.MethodGet, path: "/api/workspaces/:ws/channels", handle: s.listChannels, doc: doc{
			tag: "chats", summary: "Public channels the caller can join", status: http.StatusOK, result: "ChatList",
		}},
		{method: http.MethodPost, path: "/api/workspaces/:ws/chats", handle: s.createChat, doc: doc{
			tag: "chats", summary: "Create a chat; an existing direct chat is returned with 200",
			body: "ChatCreate", status: http.StatusCreated, result: "Chat",
			alt: http.StatusOK, altWhy: "The direct chat with these members already existed.",
			errors: []int{http.StatusForbidden, http.StatusConflict},
		}},
		{method: http.MethodGet, path: "/api/chats/:chat", handle: s.getChat, doc: doc{
			tag: "chats", summary: "One chat", status: http.StatusOK, result: "Chat",
		}},
		{method: http.MethodPatch, path: "/api/chats/:chat", handle: s.updateChat, doc: doc{
			tag: "chats", summary: "Change a chat's name, topic or description", body: "ChatPatch",
			status: http.StatusOK, result: "Chat", errors: []int{http.StatusForbidden, http.StatusConflict},
		}},
		{method: http.MethodDelete, path: "/api/chats/:chat", handle: s.deleteChat, doc: doc{
			tag: "chats", summary: "Delete a chat", status: http.StatusNoContent, errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodPost, path: "/api/chats/:chat/join", handle: s.joinChat, doc: doc{
			tag: "chats", summary: "Join a public channel", status: http.StatusOK, result: "Chat",
			errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodPost, path: "/api/chats/:chat/read", handle: s.markRead, doc: doc{
			tag: "chats", summary: "Move the caller's read marker forward", body: "ReadMarker",
			status: http.StatusNoContent,
		}},
		{method: http.MethodPost, path: "/api/chats/:chat/typing", handle: s.typing, doc: doc{
			tag: "chats", summary: "Say the caller is typing (ephemeral)", status: http.StatusNoContent,
		}},
	}
}

// listChats answers GET /api/workspaces/{ws}/chats.
func (s *server) listChats(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	list, err := s.chat.ListChats(c.Request.Context(), userID(c), ws)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"chats": chatList(list)})
	return nil
}

// listChannels answers GET /api/workspaces/{ws}/channels.
func (s *server) listChannels(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	list, err := s.chat.ListChannels(c.Request.Context(), userID(c), ws)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"chats": chatList(list)})
	return nil
}

// createChat answers POST /api/workspaces/{ws}/chats: 201 for a new chat,
// 200 for a direct chat that already existed.
func (s *server) createChat(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	var in chatCreate
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if !in.Type.Valid() {
		return apperr.Field("type", "must be one of direct, group, private_channel, public_channel")
	}
	sum, created, err := s.chat.CreateChat(c.Request.Context(), userID(c), ws, chat.CreateChatInput{
		Type: in.Type, Name: in.Name, Topic: in.Topic, MemberIDs: in.MemberIDs,
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(c, status, normChat(sum))
	return nil
}

// getChat answers GET /api/chats/{chat}.
func (s *server) getChat(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	sum, err := s.chat.Chat(c.Request.Context(), userID(c), id)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, normChat(sum))
	return nil
}

// updateChat answers PATCH /api/chats/{chat}.
func (s *server) updateChat(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	var in chatPatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	sum, err := s.chat.UpdateChat(c.Request.Context(), userID(c), id, chat.ChatPatch{Name: in.Name, Topic: in.Topic, Description: in.Description})
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, normChat(sum))
	return nil
}

// deleteChat answers DELETE /api/chats/{chat} with 204.
func (s *server) deleteChat(c *gin.Context) error {
	return s.chatAction(c, s.chat.DeleteChat)
}

// joinChat answers POST /api/chats/{chat}/join with the chat.
func (s *server) joinChat(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	sum, err := s.chat.JoinChat(c.Request.Context(), userID(c), id)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, normChat(sum))
	return nil
}

// markRead answers POST /api/chats/{chat}/read with 204.
func (s *server) markRead(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	var in readMarker
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if in.Seq == nil || *in.Seq < 0 {
		return apperr.Field("seq", "must be a message seq, 0 or more")
	}
	if err := s.chat.MarkRead(c.Request.Context(), userID(c), id, *in.Seq); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// typing answers POST /api/chats/{chat}/typing with 204.
func (s *server) typing(c *gin.Context) error {
	return s.chatAction(c, s.chat.Typing)
}

// chatAction runs a use case that takes the caller and the {chat} path
// parameter and answers 204.
func (s *server) chatAction(c *gin.Context, act func(ctx context.Context, userID, chatID int64) error) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	if err := act(c.Request.Context(), userID(c), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// chatList shapes a list of chats for the API.
func chatList(list []model.ChatSummary) []model.ChatSummary {
	out := make([]model.ChatSummary, 0, len(list))
	for _, sum := range list {
		out = append(out, normChat(sum))
	}
	return out
}

// normChat makes the last message, if any, render with empty lists
// rather than null.
func normChat(sum model.ChatSummary) model.ChatSummary {
	if sum.LastMessage != nil {
		m := normMessage(*sum.LastMessage)
		sum.LastMessage = &m
	}
	return sum
}
