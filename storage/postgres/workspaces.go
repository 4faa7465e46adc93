package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

const workspaceCols = `w.id, w.name, w.created_by, w.created_at`

func workspaceDest(w *model.Workspace) []any {
	return []any{&w.ID, &w.Name, &w.CreatedBy, &w.CreatedAt}
}

// CreateWorkspace inserts w and sets w.ID and w.CreatedAt.
func (q *queries) CreateWorkspace(ctx context.Context, w *model.Workspace) error {
	created := now()
	err := q.db.QueryRow(ctx, `INSERT INTO workspaces (name, created_by, created_at)
		VALUES ($1, $2, $3) RETURNING id`, w.Name, w.CreatedBy, created).Scan(&w.ID)
	if err != nil {
		return wrap("create workspace", err)
	}
	w.CreatedAt = created
	return nil
}

// WorkspaceByID returns one workspace.
func (q *queries) WorkspaceByID(ctx context.Context, id int64) (model.Workspace, error) {
	var w model.Workspace
	err := q.db.QueryRow(ctx, `SELECT `+workspaceCols+` FROM workspaces w WHERE w.id = $1`, id).
		Scan(workspaceDest(&w)...)
	if err != nil {
		return model.Workspace{}, wrap("workspace by id", err)
	}
	return w, nil
}

// WorkspaceForMember returns the workspace and userID's role in it.
func (q *queries) WorkspaceForMember(ctx context.Context, workspaceID, userID int64) (storage.WorkspaceRole, error) {
	var wr storage.WorkspaceRole
	err := q.db.QueryRow(ctx, `SELECT `+workspaceCols+`, wm.role FROM workspaces w
		JOIN workspace_members wm ON wm.workspace_id = w.id AND wm.user_id = $2
		WHERE w.id = $1`, workspaceID, userID).
		Scan(append(workspaceDest(&wr.Workspace), &wr.Role)...)
	if err != nil {
		return storage.WorkspaceRole{}, wrap("workspace for member", err)
	}
	return wr, nil
}

// ListWorkspacesForUser returns the workspaces userID belongs to, oldest first.
func (q *queries) ListWorkspacesForUser(ctx context.Context, userID int64) ([]storage.WorkspaceRole, error) {
	rows, err := q.db.Query(ctx, `SELECT `+workspaceCols+`, wm.role FROM workspaces w
		JOIN workspace_members wm ON wm.workspace_id = w.id
		WHERE wm.user_id = $1 ORDER BY w.created_at, w.id`, userID)
	if err != nil {
		return nil, wrap("list workspaces", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (storage.WorkspaceRole, error) {
		var wr storage.WorkspaceRole
		err := r.Scan(append(workspaceDest(&wr.Workspace), &wr.Role)...)
		return wr, err
	})
	return nonNil(out), wrap("list workspaces", err)
}

// ListAllWorkspaces returns every workspace, oldest first.
func (q *queries) ListAllWorkspaces(ctx context.Context) ([]model.Workspace, error) {
	rows, err := q.db.Query(ctx, `SELECT `+workspaceCols+` FROM workspaces w ORDER BY w.created_at, w.id`)
	if err != nil {
		return nil, wrap("list all workspaces", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Workspace, error) {
		var w model.Workspace
		return w, r.Scan(workspaceDest(&w)...)
	})
	return nonNil(out), wrap("list all workspaces", err)
}

// RenameWorkspace changes the workspace's name.
func (q *queries) RenameWorkspace(ctx context.Context, id int64, name string) error {
	tag, err := q.db.Exec(ctx, `UPDATE workspaces SET name = $2 WHERE id = $1`, id, name)
	return mustAffect("rename workspace", tag, err)
}

// DeleteWorkspace removes the workspace and, by cascade, everything in it.
// Outbox rows stay: the workspace.deleted event must still be relayed.
func (q *queries) DeleteWorkspace(ctx context.Context, id int64) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM workspaces WHERE id = $1`, id)
	return mustAffect("delete workspace", tag, err)
}

const memberCols = `wm.workspace_id, wm.user_id, wm.role, wm.joined_at, ` + userCols

func memberDest(m *model.Member) []any {
	return append([]any{&m.WorkspaceID, &m.UserID, &m.Role, &m.JoinedAt}, userDest(&m.User)...)
}

// AddMember inserts m (JoinedAt set by the store); ErrConflict if already a
// member, ErrNotFound if the workspace or user does not exist.
func (q *queries) AddMember(ctx context.Context, m *model.Member) error {
	joined := now()
	tag, err := q.db.Exec(ctx, `INSERT INTO workspace_members (workspace_id, user_id, role, joined_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, m.WorkspaceID, m.UserID, m.Role, joined)
	if err != nil {
		return wrap("add member", err)
	}
	if tag.RowsAffected() == 0 {
		return conflict("add member")
	}
	m.JoinedAt = joined
	return nil
}

