package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// AuditQuery pages through the audit log, newest first.
type AuditQuery struct {
	// Before asks for entries with a smaller id (0: from the newest).
	Before int64
	// Limit is the page size (0: the server's default).
	Limit int
	// Action keeps only this action ("" keeps all).
	Action string
}

// Audit returns a page of the audit log (instance administrators).
func (c *Client) Audit(ctx context.Context, q AuditQuery) ([]model.AuditEntry, error) {
	v := url.Values{}
	if q.Before > 0 {
		v.Set("before", strconv.FormatInt(q.Before, 10))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Action != "" {
		v.Set("action", q.Action)
	}
	var out struct {
		Entries []model.AuditEntry `json:"entries"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/admin/audit", query: v}, &out)
	return out.Entries, err
}

// AdminUser is an account as the instance administrator sees it.
type AdminUser struct {
	model.User
	// DisabledAt is when the account was disabled; nil while it may sign in.
	DisabledAt *time.Time `json:"disabled_at"`
}

// AdminUsers returns up to limit accounts with an id above after
// (instance administrators).
func (c *Client) AdminUsers(ctx context.Context, after int64, limit int) ([]AdminUser, error) {
	v := url.Values{}
	if after > 0 {
		v.Set("after", strconv.FormatInt(after, 10))
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Users []AdminUser `json:"users"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/admin/users", query: v}, &out)
	return out.Users, err
}

// SetUserDisabled disables or enables an account (instance administrators).
func (c *Client) SetUserDisabled(ctx context.Context, userID int64, disabled bool) (AdminUser, error) {
	return c.patchAdminUser(ctx, userID, map[string]bool{"disabled": disabled})
}

// SetUserAdmin promotes or demotes an instance administrator (instance administrators).
func (c *Client) SetUserAdmin(ctx context.Context, userID int64, admin bool) (AdminUser, error) {
	return c.patchAdminUser(ctx, userID, map[string]bool{"is_admin": admin})
}

func (c *Client) patchAdminUser(ctx context.Context, userID int64, body map[string]bool) (AdminUser, error) {
	var u AdminUser
	_, err := c.call(ctx, request{method: http.MethodPatch, path: "/api/admin/users/" + id(userID), body: body}, &u)
	return u, err
}
