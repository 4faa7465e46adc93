package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/realtime"
	"github.com/fechatter/fechatter/internal/telemetry"
)

const eventsPath = "/api/events"

// ticketTTL is the answer's expires_in.
const ticketTTL = realtime.TicketTTL

func (s *server) eventRoutes() []route {
	return []route{
		{method: http.MethodGet, path: eventsPath, public: true, handle: s.streamEvents, doc: doc{
			tag: "realtime", summary: "Stream the caller's events (SSE). Auth: bearer header, the same-origin session cookie, or ?ticket=. Resume with Last-Event-ID or ?last_event_id=.",
			query: []param{
				{name: "ticket", schema: str(), desc: "A single-use ticket from POST /api/events/ticket."},
				{name: "last_event_id", schema: str(), desc: "Resume after this stream sequence (for clients that cannot set Last-Event-ID)."},
			},
			status: http.StatusOK, eventStream: true, errors: []int{http.StatusUnauthorized, http.StatusServiceUnavailable},
		}},
		{method: http.MethodPost, path: eventsPath + "/ticket", handle: s.issueTicket, doc: doc{
			tag: "realtime", summary: "A single-use ticket (30 s) for an EventSource URL",
			status: http.StatusCreated, result: "EventTicket", errors: []int{http.StatusServiceUnavailable},
		}},
	}
}

// streamEvents answers GET /api/events. The stream ends, with a retry
// hint, when its credential is revoked or expires; the client then
// authenticates again and resumes with Last-Event-ID.
func (s *server) streamEvents(c *gin.Context) error {
	if s.events == nil {
		return apperr.Unavailable("real-time delivery is not running")
	}
	checked := time.Now()
	p, err := s.streamPrincipal(c)
	if err != nil {
		return err
	}
	telemetry.SetUserID(c.Request.Context(), p.UserID)
	if !p.ExpiresAt.IsZero() && !checked.Before(p.ExpiresAt) {
		// Within the token parser's clock leeway: a stream would end at once.
		return apperr.Unauthorized("credential expired")
	}
	release, err := s.openStream(c, p.UserID)
	defer release()
	if err != nil {
		return err
	}
	last := c.GetHeader("Last-Event-ID")
	if last == "" {
		last = c.Query("last_event_id")
	}
	cred := realtime.Credential{UserID: p.UserID, SessionID: p.SessionID, ExpiresAt: p.ExpiresAt, CheckedAt: checked}
	err = s.events.Serve(c.Writer, c.Request, cred, last)
	if errors.Is(err, realtime.ErrRevoked) {
		return apperr.Unauthorized("credential revoked or expired")
	}
	return err
}

// streamPrincipal authenticates a stream by, in order: a ticket, a bearer
// header, or the refresh cookie of a same-origin browser request.
func (s *server) streamPrincipal(c *gin.Context) (auth.Principal, error) {
	ctx := c.Request.Context()
	if ticket := c.Query("ticket"); ticket != "" {
		return s.redeemTicket(ctx, ticket)
	}
	if token, ok := bearerToken(c.GetHeader("Authorization")); ok {
		return s.auth.Authenticate(ctx, token)
	}
	if cookie := s.refreshCookie(c); cookie != "" {
		// A cookie is sent by the browser on its own: accept it only from
		// the same origin (Fetch Metadata), never cross-site.
		if site := c.GetHeader("Sec-Fetch-Site"); site != "" && !strings.EqualFold(site, "same-origin") {
			return auth.Principal{}, apperr.Forbidden("cross-site event streams are not allowed")
		}
		return s.auth.SessionFromRefresh(ctx, cookie)
	}
	c.Header("WWW-Authenticate", `Bearer realm="fechatter"`)
	return auth.Principal{}, apperr.Unauthorized("missing credentials: use a bearer token, the session cookie or a ticket")
}

// redeemTicket consumes a ticket and checks that the credential that made
// it still stands: a ticket of a session that has ended since is refused.
func (s *server) redeemTicket(ctx context.Context, ticket string) (auth.Principal, error) {
	if s.tickets == nil {
		return auth.Principal{}, apperr.Unavailable("real-time delivery is not running")
	}
	tc, err := s.tickets.Redeem(ctx, ticket)
	if errors.Is(err, realtime.ErrBadTicket) {
		return auth.Principal{}, apperr.Unauthorized("invalid, used or expired ticket")
	}
	if err != nil {
		return auth.Principal{}, &apperr.Error{Kind: apperr.KindUnavailable, Message: "tickets cannot be checked now", Err: err}
	}
	p := auth.Principal{UserID: tc.UserID, SessionID: tc.SessionID, IssuedAt: tc.IssuedAt, ExpiresAt: tc.ExpiresAt}
	if err := s.auth.CheckPrincipal(ctx, p); err != nil {
		if apperr.Is(err, apperr.KindUnauthorized) {
			return auth.Principal{}, apperr.Unauthorized("the session that made this ticket has ended")
		}
		return auth.Principal{}, err
	}
	return p, nil
}

// issueTicket answers POST /api/events/ticket. The ticket carries the
// caller's session and the expiry of the access token that asked for it.
func (s *server) issueTicket(c *gin.Context) error {
	if s.tickets == nil {
		return apperr.Unavailable("real-time delivery is not running")
	}
	p := principal(c)
	t, err := s.tickets.Issue(c.Request.Context(), realtime.TicketClaims{
		UserID: p.UserID, SessionID: p.SessionID, IssuedAt: p.IssuedAt, ExpiresAt: p.ExpiresAt,
	})
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusCreated, gin.H{"ticket": t, "expires_in": int(ticketTTL.Seconds())})
	return nil
}
