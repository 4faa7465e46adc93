package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

func (s *server) banRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/workspaces/:ws/bans", handle: s.listBans, doc: doc{
			tag: "workspaces", summary: "The users banned from a workspace (admins), newest first",
			status: http.StatusOK, result: "BanList", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodDelete, path: "/api/workspaces/:ws/bans/:user", handle: s.unban, doc: doc{
			tag: "workspaces", summary: "Lift a ban (admins), so that an invite can bring the user back",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodGet, path: "/api/workspaces/:ws/usage", handle: s.workspaceUsage, doc: doc{
			tag: "files", summary: "File storage used by a workspace, its quotas and top uploaders (admins)",
			status: http.StatusOK, result: "StorageUsage", errors: []int{http.StatusForbidden},
		}},
	}
}

// listBans answers GET /api/workspaces/{ws}/bans.
func (s *server) listBans(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	list, err := s.chat.ListBans(c.Request.Context(), userID(c), ws)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"bans": orEmpty(list)})
	return nil
}

// unban answers DELETE /api/workspaces/{ws}/bans/{user} with 204.
func (s *server) unban(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	target, err := pathID(c, "user", "ban")
	if err != nil {
		return err
	}
	if err := s.chat.Unban(c.Request.Context(), userID(c), ws, target); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// storageUsageJSON answers GET /api/workspaces/{ws}/usage.
type storageUsageJSON struct {
	WorkspaceID int64 `json:"workspace_id"`
	Files       int64 `json:"files"`
	UsedBytes   int64 `json:"used_bytes"`
	// QuotaBytes and UserQuotaBytes are 0 when unlimited.
	QuotaBytes     int64           `json:"quota_bytes"`
	UserQuotaBytes int64           `json:"user_quota_bytes"`
	TopUsers       []userUsageJSON `json:"top_users"`
}

// userUsageJSON is one uploader's files in the workspace.
type userUsageJSON struct {
	User      model.User `json:"user"`
	Files     int64      `json:"files"`
	UsedBytes int64      `json:"used_bytes"`
}

// workspaceUsage answers GET /api/workspaces/{ws}/usage.
func (s *server) workspaceUsage(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	u, err := s.chat.WorkspaceUsage(c.Request.Context(), userID(c), ws)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, toStorageUsage(ws, u))
	return nil
}

// toStorageUsage shapes chat.StorageUsage for the API.
func toStorageUsage(ws int64, u chat.StorageUsage) storageUsageJSON {
	out := storageUsageJSON{WorkspaceID: ws, Files: u.Files, UsedBytes: u.Bytes, QuotaBytes: u.QuotaBytes,
		UserQuotaBytes: u.UserQuotaBytes, TopUsers: make([]userUsageJSON, 0, len(u.TopUsers))}
	for _, top := range u.TopUsers {
		out.TopUsers = append(out.TopUsers, userUsageJSON{User: top.User, Files: top.Files, UsedBytes: top.Bytes})
	}
	return out
}
