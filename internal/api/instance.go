package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// The instance settings (who may create workspaces, whether members see
// each other's email) and ending another user's sessions.
func (s *server) instanceRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/instance", handle: s.instanceInfo, doc: doc{
			tag: "me", summary: "The instance settings that shape what the caller may do (any signed-in user)",
			status: http.StatusOK, result: "InstanceInfo",
		}},
		{method: http.MethodGet, path: "/api/admin/settings", instanceAdmin: true, handle: s.instanceSettings, doc: doc{
			tag: "admin", summary: "The instance settings (instance administrators)",
			status: http.StatusOK, result: "InstanceSettings", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodPatch, path: "/api/admin/settings", instanceAdmin: true, handle: s.patchInstanceSettings, doc: doc{
			tag: "admin", summary: "Change instance settings; each change is audit-logged (instance administrators)",
			body: "InstanceSettingsPatch", status: http.StatusOK, result: "InstanceSettings",
			errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodPost, path: "/api/admin/users/:user/sessions/revoke", instanceAdmin: true, handle: s.revokeUserSessions, doc: doc{
			tag: "admin", summary: "End every session of a user: refresh tokens, access tokens and open event streams stop at once (instance administrators)",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden, http.StatusNotFound},
		}},
	}
}

// instanceInfoJSON is the answer of GET /api/instance.
type instanceInfoJSON struct {
	WorkspaceCreation  string `json:"workspace_creation"`
	ShowMemberEmails   bool   `json:"show_member_emails"`
	CanCreateWorkspace bool   `json:"can_create_workspace"`
}

// instanceInfo answers GET /api/instance.
func (s *server) instanceInfo(c *gin.Context) error {
	ctx := c.Request.Context()
	st, err := s.chat.InstanceSettings(ctx)
	if err != nil {
		return err
	}
	u, err := s.chat.Me(ctx, userID(c))
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, instanceInfoJSON{WorkspaceCreation: st.WorkspaceCreation,
		ShowMemberEmails: st.ShowMemberEmails, CanCreateWorkspace: chat.CanCreateWorkspace(st, u)})
	return nil
}

// instanceSettings answers GET /api/admin/settings.
func (s *server) instanceSettings(c *gin.Context) error {
	st, err := s.chat.InstanceSettings(c.Request.Context())
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, settingsJSON(st))
	return nil
}

// instanceSettingsPatch is the body of PATCH /api/admin/settings.
type instanceSettingsPatch struct {
	WorkspaceCreation *string `json:"workspace_creation"`
	ShowMemberEmails  *bool   `json:"show_member_emails"`
}

// patchInstanceSettings answers PATCH /api/admin/settings.
func (s *server) patchInstanceSettings(c *gin.Context) error {
	var in instanceSettingsPatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	st, err := s.chat.UpdateInstanceSettings(auditContext(c), chat.Actor{UserID: userID(c), Source: c.ClientIP()},
		chat.InstanceSettingsPatch{WorkspaceCreation: in.WorkspaceCreation, ShowMemberEmails: in.ShowMemberEmails})
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, settingsJSON(st))
	return nil
}

// settingsJSON is the settings as the API shows them: updated_at is null
// while they are the defaults.
func settingsJSON(st model.InstanceSettings) gin.H {
	h := gin.H{"workspace_creation": st.WorkspaceCreation, "show_member_emails": st.ShowMemberEmails, "updated_at": nil}
	if !st.UpdatedAt.IsZero() {
		h["updated_at"] = st.UpdatedAt
	}
	return h
}

// revokeUserSessions answers POST /api/admin/users/{user}/sessions/revoke.
func (s *server) revokeUserSessions(c *gin.Context) error {
	target, err := pathID(c, "user", "user")
	if err != nil {
		return err
	}
	if err := s.chat.RevokeSessions(auditContext(c), chat.Actor{UserID: userID(c), Source: c.ClientIP()}, target); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func instanceSchemas() obj {
	creation := obj{"type": "string", "enum": []string{model.WorkspaceCreationEveryone, model.WorkspaceCreationAdmins},
		"description": "Who may create workspaces: everyone (the default) or only instance administrators."}
	emails := obj{"type": "boolean", "description": "Whether users see each other's email addresses (default false: a user sees only their own; instance administrators see all). A hidden address is the empty string."}
	return obj{
		"InstanceInfo": object(obj{
			"workspace_creation": creation, "show_member_emails": emails,
			"can_create_workspace": obj{"type": "boolean", "description": "Whether the caller may create a workspace now."},
		}),
		"InstanceSettings": object(obj{
			"workspace_creation": creation, "show_member_emails": emails,
			"updated_at": obj{"type": []string{"string", "null"}, "format": "date-time", "description": "When an administrator last changed them; null while they are the defaults."},
		}),
		"InstanceSettingsPatch": input(obj{"workspace_creation": creation, "show_member_emails": emails}),
	}
}
