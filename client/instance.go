package client

import (
	"context"
	"net/http"
	"time"
)

// InstanceInfo is what GET /api/instance tells any signed-in user.
type InstanceInfo struct {
	// WorkspaceCreation is "everyone" or "admins".
	WorkspaceCreation string `json:"workspace_creation"`
	// ShowMemberEmails says whether users see each other's addresses;
	// while it is false, model.User.Email of anyone else is "".
	ShowMemberEmails bool `json:"show_member_emails"`
	// CanCreateWorkspace says whether the caller may create a workspace.
	CanCreateWorkspace bool `json:"can_create_workspace"`
}

// InstanceSettings are the instance-wide settings (instance administrators).
type InstanceSettings struct {
	WorkspaceCreation string `json:"workspace_creation"`
	ShowMemberEmails  bool   `json:"show_member_emails"`
	// UpdatedAt is nil while the settings are the defaults.
	UpdatedAt *time.Time `json:"updated_at"`
}

// InstanceSettingsPatch changes instance settings; nil fields stay.
type InstanceSettingsPatch struct {
	WorkspaceCreation *string `json:"workspace_creation,omitempty"`
	ShowMemberEmails  *bool   `json:"show_member_emails,omitempty"`
}

// Instance returns the instance settings that shape what the caller may do.
func (c *Client) Instance(ctx context.Context) (InstanceInfo, error) {
	var out InstanceInfo
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/instance"}, &out)
	return out, err
}

// InstanceSettings returns the instance settings (instance administrators).
func (c *Client) InstanceSettings(ctx context.Context) (InstanceSettings, error) {
	var out InstanceSettings
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/admin/settings"}, &out)
	return out, err
}

// UpdateInstanceSettings changes instance settings (instance administrators).
func (c *Client) UpdateInstanceSettings(ctx context.Context, p InstanceSettingsPatch) (InstanceSettings, error) {
	var out InstanceSettings
	_, err := c.call(ctx, request{method: http.MethodPatch, path: "/api/admin/settings", body: p}, &out)
	return out, err
}

// RevokeUserSessions ends every session of a user: their tokens and open
// event streams stop at once (instance administrators).
func (c *Client) RevokeUserSessions(ctx context.Context, userID int64) error {
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/admin/users/" + id(userID) + "/sessions/revoke"}, nil)
	return err
}
