package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// PreviewService is what the API needs of link previews: the use cases
// (*chat.Service) for removal and the workspace switches.
type PreviewService interface {
	RemovePreview(ctx context.Context, userID, chatID, msgID int64) error
	PreviewSettings(ctx context.Context, userID, wsID int64) (model.PreviewSettings, error)
	SetPreviewSettings(ctx context.Context, userID, wsID int64, p chat.PreviewSettingsPatch) (model.PreviewSettings, error)
}

// PreviewImages proxies preview images (*preview.Service): a forged or
// missing signature is 403.
type PreviewImages interface {
	Image(ctx context.Context, rawURL, sig string) (contentType string, body []byte, err error)
}

// imageMaxAge is how long browsers may keep a proxied image: its URL is
// signed and never changes meaning.
const imageMaxAge = 24 * 60 * 60

func (s *server) previewRoutes() []route {
	return []route{
		{method: http.MethodDelete, path: "/api/chats/:chat/messages/:id/preview", handle: s.removePreview, doc: doc{
			tag: "messages", summary: "Remove a message's link preview for good (its sender only)",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden, http.StatusConflict},
		}},
		{method: http.MethodGet, path: "/api/workspaces/:ws/preview-settings", handle: s.getPreviewSettings, doc: doc{
			tag: "workspaces", summary: "The workspace's link and notification preview switches",
			status: http.StatusOK, result: "PreviewSettings",
		}},
		{method: http.MethodPatch, path: "/api/workspaces/:ws/preview-settings", handle: s.patchPreviewSettings, doc: doc{
			tag: "workspaces", summary: "Turn link previews or message text in push notifications on or off (admins)",
			body: "PreviewSettingsPatch", status: http.StatusOK, result: "PreviewSettings", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodGet, path: "/api/link-previews/image", public: true, handle: s.previewImage, doc: doc{
			tag: "messages", summary: "A link preview's image, fetched by the server (URLs are signed: no open proxy)",
			query: []param{
				{name: "url", schema: str(), desc: "The image URL, as the preview's image_url gives it."},
				{name: "sig", schema: str(), desc: "The server's signature of url."},
			},
			status: http.StatusOK, binary: true, errors: []int{http.StatusForbidden, http.StatusServiceUnavailable},
		}},
	}
}

func (s *server) removePreview(c *gin.Context) error {
	if s.previews == nil {
		return apperr.Unavailable("link previews are not running")
	}
	chatID, msgID, err := chatAndMessage(c)
	if err != nil {
		return err
	}
	if err := s.previews.RemovePreview(c.Request.Context(), userID(c), chatID, msgID); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *server) getPreviewSettings(c *gin.Context) error {
	if s.previews == nil {
		return apperr.Unavailable("link previews are not running")
	}
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	set, err := s.previews.PreviewSettings(c.Request.Context(), userID(c), ws)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, set)
	return nil
}

func (s *server) patchPreviewSettings(c *gin.Context) error {
	if s.previews == nil {
		return apperr.Unavailable("link previews are not running")
	}
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	var in chat.PreviewSettingsPatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	set, err := s.previews.SetPreviewSettings(c.Request.Context(), userID(c), ws, in)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, set)
	return nil
}

// previewImage answers the image with its type, a long cache lifetime,
// and headers that keep a browser from treating it as anything else.
func (s *server) previewImage(c *gin.Context) error {
	if s.previewImages == nil {
		return apperr.Unavailable("link previews are not running")
	}
	ct, body, err := s.previewImages.Image(c.Request.Context(), c.Query("url"), c.Query("sig"))
	if err != nil {
		return err
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(imageMaxAge)+", immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Content-Disposition", "inline")
	c.Data(http.StatusOK, ct, body)
	return nil
}
