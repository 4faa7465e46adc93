package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
)

// chatMembersAdd is the body of POST /api/chats/{chat}/members.
type chatMembersAdd struct {
	UserIDs []int64 `json:"user_ids"`
}

func (s *server) chatMemberRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/chats/:chat/members", handle: s.listChatMembers, doc: doc{
			tag: "chats", summary: "The members of a chat", status: http.StatusOK, result: "ChatMemberList",
		}},
		{method: http.MethodPost, path: "/api/chats/:chat/members", handle: s.addChatMembers, doc: doc{
			tag: "chats", summary: "Add people to a chat", body: "ChatMembersAdd",
			status: http.StatusOK, result: "ChatMemberList", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodDelete, path: "/api/chats/:chat/members/:user", handle: s.removeChatMember, doc: doc{
			tag: "chats", summary: "Remove someone from a chat (yourself: leave)",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden},
		}},
	}
}

// listChatMembers answers GET /api/chats/{chat}/members.
func (s *server) listChatMembers(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	list, err := s.chat.ChatMembers(c.Request.Context(), userID(c), id)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"members": orEmpty(list)})
	return nil
}

// addChatMembers answers POST /api/chats/{chat}/members with the members.
func (s *server) addChatMembers(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	var in chatMembersAdd
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if len(in.UserIDs) == 0 {
		return apperr.Field("user_ids", "must list at least one user id")
	}
	list, err := s.chat.AddChatMembers(c.Request.Context(), userID(c), id, in.UserIDs)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"members": orEmpty(list)})
	return nil
}

// removeChatMember answers DELETE /api/chats/{chat}/members/{user} with 204.
func (s *server) removeChatMember(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	target, err := pathID(c, "user", "member")
	if err != nil {
		return err
	}
	if err := s.chat.RemoveChatMember(c.Request.Context(), userID(c), id, target); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
