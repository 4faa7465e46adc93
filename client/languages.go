package client

import (
	"context"
	"net/http"

	"github.com/fechatter/fechatter/internal/model"
)

// TranslateMessage translates a message the caller can read into target
// (an ISO 639-1 code or a language name) with the assistant's model.
func (c *Client) TranslateMessage(ctx context.Context, chatID, msgID int64, target string) (model.Translation, error) {
	var t model.Translation
	body := map[string]string{"target": target}
	_, err := c.call(ctx, request{method: http.MethodPost, path: msgPath(chatID, msgID) + "/translate", body: body}, &t)
	return t, err
}

// LanguagePatch changes the caller's language setting; nil fields stay.
type LanguagePatch struct {
	Language      *string `json:"language,omitempty"`
	AutoTranslate *bool   `json:"auto_translate,omitempty"`
}

// MyLanguage returns the caller's language and automatic-translation setting.
func (c *Client) MyLanguage(ctx context.Context) (model.UserLanguage, error) {
	var l model.UserLanguage
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/me/language"}, &l)
	return l, err
}

// SetMyLanguage changes the caller's language setting.
func (c *Client) SetMyLanguage(ctx context.Context, p LanguagePatch) (model.UserLanguage, error) {
	var l model.UserLanguage
	_, err := c.call(ctx, request{method: http.MethodPatch, path: "/api/me/language", body: p}, &l)
	return l, err
}
