package api

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/model"
)

// secondStepBody answers a good password when the account has a second
// factor (required_action "code") or must enrol one ("enrol"): no session
// yet, a short-lived token for POST /api/auth/2fa or the enrol routes.
type secondStepBody struct {
	SecondStep secondStep `json:"second_step"`
}

type secondStep struct {
	Token          string   `json:"token"`
	ExpiresIn      int64    `json:"expires_in"`
	RequiredAction string   `json:"required_action"`
	Methods        []string `json:"methods"`
}

// secondStepRequest is the body of POST /api/auth/2fa.
type secondStepRequest struct {
	Token         string `json:"token"`
	Code          string `json:"code"`
	RecoveryCode  string `json:"recovery_code"`
	RefreshInBody bool   `json:"refresh_in_body"`
}

// stepTokenRequest is the body of POST /api/auth/2fa/enrol.
type stepTokenRequest struct {
	Token string `json:"token"`
}

// enrolConfirmRequest is the body of POST /api/auth/2fa/enrol/confirm.
type enrolConfirmRequest struct {
	Token         string `json:"token"`
	Code          string `json:"code"`
	RefreshInBody bool   `json:"refresh_in_body"`
}

// totpEnrolmentBody is a new, pending TOTP factor.
type totpEnrolmentBody struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
	// QRCode is a PNG of OTPAuthURL as a data: URL (the CSP allows data:
	// images).
	QRCode string `json:"qr_code"`
}

// totpCode is the body of POST /api/me/2fa/totp/confirm.
type totpCode struct {
	Code string `json:"code"`
}

// disableTwoFactor is the body of POST /api/me/2fa/disable.
type disableTwoFactor struct {
	Password     string `json:"password"`
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}

// twoFactorPolicy is a workspace's rule.
type twoFactorPolicy struct {
	Required bool `json:"required"`
}

func (s *server) twoFactorRoutes() []route {
	return []route{
		{method: http.MethodPost, path: "/api/auth/2fa", public: true, handle: s.secondStep, doc: doc{
			tag: "auth", summary: "Finish a sign-in with a TOTP code or a recovery code (the second step of POST /api/auth/signin); wrong codes lock the account's second step for 15 minutes after 5",
			body: "SecondStepRequest", status: http.StatusOK, result: "Session",
			errors: []int{http.StatusUnauthorized, http.StatusTooManyRequests},
		}},
		{method: http.MethodPost, path: "/api/auth/2fa/enrol", public: true, handle: s.enrolWithToken, doc: doc{
			tag: "auth", summary: "Start enrolling an authenticator app with a second-step token whose required_action is enrol (2FA required by an administrator)",
			body: "StepTokenRequest", status: http.StatusOK, result: "TOTPEnrolment",
			errors: []int{http.StatusUnauthorized, http.StatusConflict},
		}},
		{method: http.MethodPost, path: "/api/auth/2fa/enrol/confirm", public: true, handle: s.confirmWithToken, doc: doc{
			tag: "auth", summary: "Confirm that enrolment with a code: a session plus ten recovery codes, shown once",
			body: "EnrolConfirmRequest", status: http.StatusOK, result: "SessionWithRecoveryCodes",
			errors: []int{http.StatusUnauthorized, http.StatusConflict, http.StatusTooManyRequests},
		}},
		{method: http.MethodGet, path: "/api/me/2fa", handle: s.twoFactorStatus, doc: doc{
			tag: "me", summary: "The caller's second factor: on or off, recovery codes left, whether it is required",
			status: http.StatusOK, result: "TwoFactorStatus",
		}},
		{method: http.MethodPost, path: "/api/me/2fa/totp", handle: s.beginTOTP, doc: doc{
			tag: "me", summary: "Start enrolling an authenticator app: secret, otpauth URL and QR code (shown once; pending until confirmed)",
			status: http.StatusOK, result: "TOTPEnrolment", errors: []int{http.StatusConflict},
		}},
		{method: http.MethodPost, path: "/api/me/2fa/totp/confirm", handle: s.confirmTOTP, doc: doc{
			tag: "me", summary: "Confirm the enrolment with a code; answers ten single-use recovery codes, shown once",
			body: "TOTPCode", status: http.StatusOK, result: "RecoveryCodes",
			errors: []int{http.StatusUnauthorized, http.StatusConflict, http.StatusTooManyRequests},
		}},
		{method: http.MethodPost, path: "/api/me/2fa/disable", handle: s.disableTOTP, doc: doc{
			tag: "me", summary: "Turn two-factor authentication off (password plus a code or recovery code); refused while it is required",
			body: "DisableTwoFactor", status: http.StatusNoContent,
			errors: []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusConflict, http.StatusTooManyRequests},
		}},
		{method: http.MethodGet, path: "/api/workspaces/:ws/2fa-policy", handle: s.workspaceTwoFactor, doc: doc{
			tag: "workspaces", summary: "Whether the workspace requires its members to use two-factor authentication",
			status: http.StatusOK, result: "TwoFactorPolicy",
		}},
		{method: http.MethodPut, path: "/api/workspaces/:ws/2fa-policy", handle: s.setWorkspaceTwoFactor, doc: doc{
			tag: "workspaces", summary: "Require (or stop requiring) two-factor authentication of the members; admins only. Members without it must enrol at their next sign-in",
			body: "TwoFactorPolicy", status: http.StatusOK, result: "TwoFactorPolicy", errors: []int{http.StatusForbidden},
		}},
	}
}

