package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/chat"
)

// profilePatch is the body of PATCH /api/me; absent fields stay as they are.
type profilePatch struct {
	DisplayName *string `json:"display_name"`
	Username    *string `json:"username"`
	AvatarURL   *string `json:"avatar_url"`
	Locale      *string `json:"locale"`
	Timezone    *string `json:"timezone"`
}

// passwordChange is the body of POST /api/me/password.
type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (s *server) meRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/me", handle: s.me, doc: doc{
			tag: "me", summary: "The caller's account", status: http.StatusOK, result: "User",
		}},
		{method: http.MethodPatch, path: "/api/me", handle: s.updateMe, doc: doc{
			tag: "me", summary: "Change the caller's profile", body: "ProfilePatch",
			status: http.StatusOK, result: "User", errors: []int{http.StatusConflict},
		}},
		{method: http.MethodPost, path: "/api/me/password", handle: s.changePassword, doc: doc{
			tag: "me", summary: "Change the caller's password; other sessions end", body: "PasswordChange",
			status: http.StatusNoContent, errors: []int{http.StatusTooManyRequests},
		}},
	}
}

// me answers GET /api/me.
func (s *server) me(c *gin.Context) error {
	u, err := s.chat.Me(c.Request.Context(), userID(c))
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, u)
	return nil
}

// updateMe answers PATCH /api/me with the changed user.
func (s *server) updateMe(c *gin.Context) error {
	var in profilePatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	u, err := s.chat.UpdateProfile(c.Request.Context(), userID(c), chat.ProfilePatch{
		DisplayName: in.DisplayName, Username: in.Username, AvatarURL: in.AvatarURL,
		Locale: in.Locale, Timezone: in.Timezone,
	})
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, u)
	return nil
}

// changePassword answers POST /api/me/password with 204.
func (s *server) changePassword(c *gin.Context) error {
	var in passwordChange
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if err := s.auth.ChangePassword(c.Request.Context(), principal(c), in.CurrentPassword, in.NewPassword); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
