package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/model"
)

// chatMemberPatch is the body of PATCH /api/chats/{chat}/members/{user}.
type chatMemberPatch struct {
	Role model.ChatRole `json:"role"`
}

// channelSettingsRoutes are the channel settings beyond name and topic
// (archive, member roles) and the per-chat pins and per-user bookmarks.
func (s *server) channelSettingsRoutes() []route {
	return []route{
		{method: http.MethodPut, path: "/api/chats/:chat/archive", handle: s.archiveChat(true), doc: doc{
			tag: "chats", summary: "Archive a channel: read-only and hidden from the channel browser (channel admins)",
			status: http.StatusOK, result: "Chat", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodDelete, path: "/api/chats/:chat/archive", handle: s.archiveChat(false), doc: doc{
			tag: "chats", summary: "Unarchive a channel (channel admins)",
			status: http.StatusOK, result: "Chat", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodPatch, path: "/api/chats/:chat/members/:user", handle: s.setChatMemberRole, doc: doc{
			tag: "chats", summary: "Make a channel member its admin or a plain member (channel admins)",
			body: "ChatMemberPatch", status: http.StatusOK, result: "ChatMember", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodGet, path: "/api/chats/:chat/pins", handle: s.listPins, doc: doc{
			tag: "messages", summary: "The chat's pinned messages, most recently pinned first",
			status: http.StatusOK, result: "MessageList",
		}},
		{method: http.MethodPut, path: "/api/chats/:chat/messages/:id/pin", handle: s.pinMessage(true), doc: doc{
			tag: "messages", summary: "Pin a message (any member; not in an archived channel)",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodDelete, path: "/api/chats/:chat/messages/:id/pin", handle: s.pinMessage(false), doc: doc{
			tag: "messages", summary: "Unpin a message", status: http.StatusNoContent, errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodPut, path: "/api/chats/:chat/messages/:id/saved", handle: s.saveMessage(true), doc: doc{
			tag: "messages", summary: "Save a message to the caller's saved messages (private)",
			status: http.StatusNoContent,
		}},
		{method: http.MethodDelete, path: "/api/chats/:chat/messages/:id/saved", handle: s.saveMessage(false), doc: doc{
			tag: "messages", summary: "Remove a message from the caller's saved messages", status: http.StatusNoContent,
		}},
		{method: http.MethodGet, path: "/api/me/saved", handle: s.listSaved, doc: doc{
			tag: "messages", summary: "The caller's saved messages in chats they are still in, most recently saved first",
			query:  []param{{name: "limit", schema: limitSchema(), desc: "At most this many, " + limitRange + "."}},
			status: http.StatusOK, result: "MessageList",
		}},
	}
}

// archiveChat answers PUT (archive) and DELETE (unarchive) /api/chats/{chat}/archive.
func (s *server) archiveChat(archive bool) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		id, err := pathID(c, "chat", "chat")
		if err != nil {
			return err
		}
		sum, err := s.chat.ArchiveChat(c.Request.Context(), userID(c), id, archive)
		if err != nil {
			return err
		}
		writeJSON(c, http.StatusOK, normChat(sum))
		return nil
	}
}

// setChatMemberRole answers PATCH /api/chats/{chat}/members/{user}.
func (s *server) setChatMemberRole(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	target, err := pathID(c, "user", "member")
	if err != nil {
		return err
	}
	var in chatMemberPatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	m, err := s.chat.SetChatMemberRole(c.Request.Context(), userID(c), id, target, in.Role)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, m)
	return nil
}

// listPins answers GET /api/chats/{chat}/pins.
func (s *server) listPins(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	list, err := s.chat.Pins(c.Request.Context(), userID(c), id)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"messages": messageList(list)})
	return nil
}

// pinMessage answers PUT (pin) and DELETE (unpin) .../messages/{id}/pin with 204.
func (s *server) pinMessage(pin bool) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		chatID, msgID, err := chatAndMessage(c)
		if err != nil {
			return err
		}
		if err := s.chat.PinMessage(c.Request.Context(), userID(c), chatID, msgID, pin); err != nil {
			return err
		}
		c.Status(http.StatusNoContent)
		return nil
	}
}

// saveMessage answers PUT (save) and DELETE (unsave) .../messages/{id}/saved with 204.
func (s *server) saveMessage(save bool) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		chatID, msgID, err := chatAndMessage(c)
		if err != nil {
			return err
		}
		if err := s.chat.SaveMessage(c.Request.Context(), userID(c), chatID, msgID, save); err != nil {
			return err
		}
		c.Status(http.StatusNoContent)
		return nil
	}
}

// listSaved answers GET /api/me/saved.
func (s *server) listSaved(c *gin.Context) error {
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	list, err := s.chat.SavedMessages(c.Request.Context(), userID(c), limit)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"messages": messageList(list)})
	return nil
}
