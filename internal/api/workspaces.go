package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// workspaceJSON is a workspace as the caller sees it: with their role.
type workspaceJSON struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Role      model.Role `json:"role"`
	CreatedBy int64      `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

// toWorkspace shapes a chat.WorkspaceRole for the API.
func toWorkspace(wr chat.WorkspaceRole) workspaceJSON {
	return workspaceJSON{
		ID: wr.Workspace.ID, Name: wr.Workspace.Name, Role: wr.Role,
		CreatedBy: wr.Workspace.CreatedBy, CreatedAt: wr.Workspace.CreatedAt,
	}
}

// workspaceCreate is the body of POST /api/workspaces.
type workspaceCreate struct {
	Name string `json:"name"`
}

// workspacePatch is the body of PATCH /api/workspaces/{ws}.
type workspacePatch struct {
	Name *string `json:"name"`
}

// memberRolePatch is the body of PATCH /api/workspaces/{ws}/members/{user}.
type memberRolePatch struct {
	Role *model.Role `json:"role"`
}

func (s *server) workspaceRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/workspaces", handle: s.listWorkspaces, doc: doc{
			tag: "workspaces", summary: "The workspaces the caller belongs to", status: http.StatusOK, result: "WorkspaceList",
		}},
		{method: http.MethodPost, path: "/api/workspaces", handle: s.createWorkspace, doc: doc{
			tag: "workspaces", summary: "Create a workspace; the caller becomes its owner",
			body: "WorkspaceCreate", status: http.StatusCreated, result: "Workspace",
		}},
		{method: http.MethodGet, path: "/api/workspaces/:ws", handle: s.getWorkspace, doc: doc{
			tag: "workspaces", summary: "One workspace", status: http.StatusOK, result: "Workspace",
		}},
		{method: http.MethodPatch, path: "/api/workspaces/:ws", handle: s.updateWorkspace, doc: doc{
			tag: "workspaces", summary: "Rename a workspace (admins)", body: "WorkspacePatch",
			status: http.StatusOK, result: "Workspace", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodDelete, path: "/api/workspaces/:ws", handle: s.deleteWorkspace, doc: doc{
			tag: "workspaces", summary: "Delete a workspace and everything in it (owners)",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodGet, path: "/api/workspaces/:ws/members", handle: s.listMembers, doc: doc{
			tag: "workspaces", summary: "The members of a workspace", status: http.StatusOK, result: "MemberList",
		}},
		{method: http.MethodPatch, path: "/api/workspaces/:ws/members/:user", handle: s.setMemberRole, doc: doc{
			tag: "workspaces", summary: "Change a member's role (admins); the last owner cannot be demoted",
			body: "MemberRolePatch", status: http.StatusOK, result: "Member",
			errors: []int{http.StatusForbidden, http.StatusConflict},
		}},
		{method: http.MethodDelete, path: "/api/workspaces/:ws/members/:user", handle: s.removeMember, doc: doc{
			tag: "workspaces", summary: "Remove a member (admins); the last owner cannot be removed",
			query: []param{{name: "ban", schema: map[string]any{"type": "boolean", "default": false},
				desc: "Also ban the member, so that no invite brings them back until an admin lifts the ban (DELETE /api/workspaces/{ws}/bans/{user})."}},
			status: http.StatusNoContent, errors: []int{http.StatusForbidden, http.StatusConflict},
		}},
	}
}

// listWorkspaces answers GET /api/workspaces.
func (s *server) listWorkspaces(c *gin.Context) error {
	list, err := s.chat.ListWorkspaces(c.Request.Context(), userID(c))
	if err != nil {
		return err
	}
	out := make([]workspaceJSON, 0, len(list))
	for _, wr := range list {
		out = append(out, toWorkspace(wr))
	}
	writeJSON(c, http.StatusOK, gin.H{"workspaces": out})
	return nil
}

// createWorkspace answers POST /api/workspaces with 201.
func (s *server) createWorkspace(c *gin.Context) error {
	var in workspaceCreate
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	wr, err := s.chat.CreateWorkspace(c.Request.Context(), userID(c), in.Name)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusCreated, toWorkspace(wr))
	return nil
}

// getWorkspace answers GET /api/workspaces/{ws}.
func (s *server) getWorkspace(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	wr, err := s.chat.Workspace(c.Request.Context(), userID(c), ws)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, toWorkspace(wr))
	return nil
}

// updateWorkspace answers PATCH /api/workspaces/{ws}; without a name it
// changes nothing and returns the workspace.
func (s *server) updateWorkspace(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	var in workspacePatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	var wr chat.WorkspaceRole
	if in.Name == nil {
		wr, err = s.chat.Workspace(c.Request.Context(), userID(c), ws)
	} else {
		wr, err = s.chat.RenameWorkspace(c.Request.Context(), userID(c), ws, *in.Name)
	}
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, toWorkspace(wr))
	return nil
}

// deleteWorkspace answers DELETE /api/workspaces/{ws} with 204.
func (s *server) deleteWorkspace(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	if err := s.chat.DeleteWorkspace(c.Request.Context(), userID(c), ws); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// listMembers answers GET /api/workspaces/{ws}/members.
func (s *server) listMembers(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	list, err := s.chat.Members(c.Request.Context(), userID(c), ws)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"members": orEmpty(list)})
	return nil
}

// setMemberRole answers PATCH /api/workspaces/{ws}/members/{user}.
func (s *server) setMemberRole(c *gin.Context) error {
	ws, target, err := wsAndUser(c)
	if err != nil {
		return err
	}
	var in memberRolePatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if in.Role == nil || !in.Role.Valid() {
		return apperr.Field("role", "must be one of owner, admin, member, guest")
	}
	m, err := s.chat.SetMemberRole(auditContext(c), userID(c), ws, target, *in.Role)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, m)
	return nil
}

// removeMember answers DELETE /api/workspaces/{ws}/members/{user} with 204.
func (s *server) removeMember(c *gin.Context) error {
	ws, target, err := wsAndUser(c)
	if err != nil {
		return err
	}
	ban, err := queryBool(c, "ban")
	if err != nil {
		return err
	}
	remove := s.chat.RemoveMember
	if ban {
		remove = s.chat.RemoveAndBanMember
	}
	if err := remove(auditContext(c), userID(c), ws, target); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// wsAndUser parses the {ws} and {user} path parameters.
func wsAndUser(c *gin.Context) (ws, user int64, err error) {
	if ws, err = pathID(c, "ws", "workspace"); err != nil {
		return 0, 0, err
	}
	if user, err = pathID(c, "user", "member"); err != nil {
		return 0, 0, err
	}
	return ws, user, nil
}

// orEmpty keeps a nil list from rendering as JSON null.
func orEmpty[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}
