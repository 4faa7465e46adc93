package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
)

// DigestService is the email digest (internal/mail's Digest): each user's
// setting and the unsubscribe link of its mails.
type DigestService interface {
	// Active reports whether digests are sent (mail configured and
	// notifications.email_digest_after not 0).
	Active() bool
	DigestEnabled(ctx context.Context, userID int64) (bool, error)
	SetDigestEnabled(ctx context.Context, userID int64, on bool) error
	// CheckUnsubscribe checks an unsubscribe token without changing
	// anything; 400 on "token" for a token the server did not make.
	CheckUnsubscribe(token string) error
	// Unsubscribe turns digests off for the user an unsubscribe token
	// names; 400 on "token" for a token the server did not make.
	Unsubscribe(ctx context.Context, token string) error
}

type digestSetting struct {
	Enabled *bool `json:"enabled"`
}

func (s *server) digestRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/me/email-digest", handle: s.emailDigest, doc: doc{
			tag: "me", summary: "Whether the caller gets the email digest of unread direct messages and mentions",
			status: http.StatusOK, result: "EmailDigest",
		}},
		{method: http.MethodPut, path: "/api/me/email-digest", handle: s.putEmailDigest, doc: doc{
			tag: "me", summary: "Turn the caller's email digest on or off",
			body: "EmailDigestSetting", status: http.StatusOK, result: "EmailDigest",
		}},
		{method: http.MethodGet, path: "/api/notifications/unsubscribe", public: true, handle: s.unsubscribePage, doc: doc{
			tag: "me", summary: "The unsubscribe link of a digest mail: a page asking to confirm (opening a link changes nothing, so mail scanners that follow links do not unsubscribe anyone)",
			query:  []param{{name: "token", schema: str(), desc: "The token of the link in the mail."}},
			status: http.StatusOK, text: true,
		}},
		{method: http.MethodPost, path: "/api/notifications/unsubscribe", public: true, handle: s.unsubscribe, doc: doc{
			tag: "me", summary: "Turn that user's digests off without signing in: the confirmation page's button, and RFC 8058 one-click unsubscribe from mail clients",
			query:  []param{{name: "token", schema: str(), desc: "The token of the link in the mail."}},
			status: http.StatusOK, text: true,
		}},
	}
}

func (s *server) digestOrUnavailable() (DigestService, error) {
	if s.digest == nil {
		return nil, apperr.Unavailable("email digests are not available on this server")
	}
	return s.digest, nil
}

// emailDigest answers GET /api/me/email-digest.
func (s *server) emailDigest(c *gin.Context) error {
	d, err := s.digestOrUnavailable()
	if err != nil {
		return err
	}
	on, err := d.DigestEnabled(c.Request.Context(), userID(c))
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"enabled": on, "active": d.Active()})
	return nil
}

// putEmailDigest answers PUT /api/me/email-digest.
func (s *server) putEmailDigest(c *gin.Context) error {
	d, err := s.digestOrUnavailable()
	if err != nil {
		return err
	}
	var in digestSetting
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if in.Enabled == nil {
		return apperr.Field("enabled", "is required")
	}
	if err := d.SetDigestEnabled(c.Request.Context(), userID(c), *in.Enabled); err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"enabled": *in.Enabled, "active": d.Active()})
	return nil
}

// unsubscribePage answers GET /api/notifications/unsubscribe?token=...: a
// page with one button that POSTs back to the same address. A GET never
// changes anything, since mail scanners open every link in a mail.
func (s *server) unsubscribePage(c *gin.Context) error {
	d, err := s.digestOrUnavailable()
	if err != nil {
		return err
	}
	if err := d.CheckUnsubscribe(c.Query("token")); err != nil {
		return err
	}
	// The form has no action, so it posts to this page's own address,
	// token included; the API's CSP (default-src 'none') allows it.
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Unsubscribe - Fechatter</title></head>
<body><h1>Stop email digests?</h1>
<p>Fechatter mails you a digest of direct messages and mentions left unread while you are away.</p>
<form method="post"><button type="submit">Turn email digests off</button></form>
</body></html>
`))
	return nil
}

// unsubscribe answers POST /api/notifications/unsubscribe?token=... (the
// page's button, or a mail client's RFC 8058 one-click POST) with a line
// of text a person reads in the browser.
func (s *server) unsubscribe(c *gin.Context) error {
	d, err := s.digestOrUnavailable()
	if err != nil {
		return err
	}
	if err := d.Unsubscribe(c.Request.Context(), c.Query("token")); err != nil {
		return err
	}
	c.Data(http.StatusOK, "text/plain; charset=utf-8",
		[]byte("Email digests are now off for your Fechatter account. You can turn them on again in your settings.\n"))
	return nil
}
