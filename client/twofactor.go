package client

import (
	"context"
	"fmt"
	"net/http"
)

// SecondStep is what a good password gets when the account has two-factor
// authentication (RequiredAction "code") or must enrol it ("enrol").
type SecondStep struct {
	Token          string   `json:"token"`
	ExpiresIn      int64    `json:"expires_in"`
	RequiredAction string   `json:"required_action"`
	Methods        []string `json:"methods"`
}

// SecondStepRequired is the error of SignIn when the password was right
// but a second step is needed: SignInWithCode (or SignInWithRecoveryCode)
// with Step.Token, or EnrolWithToken and ConfirmEnrolment.
type SecondStepRequired struct {
	Step SecondStep
}

func (e *SecondStepRequired) Error() string {
	return "client: sign-in needs a second step (" + e.Step.RequiredAction + ")"
}

// TwoFactorStatus is the caller's second factor.
type TwoFactorStatus struct {
	TOTPEnabled       bool `json:"totp_enabled"`
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
	Required          bool `json:"required"`
}

// TOTPEnrolment is a new, pending authenticator-app factor.
type TOTPEnrolment struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
	// QRCode is a data:image/png;base64 URL.
	QRCode string `json:"qr_code"`
}

// OIDCProvider is a single sign-on provider of the sign-in page.
type OIDCProvider struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SignInWithCode finishes a sign-in with the authenticator app's code.
func (c *Client) SignInWithCode(ctx context.Context, token, code string) (Session, error) {
	return c.startSession(ctx, "/api/auth/2fa", map[string]any{"token": token, "code": code, "refresh_in_body": true})
}

// SignInWithRecoveryCode finishes a sign-in with a recovery code (each works once).
func (c *Client) SignInWithRecoveryCode(ctx context.Context, token, code string) (Session, error) {
	return c.startSession(ctx, "/api/auth/2fa", map[string]any{"token": token, "recovery_code": code, "refresh_in_body": true})
}

// EnrolWithToken starts the enrolment an administrator requires, with the
// token of a SecondStep whose RequiredAction is "enrol".
func (c *Client) EnrolWithToken(ctx context.Context, token string) (TOTPEnrolment, error) {
	var out TOTPEnrolment
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/auth/2fa/enrol", body: map[string]any{"token": token}, public: true}, &out)
	return out, err
}

// ConfirmEnrolment confirms it with a code: a session and the recovery codes.
func (c *Client) ConfirmEnrolment(ctx context.Context, token, code string) (Session, []string, error) {
	var out struct {
		Session
		RecoveryCodes []string `json:"recovery_codes"`
	}
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/auth/2fa/enrol/confirm", public: true,
		body: map[string]any{"token": token, "code": code, "refresh_in_body": true}}, &out)
	if err != nil {
		return Session{}, nil, err
	}
	c.SetTokens(out.AccessToken, out.RefreshToken)
	return out.Session, out.RecoveryCodes, nil
}

// TwoFactor returns the caller's second-factor status.
func (c *Client) TwoFactor(ctx context.Context) (TwoFactorStatus, error) {
	var out TwoFactorStatus
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/me/2fa"}, &out)
	return out, err
}

// BeginTOTP starts enrolling an authenticator app.
func (c *Client) BeginTOTP(ctx context.Context) (TOTPEnrolment, error) {
	var out TOTPEnrolment
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/me/2fa/totp"}, &out)
	return out, err
}

// ConfirmTOTP confirms the enrolment and returns ten recovery codes.
func (c *Client) ConfirmTOTP(ctx context.Context, code string) ([]string, error) {
	var out struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/me/2fa/totp/confirm", body: map[string]any{"code": code}}, &out)
	return out.RecoveryCodes, err
}

// DisableTOTP turns two-factor authentication off; code may be a TOTP
// code or a recovery code.
func (c *Client) DisableTOTP(ctx context.Context, password, code string) error {
	key := "code"
	if len(code) != 6 {
		key = "recovery_code"
	}
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/me/2fa/disable", body: map[string]any{"password": password, key: code}}, nil)
	return err
}

// WorkspaceRequires2FA reports whether a workspace requires 2FA of its members.
func (c *Client) WorkspaceRequires2FA(ctx context.Context, workspaceID int64) (bool, error) {
	var out struct {
		Required bool `json:"required"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: fmt.Sprintf("/api/workspaces/%d/2fa-policy", workspaceID)}, &out)
	return out.Required, err
}

// SetWorkspaceRequires2FA sets that rule (workspace admins).
func (c *Client) SetWorkspaceRequires2FA(ctx context.Context, workspaceID int64, required bool) error {
	_, err := c.call(ctx, request{method: http.MethodPut, path: fmt.Sprintf("/api/workspaces/%d/2fa-policy", workspaceID), body: map[string]any{"required": required}}, nil)
	return err
}

// OIDCProviders lists the single sign-on providers and whether password
// sign-in is off for non-administrators.
func (c *Client) OIDCProviders(ctx context.Context) ([]OIDCProvider, bool, error) {
	var out struct {
		Providers []OIDCProvider `json:"providers"`
		SSOOnly   bool           `json:"sso_only"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/auth/oidc/providers", public: true}, &out)
	return out.Providers, out.SSOOnly, err
}
