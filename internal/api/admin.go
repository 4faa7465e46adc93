package api

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// The instance administrator's routes. The command line (`fechatter
// admin`) runs the same use cases.
func (s *server) adminRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/admin/audit", instanceAdmin: true, handle: s.auditLog, doc: doc{
			tag: "admin", summary: "The audit log of administrative actions, newest first (instance administrators)",
			query: []param{
				{name: "before", schema: idSchema(), desc: "Only entries with a smaller id (the id of the last entry of the previous page)."},
				{name: "limit", schema: limitSchema(), desc: "At most this many, " + limitRange + "."},
				{name: "action", schema: str(), desc: "Only this action (user.create, user.disable, member.role, ...)."},
			},
			status: http.StatusOK, result: "AuditPage", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodGet, path: "/api/admin/users", instanceAdmin: true, handle: s.adminUsers, doc: doc{
			tag: "admin", summary: "Every account of the instance by id (instance administrators)",
			query: []param{
				{name: "after", schema: intSchema(0), desc: "Only users with a larger id (the id of the last user of the previous page)."},
				{name: "limit", schema: limitSchema(), desc: "At most this many, " + limitRange + "."},
			},
			status: http.StatusOK, result: "AdminUserList", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodPatch, path: "/api/admin/users/:user", instanceAdmin: true, handle: s.patchAdminUser, doc: doc{
			tag: "admin", summary: "Disable or enable an account, promote or demote an instance administrator",
			body: "AdminUserPatch", status: http.StatusOK, result: "AdminUser",
			errors: []int{http.StatusForbidden, http.StatusConflict},
		}},
	}
}

// auditContext is the request's context carrying the client IP that the
// audit records of the request name.
func auditContext(c *gin.Context) context.Context {
	return chat.WithAuditSource(c.Request.Context(), c.ClientIP())
}

// auditLog answers GET /api/admin/audit.
func (s *server) auditLog(c *gin.Context) error {
	before, err := queryInt(c, "before", 0, 1, math.MaxInt64)
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	list, err := s.chat.AuditLog(c.Request.Context(), chat.AuditQuery{BeforeID: before, Limit: limit, Action: c.Query("action")})
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"entries": orEmpty(list)})
	return nil
}

// adminUserJSON is a user as the administrator sees it.
type adminUserJSON struct {
	model.User
	DisabledAt *time.Time `json:"disabled_at"`
}

func toAdminUser(u model.User) adminUserJSON { return adminUserJSON{User: u, DisabledAt: u.DisabledAt} }

// adminUsers answers GET /api/admin/users.
func (s *server) adminUsers(c *gin.Context) error {
	after, err := queryInt(c, "after", 0, 0, math.MaxInt64)
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	list, err := s.chat.ListUsers(c.Request.Context(), after, limit)
	if err != nil {
		return err
	}
	out := make([]adminUserJSON, 0, len(list))
	for _, u := range list {
		out = append(out, toAdminUser(u))
	}
	writeJSON(c, http.StatusOK, gin.H{"users": out})
	return nil
}

// adminUserPatch is the body of PATCH /api/admin/users/{user}.
type adminUserPatch struct {
	Disabled *bool `json:"disabled"`
	IsAdmin  *bool `json:"is_admin"`
}

// patchAdminUser answers PATCH /api/admin/users/{user}.
func (s *server) patchAdminUser(c *gin.Context) error {
	target, err := pathID(c, "user", "user")
	if err != nil {
		return err
	}
	var in adminUserPatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	// One change per request, so that a refusal of the second never
	// leaves the first applied.
	if (in.Disabled == nil) == (in.IsAdmin == nil) {
		return apperr.Invalid("send exactly one of disabled and is_admin",
			map[string]string{"disabled": "send exactly one of disabled and is_admin"})
	}
	ctx, actor := auditContext(c), chat.Actor{UserID: userID(c), Source: c.ClientIP()}
	var u model.User
	if in.IsAdmin != nil {
		if u, err = s.chat.SetInstanceAdmin(ctx, actor, target, *in.IsAdmin); err != nil {
			return err
		}
	}
	if in.Disabled != nil {
		if u, err = s.chat.SetDisabled(ctx, actor, target, *in.Disabled); err != nil {
			return err
		}
	}
	writeJSON(c, http.StatusOK, toAdminUser(u))
	return nil
}
