package client

import (
	"context"
	"net/http"

	"github.com/fechatter/fechatter/internal/model"
)

// Workspaces lists the workspaces the caller belongs to.
func (c *Client) Workspaces(ctx context.Context) ([]Workspace, error) {
	var out struct {
		Workspaces []Workspace `json:"workspaces"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/workspaces"}, &out)
	return out.Workspaces, err
}

// CreateWorkspace creates a workspace owned by the caller.
func (c *Client) CreateWorkspace(ctx context.Context, name string) (Workspace, error) {
	var w Workspace
	body := map[string]string{"name": name}
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/workspaces", body: body}, &w)
	return w, err
}

// Workspace returns one workspace with the caller's role.
func (c *Client) Workspace(ctx context.Context, wsID int64) (Workspace, error) {
	var w Workspace
	_, err := c.call(ctx, request{method: http.MethodGet, path: wsPath(wsID)}, &w)
	return w, err
}

// RenameWorkspace renames a workspace (admins).
func (c *Client) RenameWorkspace(ctx context.Context, wsID int64, name string) (Workspace, error) {
	var w Workspace
	body := map[string]string{"name": name}
	_, err := c.call(ctx, request{method: http.MethodPatch, path: wsPath(wsID), body: body}, &w)
	return w, err
}

// DeleteWorkspace deletes a workspace and everything in it (owners).
func (c *Client) DeleteWorkspace(ctx context.Context, wsID int64) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: wsPath(wsID)}, nil)
	return err
}

// Members lists the members of a workspace.
func (c *Client) Members(ctx context.Context, wsID int64) ([]model.Member, error) {
	var out struct {
		Members []model.Member `json:"members"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: wsPath(wsID) + "/members"}, &out)
	for i := range out.Members {
		fillMember(&out.Members[i], wsID)
	}
	return out.Members, err
}

// SetMemberRole changes a member's role (admins).
func (c *Client) SetMemberRole(ctx context.Context, wsID, userID int64, role model.Role) (model.Member, error) {
	var m model.Member
	body := map[string]model.Role{"role": role}
	_, err := c.call(ctx, request{method: http.MethodPatch, path: memberPath(wsID, userID), body: body}, &m)
	fillMember(&m, wsID)
	return m, err
}

// RemoveMember removes a member from a workspace and all its chats (admins).
func (c *Client) RemoveMember(ctx context.Context, wsID, userID int64) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: memberPath(wsID, userID)}, nil)
	return err
}

// CreateInvite makes an invite code for a workspace (admins).
func (c *Client) CreateInvite(ctx context.Context, wsID int64, opts InviteOptions) (Invite, error) {
	var inv Invite
	_, err := c.call(ctx, request{method: http.MethodPost, path: wsPath(wsID) + "/invites", body: opts}, &inv)
	return inv, err
}

// LookupInvite returns the workspace an invite code leads to (no sign-in needed).
func (c *Client) LookupInvite(ctx context.Context, code string) (model.Workspace, error) {
	var out struct {
		Workspace model.Workspace `json:"workspace"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/invites/" + esc(code), public: true}, &out)
	return out.Workspace, err
}

// AcceptInvite makes the caller a member of the invite's workspace.
func (c *Client) AcceptInvite(ctx context.Context, code string) (Workspace, error) {
	var w Workspace
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/invites/" + esc(code) + "/accept"}, &w)
	return w, err
}

func wsPath(wsID int64) string { return "/api/workspaces/" + id(wsID) }

func memberPath(wsID, userID int64) string { return wsPath(wsID) + "/members/" + id(userID) }

// fillMember sets the fields the JSON form leaves out.
func fillMember(m *model.Member, wsID int64) {
	m.UserID = m.User.ID
	if m.WorkspaceID == 0 {
		m.WorkspaceID = wsID
	}
}
