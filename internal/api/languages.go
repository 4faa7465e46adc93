package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/bot"
)

// translateRequest is the body of POST .../messages/{id}/translate.
type translateRequest struct {
	Target string `json:"target"`
}

// languagePatch is the body of PATCH /api/me/language.
type languagePatch struct {
	Language      *string `json:"language"`
	AutoTranslate *bool   `json:"auto_translate"`
}

func (s *server) languageRoutes() []route {
	return []route{
		{method: http.MethodPost, path: "/api/chats/:chat/messages/:id/translate", handle: s.translateMessage, doc: doc{
			tag: "assistant", summary: "Translate a message the caller can read with the assistant's model (cached per message version and target; counts against the workspace's daily token budget)",
			body: "TranslateRequest", status: http.StatusOK, result: "Translation",
			errors: []int{http.StatusForbidden, http.StatusConflict, http.StatusTooManyRequests, http.StatusServiceUnavailable},
		}},
		{method: http.MethodGet, path: "/api/me/language", handle: s.myLanguage, doc: doc{
			tag: "me", summary: "The caller's language and automatic-translation setting",
			status: http.StatusOK, result: "UserLanguage", errors: []int{http.StatusServiceUnavailable},
		}},
		{method: http.MethodPatch, path: "/api/me/language", handle: s.setMyLanguage, doc: doc{
			tag: "me", summary: "Set the caller's language and automatic-translation setting",
			body: "UserLanguagePatch", status: http.StatusOK, result: "UserLanguage", errors: []int{http.StatusServiceUnavailable},
		}},
	}
}

// translateMessage answers POST /api/chats/{chat}/messages/{id}/translate.
func (s *server) translateMessage(c *gin.Context) error {
	if s.assistant == nil {
		return unavailableAssistant()
	}
	chatID, msgID, err := chatAndMessage(c)
	if err != nil {
		return err
	}
	var in translateRequest
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	t, err := s.assistant.Translate(c.Request.Context(), userID(c), chatID, msgID, in.Target)
	if err != nil {
		return botErr(err)
	}
	writeJSON(c, http.StatusOK, t)
	return nil
}

// myLanguage answers GET /api/me/language.
func (s *server) myLanguage(c *gin.Context) error {
	if s.assistant == nil {
		return unavailableAssistant()
	}
	l, err := s.assistant.UserLanguage(c.Request.Context(), userID(c))
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, l)
	return nil
}

// setMyLanguage answers PATCH /api/me/language.
func (s *server) setMyLanguage(c *gin.Context) error {
	if s.assistant == nil {
		return unavailableAssistant()
	}
	var in languagePatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	l, err := s.assistant.SetUserLanguage(c.Request.Context(), userID(c), bot.LanguagePatch(in))
	if err != nil {
		return botErr(err)
	}
	writeJSON(c, http.StatusOK, l)
	return nil
}
