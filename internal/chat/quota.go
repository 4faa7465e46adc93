package chat

import (
	"context"
	"fmt"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
)

// topUploaders is how many users WorkspaceUsage names.
const topUploaders = 10

// quota is the room left for one upload and which quota sets it.
type quota struct {
	// room is the bytes that may still be uploaded; -1 means unlimited.
	room int64
	// limit and what describe the quota that sets room.
	limit int64
	what  string
}

// exceeded is the 413 of an upload that does not fit.
func (q quota) exceeded() error {
	return apperr.New(apperr.KindTooLarge, "storage quota exceeded: %s may use at most %d bytes and %d are left; delete files or ask an admin",
		q.what, q.limit, max(q.room, 0))
}

// usageReader reads the bytes uploaded to a workspace and by a user.
type usageReader interface {
	FileUsage(ctx context.Context, workspaceID, userID int64) (workspaceBytes, userBytes int64, err error)
}

// quotaRoom returns the room left for userID uploading into wsID: the
// smaller of what the per-user and the per-workspace quota leave.
func (s *Service) quotaRoom(ctx context.Context, files usageReader, wsID, userID int64) (quota, error) {
	q := quota{room: -1}
	if s.cfg.QuotaPerUser <= 0 && s.cfg.QuotaPerWorkspace <= 0 {
		return q, nil
	}
	wsBytes, userBytes, err := files.FileUsage(ctx, wsID, userID)
	if err != nil {
		return quota{}, fmt.Errorf("file usage: %w", err)
	}
	for _, c := range []struct {
		limit, used int64
		what        string
	}{
		{s.cfg.QuotaPerUser, userBytes, "your uploads"},
		{s.cfg.QuotaPerWorkspace, wsBytes, "this workspace's files"},
	} {
		if c.limit <= 0 {
			continue
		}
		if left := max(c.limit-c.used, 0); q.room < 0 || left < q.room {
			q = quota{room: left, limit: c.limit, what: c.what}
		}
	}
	return q, nil
}

// StorageUsage is a workspace's file storage as its admins see it.
type StorageUsage struct {
	Files int64
	Bytes int64
	// QuotaBytes is the per-workspace quota, UserQuotaBytes the per-user
	// one (a user's uploads in all workspaces); 0 means unlimited.
	QuotaBytes     int64
	UserQuotaBytes int64
	// TopUsers are the users with the most bytes in this workspace.
	TopUsers []UserUsage
}

// UserUsage is one user's uploads in a workspace.
type UserUsage struct {
	User  model.User
	Files int64
	Bytes int64
}

// WorkspaceUsage returns the workspace's storage use, its quotas and its
// top uploaders; admins and owners only.
func (s *Service) WorkspaceUsage(ctx context.Context, userID, wsID int64) (StorageUsage, error) {
	if err := s.requireAdmin(ctx, userID, wsID, "see storage usage"); err != nil {
		return StorageUsage{}, err
	}
	u, err := s.store.WorkspaceUsage(ctx, wsID, topUploaders)
	if err != nil {
		return StorageUsage{}, fmt.Errorf("workspace usage: %w", err)
	}
	out := StorageUsage{Files: u.Files, Bytes: u.Bytes, QuotaBytes: s.cfg.QuotaPerWorkspace,
		UserQuotaBytes: s.cfg.QuotaPerUser, TopUsers: []UserUsage{}}
	ids := make([]int64, 0, len(u.TopUploaders))
	for _, up := range u.TopUploaders {
		ids = append(ids, up.UserID)
	}
	users, err := s.store.UsersByIDs(ctx, ids)
	if err != nil {
		return StorageUsage{}, fmt.Errorf("load uploaders: %w", err)
	}
	byID := make(map[int64]model.User, len(users))
	for _, usr := range users {
		byID[usr.ID] = usr
	}
	for _, up := range u.TopUploaders {
		out.TopUsers = append(out.TopUsers, UserUsage{User: byID[up.UserID], Files: up.Files, Bytes: up.Bytes})
	}
	return out, nil
}
