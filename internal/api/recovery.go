package api

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// Paths of the web app's pages that mailed links open.
const (
	resetPagePath        = "reset-password"
	confirmEmailPagePath = "confirm-email"
)

// MailService sends the account mails (internal/mail's Mailer). Each
// Mail* call queues the mail and reports whether it was taken.
type MailService interface {
	// Configured reports whether the server has an SMTP relay.
	Configured() bool
	MailPasswordReset(to, name, link string, expires time.Time) bool
	MailEmailChange(to, name, link string, expires time.Time) bool
}

// RecoveryService holds the use cases behind mailed links (chat.Service).
type RecoveryService interface {
	RequestPasswordReset(ctx context.Context, email string) (chat.AccountLink, bool, error)
	ConfirmPasswordReset(ctx context.Context, token, password string) error
	IssueResetLink(ctx context.Context, adminID, userID int64) (chat.AccountLink, error)
	RequestEmailChange(ctx context.Context, userID int64, newEmail string) (chat.AccountLink, bool, error)
	ConfirmEmailChange(ctx context.Context, userID int64, token string) (model.User, error)
}

// The one answer of a reset request and of an email change request,
// whatever the address.
const (
	resetAccepted       = "If an account has this email address, a link to reset its password is on its way. It works once, for 30 minutes."
	emailChangeAccepted = "A confirmation link is on its way to the new address; the email changes when it is opened while signed in."
)

type passwordResetRequest struct {
	Email string `json:"email"`
}

type passwordResetConfirm struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

type emailChangeRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type emailChangeConfirm struct {
	Token string `json:"token"`
}

func (s *server) recoveryRoutes() []route {
	return []route{
		{method: http.MethodPost, path: "/api/auth/password-reset", public: true, handle: s.requestPasswordReset, doc: doc{
			tag: "auth", summary: "Mail a single-use, 30-minute password-reset link; the answer is the same whether or not the address has an account",
			body: "PasswordResetRequest", status: http.StatusAccepted, result: "MailAccepted",
			errors: []int{http.StatusTooManyRequests},
		}},
		{method: http.MethodPost, path: "/api/auth/password-reset/confirm", public: true, handle: s.confirmPasswordReset, doc: doc{
			tag: "auth", summary: "Set a new password with a reset link's token; every session of the account ends",
			body: "PasswordResetConfirm", status: http.StatusNoContent, errors: []int{http.StatusTooManyRequests},
		}},
		{method: http.MethodPost, path: "/api/me/email", handle: s.requestEmailChange, doc: doc{
			tag: "me", summary: "Mail a confirmation link to a new email address (503 when the server cannot send mail)",
			body: "EmailChangeRequest", status: http.StatusAccepted, result: "MailAccepted",
			errors: []int{http.StatusTooManyRequests, http.StatusServiceUnavailable},
		}},
		{method: http.MethodPost, path: "/api/me/email/confirm", handle: s.confirmEmailChange, doc: doc{
			tag: "me", summary: "Move the caller to the new email address of a confirmation link's token",
			body: "EmailChangeConfirm", status: http.StatusOK, result: "User", errors: []int{http.StatusConflict},
		}},
		{method: http.MethodPost, path: "/api/admin/users/:user/reset-link", instanceAdmin: true, handle: s.issueResetLink, doc: doc{
			tag: "admin", summary: "Make a single-use, 30-minute password-reset link for a user, to hand over when the server cannot send mail (instance administrators; audited)",
			status: http.StatusCreated, result: "ResetLink", errors: []int{http.StatusForbidden},
		}},
	}
}

// mailConfigured reports whether the server can send mail.
func (s *server) mailConfigured() bool { return s.mail != nil && s.mail.Configured() }

// recoveryOrUnavailable is the recovery service, or 503 without one.
func (s *server) recoveryOrUnavailable() (RecoveryService, error) {
	if s.accounts == nil {
		return nil, apperr.Unavailable("account recovery is not available on this server")
	}
	return s.accounts, nil
}

// pageLink is the address of a web app page with a token.
func (s *server) pageLink(page, token string) string {
	return s.cfg.PublicURL() + page + "?token=" + url.QueryEscape(token)
}

// requestPasswordReset answers POST /api/auth/password-reset: 202, the
// same body for every well-formed address; the mail goes out from the
// mailer's queue so that the answer takes as long either way.
func (s *server) requestPasswordReset(c *gin.Context) error {
	rec, err := s.recoveryOrUnavailable()
	if err != nil {
		return err
	}
	var in passwordResetRequest
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if s.mailConfigured() {
		link, ok, err := rec.RequestPasswordReset(c.Request.Context(), in.Email)
		if err != nil {
			return err
		}
		if ok {
			s.mail.MailPasswordReset(link.To, displayName(link.User), s.pageLink(resetPagePath, link.Token), link.ExpiresAt)
		}
	} else if in.Email == "" {
		return apperr.Field("email", "is required")
	}
	writeJSON(c, http.StatusAccepted, gin.H{"message": resetAccepted})
	return nil
}

// confirmPasswordReset answers POST /api/auth/password-reset/confirm.
func (s *server) confirmPasswordReset(c *gin.Context) error {
	rec, err := s.recoveryOrUnavailable()
	if err != nil {
		return err
	}
	var in passwordResetConfirm
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if err := rec.ConfirmPasswordReset(c.Request.Context(), in.Token, in.Password); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// requestEmailChange answers POST /api/me/email: 202 whether or not the
// new address has an account (one that has gets no mail).
func (s *server) requestEmailChange(c *gin.Context) error {
	rec, err := s.recoveryOrUnavailable()
	if err != nil {
		return err
	}
	var in emailChangeRequest
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if !s.mailConfigured() {
		return apperr.Unavailable("this server cannot send mail, so an email change cannot be confirmed; ask an instance administrator")
	}
	if err := s.auth.CheckPassword(c.Request.Context(), principal(c), "password", in.Password); err != nil {
		return err
	}
	link, ok, err := rec.RequestEmailChange(c.Request.Context(), userID(c), in.Email)
	if err != nil {
		return err
	}
	if ok {
		s.mail.MailEmailChange(link.To, displayName(link.User), s.pageLink(confirmEmailPagePath, link.Token), link.ExpiresAt)
	}
	writeJSON(c, http.StatusAccepted, gin.H{"message": emailChangeAccepted})
	return nil
}

// confirmEmailChange answers POST /api/me/email/confirm with the user.
func (s *server) confirmEmailChange(c *gin.Context) error {
	rec, err := s.recoveryOrUnavailable()
	if err != nil {
		return err
	}
	var in emailChangeConfirm
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	u, err := rec.ConfirmEmailChange(c.Request.Context(), userID(c), in.Token)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, u)
	return nil
}

// issueResetLink answers POST /api/admin/users/{user}/reset-link: 201
// {url, expires_at}.
func (s *server) issueResetLink(c *gin.Context) error {
	rec, err := s.recoveryOrUnavailable()
	if err != nil {
		return err
	}
	target, err := pathID(c, "user", "user")
	if err != nil {
		return err
	}
	link, err := rec.IssueResetLink(auditContext(c), userID(c), target)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusCreated, gin.H{"url": s.pageLink(resetPagePath, link.Token), "expires_at": link.ExpiresAt})
	return nil
}

// displayName is how a mail greets u.
func displayName(u model.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Username
}
