package client

import (
	"context"
	"net/http"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// ResetLink is a password-reset link made by an instance administrator.
type ResetLink struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// EmailDigest is the caller's email digest setting.
type EmailDigest struct {
	// Enabled is the caller's choice.
	Enabled bool `json:"enabled"`
	// Active says whether the server sends digests at all.
	Active bool `json:"active"`
}

// RequestPasswordReset asks for a reset link mailed to email; the server
// answers the same whether or not the address has an account.
func (c *Client) RequestPasswordReset(ctx context.Context, email string) error {
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/auth/password-reset",
		body: map[string]string{"email": email}}, nil)
	return err
}

// ConfirmPasswordReset sets a new password with a reset link's token;
// every session of the account ends.
func (c *Client) ConfirmPasswordReset(ctx context.Context, token, password string) error {
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/auth/password-reset/confirm",
		body: map[string]string{"token": token, "password": password}}, nil)
	return err
}

// RequestEmailChange mails a confirmation link to a new address.
func (c *Client) RequestEmailChange(ctx context.Context, email, password string) error {
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/me/email",
		body: map[string]string{"email": email, "password": password}}, nil)
	return err
}

// ConfirmEmailChange moves the caller to the address of a confirmation
// link's token.
func (c *Client) ConfirmEmailChange(ctx context.Context, token string) (model.User, error) {
	var u model.User
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/me/email/confirm",
		body: map[string]string{"token": token}}, &u)
	return u, err
}

// AdminResetLink makes a single-use password-reset link for a user
// (instance administrators).
func (c *Client) AdminResetLink(ctx context.Context, userID int64) (ResetLink, error) {
	var l ResetLink
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/admin/users/" + id(userID) + "/reset-link"}, &l)
	return l, err
}

// EmailDigest returns the caller's email digest setting.
func (c *Client) EmailDigest(ctx context.Context) (EmailDigest, error) {
	var d EmailDigest
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/me/email-digest"}, &d)
	return d, err
}

// SetEmailDigest turns the caller's email digest on or off.
func (c *Client) SetEmailDigest(ctx context.Context, on bool) (EmailDigest, error) {
	var d EmailDigest
	_, err := c.call(ctx, request{method: http.MethodPut, path: "/api/me/email-digest",
		body: map[string]bool{"enabled": on}}, &d)
	return d, err
}
