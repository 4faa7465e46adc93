package client

import (
	"context"
	"errors"
	"net/http"

	"github.com/fechatter/fechatter/internal/model"
)

// ErrNoRefreshToken is returned by Refresh when the Client holds no refresh token.
var ErrNoRefreshToken = errors.New("client: no refresh token")

// SetupNeeded reports whether the server still waits for first-run setup.
func (c *Client) SetupNeeded(ctx context.Context) (bool, error) {
	var out struct {
		Needed bool `json:"needed"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/setup", public: true}, &out)
	return out.Needed, err
}

// Setup creates the instance admin and their first workspace, and signs in
// as them. The server answers 403 without the right in.SetupToken and 409
// once any user exists.
func (c *Client) Setup(ctx context.Context, in SetupInput) (Session, error) {
	return c.startSession(ctx, "/api/setup", struct {
		SetupInput
		RefreshInBody bool `json:"refresh_in_body"`
	}{in, true})
}

// SignUp creates an account (with an invite code unless sign-up is open)
// and signs in as it.
func (c *Client) SignUp(ctx context.Context, in SignUpInput) (Session, error) {
	return c.startSession(ctx, "/api/auth/signup", struct {
		SignUpInput
		RefreshInBody bool `json:"refresh_in_body"`
	}{in, true})
}

// SignIn signs in with email and password.
func (c *Client) SignIn(ctx context.Context, email, password string) (Session, error) {
	return c.startSession(ctx, "/api/auth/signin", map[string]any{
		"email": email, "password": password, "refresh_in_body": true,
	})
}

// Refresh exchanges the refresh token the Client holds for new tokens.
func (c *Client) Refresh(ctx context.Context) (Session, error) {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	return c.refreshLocked(ctx)
}

func (c *Client) refreshLocked(ctx context.Context) (Session, error) {
	_, refresh := c.Tokens()
	if refresh == "" {
		return Session{}, ErrNoRefreshToken
	}
	return c.startSession(ctx, "/api/auth/refresh", map[string]any{
		"refresh_token": refresh, "refresh_in_body": true,
	})
}

// startSession posts body to path and keeps the tokens of the answer. A
// sign-in that needs a second step answers *SecondStepRequired.
func (c *Client) startSession(ctx context.Context, path string, body any) (Session, error) {
	var s struct {
		Session
		SecondStep *SecondStep `json:"second_step"`
	}
	if _, err := c.call(ctx, request{method: http.MethodPost, path: path, body: body, public: true}, &s); err != nil {
		return Session{}, err
	}
	if s.SecondStep != nil {
		return Session{}, &SecondStepRequired{Step: *s.SecondStep}
	}
	c.SetTokens(s.AccessToken, s.RefreshToken)
	return s.Session, nil
}

// Logout ends the current session and forgets the tokens.
func (c *Client) Logout(ctx context.Context) error {
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/auth/logout"}, nil)
	if err == nil {
		c.SetTokens("", "")
	}
	return err
}

// LogoutAll ends every session of the caller and forgets the tokens.
func (c *Client) LogoutAll(ctx context.Context) error {
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/auth/logout-all"}, nil)
	if err == nil {
		c.SetTokens("", "")
	}
	return err
}

// Sessions lists the caller's live sessions.
func (c *Client) Sessions(ctx context.Context) ([]SessionInfo, error) {
	var out struct {
		Sessions []SessionInfo `json:"sessions"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/auth/sessions"}, &out)
	return out.Sessions, err
}

// RevokeSession ends one of the caller's sessions.
func (c *Client) RevokeSession(ctx context.Context, sessionID int64) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: "/api/auth/sessions/" + id(sessionID)}, nil)
	return err
}

// Me returns the caller's account.
func (c *Client) Me(ctx context.Context) (model.User, error) {
	var u model.User
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/me"}, &u)
	return u, err
}

// UpdateMe changes the caller's profile.
func (c *Client) UpdateMe(ctx context.Context, p ProfilePatch) (model.User, error) {
	var u model.User
	_, err := c.call(ctx, request{method: http.MethodPatch, path: "/api/me", body: p}, &u)
	return u, err
}

// ChangePassword replaces the caller's password; the server ends the
// caller's other sessions.
func (c *Client) ChangePassword(ctx context.Context, current, next string) error {
	body := map[string]string{"current_password": current, "new_password": next}
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/me/password", body: body}, nil)
	return err
}
