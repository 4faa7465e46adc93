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
		{method: http.MethodGet, path: "/api/notifications/unsubscribe", public: true, handle: s.unsubscribe, doc: doc{
			tag: "me", summary: "The unsubscribe link of a digest mail: turns that user's digests off without signing in",
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

// unsubscribe answers GET /api/notifications/unsubscribe?token=... with a
// line of text a person reads in the browser the mail opened.
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
