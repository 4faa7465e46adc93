package api

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
)

// botRefused are routes a bot API token may not use: a person's session,
// password and event tickets, creating or joining workspaces.
var botRefused = map[string]bool{
	"POST /api/workspaces":           true,
	"POST /api/invites/:code/accept": true,
	"POST /api/me/password":          true,
	"POST " + eventsPath + "/ticket": true,
}

// enforceScope holds a bot API token to its one workspace on every route:
// a :ws parameter must name it, a :chat parameter must be a chat of it
// (404 otherwise, as for a workspace one is not in). It runs after
// requireAuth; a person's credential is not scoped.
func (s *server) enforceScope(c *gin.Context) {
	p := principal(c)
	if p.WorkspaceID == 0 {
		return
	}
	route := c.FullPath()
	if botRefused[c.Request.Method+" "+route] || strings.HasPrefix(route, "/api/auth/") {
		s.renderError(c, apperr.Forbidden("a bot token cannot do this"))
		return
	}
	if raw := c.Param("ws"); raw != "" {
		if id, ok := parseID(raw); !ok || id != p.WorkspaceID {
			s.renderError(c, apperr.NotFound("workspace"))
			return
		}
	}
	if raw := c.Param("chat"); raw != "" {
		id, ok := parseID(raw)
		if !ok {
			s.renderError(c, apperr.NotFound("chat"))
			return
		}
		ws, err := s.chat.ChatWorkspace(c.Request.Context(), p.UserID, id)
		if err != nil {
			s.renderError(c, err)
			return
		}
		if ws != p.WorkspaceID {
			s.renderError(c, apperr.NotFound("chat"))
		}
	}
}
