package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
)

const eventsPath = "/api/events"

// ticketTTL mirrors realtime.TicketTTL for the answer's expires_in.
const ticketTTL = 30 * time.Second

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

// streamEvents answers GET /api/events.
func (s *server) streamEvents(c *gin.Context) error {
	if s.events == nil {
		return apperr.Unavailable("real-time delivery is not running")
	}
	p, err := s.streamPrincipal(c)
	if err != nil {
		return err
	}
	last := c.GetHeader("Last-Event-ID")
	if last == "" {
		last = c.Query("last_event_id")
	}
	return s.events.Serve(c.Writer, c.Request, p.UserID, last)
}

// streamPrincipal authenticates a stream by, in order: a ticket, a bearer
// header, or the refresh cookie of a same-origin browser request.
func (s *server) streamPrincipal(c *gin.Context) (auth.Principal, error) {
	ctx := c.Request.Context()
	if ticket := c.Query("ticket"); ticket != "" {
		if s.tickets == nil {
			return auth.Principal{}, apperr.Unavailable("real-time delivery is not running")
		}
		uid, err := s.tickets.Redeem(ctx, ticket)
		if err != nil {
			return auth.Principal{}, apperr.Unauthorized("invalid, used or expired ticket")
		}
		return auth.Principal{UserID: uid}, nil
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

// issueTicket answers POST /api/events/ticket.
func (s *server) issueTicket(c *gin.Context) error {
	if s.tickets == nil {
		return apperr.Unavailable("real-time delivery is not running")
	}
	t, err := s.tickets.Issue(c.Request.Context(), userID(c))
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusCreated, gin.H{"ticket": t, "expires_in": int(ticketTTL.Seconds())})
	return nil
}
