package api

import (
	"math"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// messageCreate is the body of POST /api/chats/{chat}/messages.
type messageCreate struct {
	Content       string  `json:"content"`
	ClientID      string  `json:"client_id"`
	ReplyTo       *int64  `json:"reply_to"`
	AttachmentIDs []int64 `json:"attachment_ids"`
}

// messagePatch is the body of PATCH /api/chats/{chat}/messages/{id}.
type messagePatch struct {
	Content *string `json:"content"`
}

// messagePage answers GET /api/chats/{chat}/messages.
type messagePage struct {
	Messages []model.Message `json:"messages"`
	HasMore  bool            `json:"has_more"`
}

// Query parameters of the message list.
var messageQueryDoc = []param{
	{name: "before_seq", schema: intSchema(0), desc: "The messages just before this seq; has_more says older ones exist. 0 is a cursor too: an empty page."},
	{name: "after_seq", schema: intSchema(0), desc: "The messages just after this seq; has_more says newer ones exist. 0 is a cursor too: the first messages of the chat (seqs start at 1)."},
	{name: "limit", schema: limitSchema(), desc: "Page size, " + limitRange + "."},
	{name: "thread", schema: intSchema(1), desc: "List the replies to this message id."},
}

func (s *server) messageRoutes() []route {
	return []route{
		{method: http.MethodPost, path: "/api/chats/:chat/messages", handle: s.sendMessage, doc: doc{
			tag: "messages", summary: "Send a message; a repeated client_id returns the first message with 200",
			body: "MessageCreate", status: http.StatusCreated, result: "Message",
			alt: http.StatusOK, altWhy: "A message with this client_id from the caller already existed.",
			also: []altResult{{status: http.StatusAccepted, result: "CommandAnswer",
				why: "The content ran a slash-command integration whose answer only the caller sees, or that failed; nothing was stored (docs/integrations.md)."}},
			errors: []int{http.StatusForbidden, http.StatusTooManyRequests},
		}},
		{method: http.MethodGet, path: "/api/chats/:chat/messages", handle: s.listMessages, doc: doc{
			tag: "messages", summary: "A page of messages in ascending seq", query: messageQueryDoc,
			status: http.StatusOK, result: "MessagePage",
		}},
		{method: http.MethodGet, path: "/api/chats/:chat/messages/:id", handle: s.getMessage, doc: doc{
			tag: "messages", summary: "One message", status: http.StatusOK, result: "Message",
		}},
		{method: http.MethodPatch, path: "/api/chats/:chat/messages/:id", handle: s.editMessage, doc: doc{
			tag: "messages", summary: "Edit a message (sender only)", body: "MessagePatch",
			status: http.StatusOK, result: "Message", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodDelete, path: "/api/chats/:chat/messages/:id", handle: s.deleteMessage, doc: doc{
			tag: "messages", summary: "Delete a message (sender, chat or workspace admins)",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden},
		}},
	}
}

// sendMessage answers POST /api/chats/{chat}/messages: 201 for a new
// message, 200 when the client_id matched an earlier one.
func (s *server) sendMessage(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	var in messageCreate
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if in.ReplyTo != nil && *in.ReplyTo <= 0 {
		return apperr.Field("reply_to", "must be a message id")
	}
	if handled, err := s.runCommand(c, id, in); handled || err != nil {
		return err
	}
	m, created, err := s.chat.SendMessage(c.Request.Context(), userID(c), id, chat.SendMessageInput{
		Content: in.Content, ClientID: in.ClientID, ReplyTo: deref(in.ReplyTo), AttachmentIDs: in.AttachmentIDs,
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(c, status, normMessage(m))
	return nil
}

// listMessages answers GET /api/chats/{chat}/messages.
func (s *server) listMessages(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	q, err := messageQuery(c)
	if err != nil {
		return err
	}
	list, more, err := s.chat.Messages(c.Request.Context(), userID(c), id, q)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, messagePage{Messages: messageList(list), HasMore: more})
	return nil
}

// messageQuery parses the paging parameters of the message list. A cursor
// is any seq from 0: after_seq=0 is the first page of the chat, and
// before_seq=0 an empty one. Absent is not 0.
func messageQuery(c *gin.Context) (chat.MessageQuery, error) {
	var q chat.MessageQuery
	var err error
	if q.BeforeSeq, err = queryCursor(c, "before_seq"); err != nil {
		return q, err
	}
	if q.AfterSeq, err = queryCursor(c, "after_seq"); err != nil {
		return q, err
	}
	if q.Thread, err = queryInt(c, "thread", 0, 1, math.MaxInt64); err != nil {
		return q, err
	}
	if q.Limit, err = queryLimit(c); err != nil {
		return q, err
	}
	if q.BeforeSeq != nil && q.AfterSeq != nil {
		return q, apperr.Invalid("use before_seq or after_seq, not both",
			map[string]string{"before_seq": "cannot be combined with after_seq"})
	}
	return q, nil
}

// queryCursor parses a seq cursor: nil when absent, else 0 or more.
func queryCursor(c *gin.Context, name string) (*int64, error) {
	if _, ok := c.GetQuery(name); !ok {
		return nil, nil
	}
	v, err := queryInt(c, name, 0, 0, math.MaxInt64)
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// getMessage answers GET /api/chats/{chat}/messages/{id}.
func (s *server) getMessage(c *gin.Context) error {
	chatID, msgID, err := chatAndMessage(c)
	if err != nil {
		return err
	}
	m, err := s.chat.Message(c.Request.Context(), userID(c), chatID, msgID)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, normMessage(m))
	return nil
}

// editMessage answers PATCH /api/chats/{chat}/messages/{id}.
func (s *server) editMessage(c *gin.Context) error {
	chatID, msgID, err := chatAndMessage(c)
	if err != nil {
		return err
	}
	var in messagePatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if in.Content == nil {
		return apperr.Field("content", "required")
	}
	m, err := s.chat.EditMessage(c.Request.Context(), userID(c), chatID, msgID, *in.Content)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, normMessage(m))
	return nil
}

// deleteMessage answers DELETE /api/chats/{chat}/messages/{id} with 204.
func (s *server) deleteMessage(c *gin.Context) error {
	chatID, msgID, err := chatAndMessage(c)
	if err != nil {
		return err
	}
	if err := s.chat.DeleteMessage(c.Request.Context(), userID(c), chatID, msgID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// chatAndMessage parses the {chat} and {id} path parameters.
func chatAndMessage(c *gin.Context) (chatID, msgID int64, err error) {
	if chatID, err = pathID(c, "chat", "chat"); err != nil {
		return 0, 0, err
	}
	if msgID, err = pathID(c, "id", "message"); err != nil {
		return 0, 0, err
	}
	return chatID, msgID, nil
}

// messageList shapes a list of messages for the API.
func messageList(list []model.Message) []model.Message {
	out := make([]model.Message, 0, len(list))
	for _, m := range list {
		out = append(out, normMessage(m))
	}
	return out
}

// normMessage makes the lists of a message render as [] rather than null,
// as the Message schema promises.
func normMessage(m model.Message) model.Message {
	m.Attachments = orEmpty(m.Attachments)
	m.Reactions = orEmpty(m.Reactions)
	m.Mentions = orEmpty(m.Mentions)
	return m
}

// deref returns *p, or the zero value for nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
