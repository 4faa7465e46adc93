package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// avatarUploadPath is the avatar upload route; its body limit is
// chat.MaxAvatarUpload plus slack.
const avatarUploadPath = "/api/me/avatar"

// maxAvatarUpload is chat.MaxAvatarUpload, the largest avatar upload.
const maxAvatarUpload = chat.MaxAvatarUpload

// immutableCache is the lifetime of an avatar asked for by its current
// version: the URL changes with the picture, so it never goes stale.
const immutableCache = "private, max-age=31536000, immutable"

// statusInput is the body of PUT /api/me/status.
type statusInput struct {
	Emoji     string     `json:"emoji"`
	Text      string     `json:"text"`
	ExpiresAt *time.Time `json:"expires_at"`
}

func (s *server) profileRoutes() []route {
	crop := "Crop square in source pixels (x, y and size together); without them the centred largest square."
	return []route{
		{method: http.MethodPut, path: avatarUploadPath, handle: s.putAvatar, doc: doc{
			tag: "me", summary: "Upload the caller's avatar (multipart field file: PNG, JPEG, GIF or WebP, at most 5 MiB and 40 megapixels); it is cropped to a square and scaled to 256x256",
			multipart: true, status: http.StatusOK, result: "User",
			query: []param{
				{name: "x", schema: intSchema(0), desc: crop},
				{name: "y", schema: intSchema(0), desc: crop},
				{name: "size", schema: intSchema(1), desc: crop},
			},
		}},
		{method: http.MethodDelete, path: avatarUploadPath, handle: s.deleteAvatar, doc: doc{
			tag: "me", summary: "Remove the caller's avatar (initials show instead)", status: http.StatusOK, result: "User",
		}},
		{method: http.MethodGet, path: "/api/users/:user/avatar", handle: s.getAvatar, doc: doc{
			tag: "me", summary: "A user's avatar, to themselves and to people who share a workspace with them (404 to anyone else); with v (as avatar_url gives it) cached for good, strong ETag, 304 on If-None-Match",
			status: http.StatusOK, binary: true,
			query: []param{{name: "v", schema: str(), desc: "The avatar's version from avatar_url; when it is current the answer may be cached for a year."}},
		}},
		{method: http.MethodPut, path: "/api/me/status", handle: s.putStatus, doc: doc{
			tag: "me", summary: "Set the caller's status (emoji and text, until expires_at or until cleared)", body: "StatusInput",
			status: http.StatusOK, result: "User",
		}},
		{method: http.MethodDelete, path: "/api/me/status", handle: s.deleteStatus, doc: doc{
			tag: "me", summary: "Clear the caller's status", status: http.StatusOK, result: "User",
		}},
	}
}

// putAvatar answers PUT /api/me/avatar with the changed user.
func (s *server) putAvatar(c *gin.Context) error {
	crop, err := cropQuery(c)
	if err != nil {
		return err
	}
	part, err := uploadPart(c.Request)
	if err != nil {
		return err
	}
	defer part.Close()
	body := &readTracker{r: part, left: maxAvatarUpload}
	u, err := s.chat.SetAvatar(c.Request.Context(), userID(c), body, crop)
	if err != nil {
		return uploadError(err, body.err)
	}
	writeJSON(c, http.StatusOK, u)
	return nil
}

// cropQuery reads the optional crop square: all of x, y and size, or none.
func cropQuery(c *gin.Context) (*chat.Crop, error) {
	_, hasX := c.GetQuery("x")
	_, hasY := c.GetQuery("y")
	_, hasSize := c.GetQuery("size")
	if !hasX && !hasY && !hasSize {
		return nil, nil
	}
	if !hasX || !hasY || !hasSize {
		return nil, apperr.Field("crop", "needs x, y and size together")
	}
	const most = 1 << 20
	x, err := queryInt(c, "x", 0, 0, most)
	if err != nil {
		return nil, err
	}
	y, err := queryInt(c, "y", 0, 0, most)
	if err != nil {
		return nil, err
	}
	size, err := queryInt(c, "size", 1, 1, most)
	if err != nil {
		return nil, err
	}
	return &chat.Crop{X: int(x), Y: int(y), Size: int(size)}, nil
}

// deleteAvatar answers DELETE /api/me/avatar with the changed user.
func (s *server) deleteAvatar(c *gin.Context) error {
	u, err := s.chat.DeleteAvatar(c.Request.Context(), userID(c))
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, u)
	return nil
}

// getAvatar answers GET /api/users/{user}/avatar with the picture. The
// strong ETag is the content hash; asked for by its current version (v)
// it may be kept for a year, otherwise the browser revalidates.
func (s *server) getAvatar(c *gin.Context) error {
	id, err := pathID(c, "user", "avatar")
	if err != nil {
		return err
	}
	sum, f, err := s.chat.OpenAvatar(c.Request.Context(), userID(c), id)
	if err != nil {
		return err
	}
	defer f.Close()
	h := c.Writer.Header()
	h.Set("ETag", `"`+sum+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	if v := c.Query("v"); v != "" && strings.HasPrefix(sum, v) && len(v) >= 8 {
		h.Set("Cache-Control", immutableCache)
	} else {
		h.Set("Cache-Control", "private, no-cache")
	}
	// The bytes are our own PNG or JPEG: ServeContent sniffs which.
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, f)
	return nil
}

// putStatus answers PUT /api/me/status with the changed user.
func (s *server) putStatus(c *gin.Context) error {
	var in statusInput
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	u, err := s.chat.SetStatus(c.Request.Context(), userID(c), model.UserStatus{
		Emoji: in.Emoji, Text: in.Text, ExpiresAt: in.ExpiresAt,
	})
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, u)
	return nil
}

// deleteStatus answers DELETE /api/me/status with the changed user.
func (s *server) deleteStatus(c *gin.Context) error {
	u, err := s.chat.ClearStatus(c.Request.Context(), userID(c))
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, u)
	return nil
}
