package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// maxInviteCode bounds an invite code in a path; longer ones cannot exist.
const maxInviteCode = 128

// inviteRequest is the optional body of POST /api/workspaces/{ws}/invites.
type inviteRequest struct {
	MaxUses        int `json:"max_uses"`
	ExpiresInHours int `json:"expires_in_hours"`
}

// inviteCreated answers POST /api/workspaces/{ws}/invites; the code is
// shown this once.
type inviteCreated struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	MaxUses   int       `json:"max_uses"`
	ExpiresAt time.Time `json:"expires_at"`
}

// inviteJSON is an invite in GET /api/workspaces/{ws}/invites: never its
// code (only its hash is kept), and its creator as a bare user id.
type inviteJSON struct {
	ID int64 `json:"id"`
	// MaxUses 0 is unlimited (invites made before limits were required).
	MaxUses int `json:"max_uses"`
	Uses    int `json:"uses"`
	// ExpiresAt is null for an invite that never expires (likewise older).
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedBy int64      `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
}

// toInvite shapes a model.Invite for the API.
func toInvite(inv model.Invite) inviteJSON {
	out := inviteJSON{ID: inv.ID, MaxUses: inv.MaxUses, Uses: inv.Uses, CreatedBy: inv.CreatedBy, CreatedAt: inv.CreatedAt.UTC()}
	if !inv.ExpiresAt.IsZero() {
		t := inv.ExpiresAt.UTC()
		out.ExpiresAt = &t
	}
	return out
}

// invitePreview answers GET /api/invites/{code}: just enough to decide.
type invitePreview struct {
	Workspace struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"workspace"`
}

func (s *server) inviteRoutes() []route {
	return []route{
		{method: http.MethodPost, path: "/api/workspaces/:ws/invites", handle: s.createInvite, doc: doc{
			tag: "invites", summary: "Create an invite code (admins)", body: "InviteRequest", bodyOptional: true,
			status: http.StatusCreated, result: "InviteCreated", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodGet, path: "/api/workspaces/:ws/invites", handle: s.listInvites, doc: doc{
			tag: "invites", summary: "The live invites of a workspace (admins); codes are never shown again",
			status: http.StatusOK, result: "InviteList", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodDelete, path: "/api/workspaces/:ws/invites/:invite", handle: s.revokeInvite, doc: doc{
			tag: "invites", summary: "Revoke an invite (admins); its code stops working at once",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodGet, path: "/api/invites/:code", public: true, handle: s.lookupInvite, doc: doc{
			tag: "invites", summary: "The workspace an invite code leads to", status: http.StatusOK, result: "InvitePreview",
			errors: []int{http.StatusTooManyRequests},
		}},
		{method: http.MethodPost, path: "/api/invites/:code/accept", handle: s.acceptInvite, doc: doc{
			tag: "invites", summary: "Join the invite's workspace as a member; 403 for a user banned from it",
			status: http.StatusOK, result: "Workspace", errors: []int{http.StatusForbidden, http.StatusConflict},
		}},
	}
}

// createInvite answers POST /api/workspaces/{ws}/invites with 201.
func (s *server) createInvite(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	var in inviteRequest
	if err := decodeJSON(c.Request, &in, bodyOptional); err != nil {
		return err
	}
	inv, err := s.chat.CreateInvite(c.Request.Context(), userID(c), ws, chat.InviteInput{
		MaxUses: in.MaxUses, ExpiresInHours: in.ExpiresInHours,
	})
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusCreated, inviteCreated{ID: inv.ID, Code: inv.Code, MaxUses: inv.MaxUses, ExpiresAt: inv.ExpiresAt.UTC()})
	return nil
}

// listInvites answers GET /api/workspaces/{ws}/invites.
func (s *server) listInvites(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	list, err := s.chat.ListInvites(c.Request.Context(), userID(c), ws)
	if err != nil {
		return err
	}
	out := make([]inviteJSON, 0, len(list))
	for _, inv := range list {
		out = append(out, toInvite(inv))
	}
	writeJSON(c, http.StatusOK, gin.H{"invites": out})
	return nil
}

// revokeInvite answers DELETE /api/workspaces/{ws}/invites/{invite} with 204.
func (s *server) revokeInvite(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	id, err := pathID(c, "invite", "invite")
	if err != nil {
		return err
	}
	if err := s.chat.RevokeInvite(c.Request.Context(), userID(c), ws, id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// lookupInvite answers GET /api/invites/{code} without authentication.
func (s *server) lookupInvite(c *gin.Context) error {
	code, err := inviteCode(c)
	if err != nil {
		return err
	}
	w, err := s.chat.LookupInvite(c.Request.Context(), code)
	if err != nil {
		return err
	}
	var out invitePreview
	out.Workspace.ID, out.Workspace.Name = w.ID, w.Name
	writeJSON(c, http.StatusOK, out)
	return nil
}

// acceptInvite answers POST /api/invites/{code}/accept with the workspace.
func (s *server) acceptInvite(c *gin.Context) error {
	code, err := inviteCode(c)
	if err != nil {
		return err
	}
	wr, err := s.chat.AcceptInvite(c.Request.Context(), userID(c), code)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, toWorkspace(wr))
	return nil
}

// inviteCode returns the {code} path parameter; absurd ones are 404.
func inviteCode(c *gin.Context) (string, error) {
	code, err := pathString(c, "code", "invite")
	if err != nil {
		return "", err
	}
	if len(code) > maxInviteCode {
		return "", apperr.NotFound("invite")
	}
	return code, nil
}
