package api

import (
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
)

// maxEmojiBytes bounds the emoji path parameter; a longer one cannot be a
// reaction (family emoji with modifiers stay well under it).
const maxEmojiBytes = 64

func (s *server) reactionRoutes() []route {
	return []route{
		{method: http.MethodPut, path: "/api/chats/:chat/messages/:id/reactions/:emoji", handle: s.react, doc: doc{
			tag: "messages", summary: "React to a message (idempotent)", status: http.StatusNoContent,
			errors: []int{http.StatusBadRequest},
		}},
		{method: http.MethodDelete, path: "/api/chats/:chat/messages/:id/reactions/:emoji", handle: s.unreact, doc: doc{
			tag: "messages", summary: "Take a reaction back (idempotent)", status: http.StatusNoContent,
			errors: []int{http.StatusBadRequest},
		}},
	}
}

// react answers PUT .../reactions/{emoji} with 204.
func (s *server) react(c *gin.Context) error {
	chatID, msgID, emoji, err := reactionParams(c)
	if err != nil {
		return err
	}
	if err := s.chat.React(c.Request.Context(), userID(c), chatID, msgID, emoji); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// unreact answers DELETE .../reactions/{emoji} with 204.
func (s *server) unreact(c *gin.Context) error {
	chatID, msgID, emoji, err := reactionParams(c)
	if err != nil {
		return err
	}
	if err := s.chat.Unreact(c.Request.Context(), userID(c), chatID, msgID, emoji); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// reactionParams parses {chat}, {id} and the URL-decoded {emoji}.
func reactionParams(c *gin.Context) (chatID, msgID int64, emoji string, err error) {
	if chatID, msgID, err = chatAndMessage(c); err != nil {
		return 0, 0, "", err
	}
	if emoji, err = pathString(c, "emoji", "reaction"); err != nil {
		return 0, 0, "", err
	}
	if len(emoji) > maxEmojiBytes || !utf8.ValidString(emoji) {
		return 0, 0, "", apperr.Field("emoji", "must be one emoji")
	}
	return chatID, msgID, emoji, nil
}