// ListMembers returns the members with their User filled in, by join time.
func (q *queries) ListMembers(ctx context.Context, workspaceID int64) ([]model.Member, error) {
	rows, err := q.db.Query(ctx, `SELECT `+memberCols+` FROM workspace_members wm
		JOIN users u ON u.id = wm.user_id
		WHERE wm.workspace_id = $1 ORDER BY wm.joined_at, wm.user_id`, workspaceID)
	if err != nil {
		return nil, wrap("list members", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Member, error) {
		var m model.Member
		err := r.Scan(memberDest(&m)...)
		return m, err
	})
	return nonNil(out), wrap("list members", err)
}

// GetMember returns one member with User filled in.
func (q *queries) GetMember(ctx context.Context, workspaceID, userID int64) (model.Member, error) {
	var m model.Member
	err := q.db.QueryRow(ctx, `SELECT `+memberCols+` FROM workspace_members wm
		JOIN users u ON u.id = wm.user_id
		WHERE wm.workspace_id = $1 AND wm.user_id = $2`, workspaceID, userID).Scan(memberDest(&m)...)
	if err != nil {
		return model.Member{}, wrap("get member", err)
	}
	return m, nil
}

// SetMemberRole changes a member's role.
func (q *queries) SetMemberRole(ctx context.Context, workspaceID, userID int64, role model.Role) error {
	return q.guarded(ctx, func(q *queries) error {
		tag, err := q.db.Exec(ctx, `UPDATE workspace_members SET role = $3
			WHERE workspace_id = $1 AND user_id = $2`, workspaceID, userID, role)
		return mustAffect("set member role", tag, err)
	})
}

// RemoveMember removes the user from the workspace and from all of its chats.
func (q *queries) RemoveMember(ctx context.Context, workspaceID, userID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		tag, err := q.db.Exec(ctx, `DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`,
			workspaceID, userID)
		if err := mustAffect("remove member", tag, err); err != nil {
			return err
		}
		_, err = q.db.Exec(ctx, `DELETE FROM chat_members cm USING chats c
			WHERE c.id = cm.chat_id AND c.workspace_id = $1 AND cm.user_id = $2`, workspaceID, userID)
		return wrap("remove member from chats", err)
	})
}

// CountOwners counts the workspace's owners.
func (q *queries) CountOwners(ctx context.Context, workspaceID int64) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM workspace_members
		WHERE workspace_id = $1 AND role = 'owner'`, workspaceID).Scan(&n)
	return n, wrap("count owners", err)
}

// LockWorkspace locks the workspace row FOR NO KEY UPDATE until the
// transaction ends. That lock conflicts with itself, with renames and with
// the workspace's deletion, but not with the FOR KEY SHARE that inserts
// referencing the workspace take, so chats and members can still be added
// meanwhile. Outside a transaction the lock ends with the statement.
func (q *queries) LockWorkspace(ctx context.Context, workspaceID int64) error {
	var one int
	err := q.db.QueryRow(ctx, `SELECT 1 FROM workspaces WHERE id = $1 FOR NO KEY UPDATE`, workspaceID).Scan(&one)
	return wrap("lock workspace", err)
}

// nonNil turns a nil slice into an empty one, so lists encode as [] in JSON.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