// writeGrant answers a password step: the session, or the second step.
func (s *server) writeGrant(c *gin.Context, status int, g auth.Grant, refreshInBody bool) {
	if ch := g.Challenge; ch != nil {
		body := secondStepBody{SecondStep: secondStep{
			Token: ch.Token, ExpiresIn: int64(ch.ExpiresIn / time.Second),
			RequiredAction: "code", Methods: []string{"totp", "recovery_code"},
		}}
		if ch.Enrol {
			body.SecondStep.RequiredAction, body.SecondStep.Methods = "enrol", []string{"totp"}
		}
		writeJSON(c, http.StatusOK, body)
		return
	}
	s.writeSession(c, status, g, refreshInBody)
}

// secondStep answers POST /api/auth/2fa.
func (s *server) secondStep(c *gin.Context) error {
	var in secondStepRequest
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if in.Code == "" && in.RecoveryCode == "" {
		return apperr.Invalid("a code or a recovery code is required", map[string]string{"code": "is required"})
	}
	g, err := s.auth.SecondStep(c.Request.Context(), in.Token, in.Code, in.RecoveryCode, clientMeta(c))
	if err != nil {
		return err
	}
	s.writeSession(c, http.StatusOK, g, in.RefreshInBody)
	return nil
}

// enrolWithToken answers POST /api/auth/2fa/enrol.
func (s *server) enrolWithToken(c *gin.Context) error {
	var in stepTokenRequest
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	e, err := s.auth.EnrolWithToken(c.Request.Context(), in.Token)
	if err != nil {
		return err
	}
	return writeEnrolment(c, e)
}

// confirmWithToken answers POST /api/auth/2fa/enrol/confirm.
func (s *server) confirmWithToken(c *gin.Context) error {
	var in enrolConfirmRequest
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	g, codes, err := s.auth.ConfirmWithToken(c.Request.Context(), in.Token, in.Code, clientMeta(c))
	if err != nil {
		return err
	}
	body := sessionBody{
		User: g.User, AccessToken: g.AccessToken, TokenType: "Bearer",
		ExpiresIn: int64(g.ExpiresIn / time.Second), RecoveryCodes: codes,
	}
	if in.RefreshInBody {
		body.RefreshToken = g.RefreshToken
	} else {
		s.setRefreshCookie(c, g.RefreshToken, g.RefreshExpiresAt)
	}
	writeJSON(c, http.StatusOK, body)
	return nil
}

// twoFactorStatus answers GET /api/me/2fa.
func (s *server) twoFactorStatus(c *gin.Context) error {
	st, err := s.auth.TwoFactor(c.Request.Context(), userID(c))
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, st)
	return nil
}

// beginTOTP answers POST /api/me/2fa/totp.
func (s *server) beginTOTP(c *gin.Context) error {
	e, err := s.auth.BeginTOTP(c.Request.Context(), userID(c))
	if err != nil {
		return err
	}
	return writeEnrolment(c, e)
}

// writeEnrolment answers a new enrolment with its QR code. It is never
// cached: the secret is in it.
func writeEnrolment(c *gin.Context, e auth.TOTPEnrolment) error {
	png, err := qrcode.Encode(e.URL, qrcode.Medium, 256)
	if err != nil {
		return fmt.Errorf("qr code: %w", err)
	}
	c.Header("Cache-Control", "no-store")
	writeJSON(c, http.StatusOK, totpEnrolmentBody{
		Secret: e.Secret, OTPAuthURL: e.URL,
		QRCode: "data:image/png;base64," + base64.StdEncoding.EncodeToString(png),
	})
	return nil
}

// confirmTOTP answers POST /api/me/2fa/totp/confirm.
func (s *server) confirmTOTP(c *gin.Context) error {
	var in totpCode
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	codes, err := s.auth.ConfirmTOTP(c.Request.Context(), userID(c), in.Code)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	writeJSON(c, http.StatusOK, gin.H{"recovery_codes": codes})
	return nil
}

// disableTOTP answers POST /api/me/2fa/disable.
func (s *server) disableTOTP(c *gin.Context) error {
	var in disableTwoFactor
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if err := s.auth.DisableTOTP(c.Request.Context(), principal(c), in.Password, in.Code, in.RecoveryCode); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// workspaceTwoFactor answers GET /api/workspaces/{ws}/2fa-policy for members.
func (s *server) workspaceTwoFactor(c *gin.Context) error {
	ws, _, err := s.workspaceRole(c)
	if err != nil {
		return err
	}
	on, err := s.auth.WorkspaceRequires2FA(c.Request.Context(), ws)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, twoFactorPolicy{Required: on})
	return nil
}

// setWorkspaceTwoFactor answers PUT /api/workspaces/{ws}/2fa-policy.
func (s *server) setWorkspaceTwoFactor(c *gin.Context) error {
	ws, role, err := s.workspaceRole(c)
	if err != nil {
		return err
	}
	if !role.AtLeast(model.RoleAdmin) {
		return apperr.Forbidden("only workspace admins may change this")
	}
	var in twoFactorPolicy
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if err := s.auth.SetWorkspaceRequires2FA(c.Request.Context(), ws, in.Required); err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, in)
	return nil
}

// workspaceRole returns the path's workspace and the caller's role in it;
// 404 when the caller is not a member.
func (s *server) workspaceRole(c *gin.Context) (int64, model.Role, error) {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return 0, "", err
	}
	wr, err := s.chat.Workspace(c.Request.Context(), userID(c), ws)
	if err != nil {
		return 0, "", err
	}
	return ws, wr.Role, nil
}
