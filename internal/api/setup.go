package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
)

// SetupGate guards first-run setup: only whoever holds the setup token the
// server printed at start (or the operator configured) may claim the
// instance, not whoever reaches the port first.
type SetupGate interface {
	// Check reports whether token is the setup token, in constant time;
	// false once the token is retired.
	Check(token string) bool
	// Done retires the token after a successful setup.
	Done()
}

// setupRequest is the body of POST /api/setup.
type setupRequest struct {
	Email         string `json:"email"`
	Password      string `json:"password"`
	Username      string `json:"username"`
	DisplayName   string `json:"display_name"`
	WorkspaceName string `json:"workspace_name"`
	SetupToken    string `json:"setup_token"`
	RefreshInBody bool   `json:"refresh_in_body"`
}

func (s *server) setupRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/setup", public: true, handle: s.setupStatus, doc: doc{
			tag: "setup", summary: "Whether first-run setup is still needed",
			status: http.StatusOK, result: "SetupStatus",
		}},
		{method: http.MethodPost, path: "/api/setup", public: true, handle: s.setup, doc: doc{
			tag: "setup", summary: "Create the instance admin and their first workspace, and sign in",
			body: "SetupRequest", status: http.StatusCreated, result: "Session",
			errors: []int{http.StatusForbidden, http.StatusConflict, http.StatusTooManyRequests},
		}},
	}
}

// setupStatus answers GET /api/setup: {"needed": bool}.
func (s *server) setupStatus(c *gin.Context) error {
	needed, err := s.chat.SetupNeeded(c.Request.Context())
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"needed": needed, "mail_enabled": s.mailConfigured()})
	return nil
}

// setup answers POST /api/setup with a session (201); 409 once a user
// exists, 403 without the right setup token.
func (s *server) setup(c *gin.Context) error {
	var in setupRequest
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	ctx := c.Request.Context()
	needed, err := s.chat.SetupNeeded(ctx)
	if err != nil {
		return err
	}
	if !needed {
		return apperr.Conflict("setup is already done")
	}
	if s.setupGate == nil || !s.setupGate.Check(in.SetupToken) {
		return apperr.Forbidden("a valid setup_token is required: use the setup link the server printed at start")
	}
	g, err := s.chat.Setup(ctx, chat.SetupInput{
		Email: in.Email, Password: in.Password, Username: in.Username,
		DisplayName: in.DisplayName, WorkspaceName: in.WorkspaceName,
	}, clientMeta(c))
	if err != nil {
		return err
	}
	s.setupGate.Done()
	s.writeSession(c, http.StatusCreated, g, in.RefreshInBody)
	return nil
}
