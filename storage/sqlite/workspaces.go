package sqlite

import (
	"context"
	"fmt"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

const workspaceCols = `w.id, w.name, w.created_by, w.created_at`

func workspaceDest(w *model.Workspace) ([]any, func()) {
	var created int64
	return []any{&w.ID, &w.Name, &w.CreatedBy, &created}, func() { w.CreatedAt = fromMicros(created) }
}

// CreateWorkspace inserts w and sets w.ID and w.CreatedAt.
func (q *queries) CreateWorkspace(ctx context.Context, w *model.Workspace) error {
	created := orNow(w.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO workspaces (name, created_by, created_at)
			VALUES (?, ?, ?) RETURNING id`, w.Name, w.CreatedBy, micros(created)).Scan(&w.ID)
		if err != nil {
			return wrap("create workspace", err)
		}
		w.CreatedAt = created
		return nil
	})
}

// WorkspaceByID returns one workspace.
func (q *queries) WorkspaceByID(ctx context.Context, id int64) (model.Workspace, error) {
	var w model.Workspace
	dest, finish := workspaceDest(&w)
	err := q.r.QueryRowContext(ctx, `SELECT `+workspaceCols+` FROM workspaces w WHERE w.id = ?`, id).Scan(dest...)
	if err != nil {
		return model.Workspace{}, wrap("workspace by id", err)
	}
	finish()
	return w, nil
}

func scanWorkspaceRole(sc scanner) (storage.WorkspaceRole, error) {
	var wr storage.WorkspaceRole
	dest, finish := workspaceDest(&wr.Workspace)
	if err := sc.Scan(append(dest, &wr.Role)...); err != nil {
		return storage.WorkspaceRole{}, err
	}
	finish()
	return wr, nil
}

// WorkspaceForMember returns the workspace and userID's role in it.
func (q *queries) WorkspaceForMember(ctx context.Context, workspaceID, userID int64) (storage.WorkspaceRole, error) {
	wr, err := scanWorkspaceRole(q.r.QueryRowContext(ctx, `SELECT `+workspaceCols+`, m.role
		FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id
		WHERE w.id = ? AND m.user_id = ?`, workspaceID, userID))
	return wr, wrap("workspace for member", err)
}

// ListWorkspacesForUser returns userID's workspaces, oldest first.
func (q *queries) ListWorkspacesForUser(ctx context.Context, userID int64) ([]storage.WorkspaceRole, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+workspaceCols+`, m.role
		FROM workspaces w JOIN workspace_members m ON m.workspace_id = w.id
		WHERE m.user_id = ? ORDER BY w.created_at, w.id`, userID)
	if err != nil {
		return nil, wrap("list workspaces", err)
	}
	defer rows.Close()
	out := []storage.WorkspaceRole{}
	for rows.Next() {
		wr, err := scanWorkspaceRole(rows)
		if err != nil {
			return nil, wrap("list workspaces", err)
		}
		out = append(out, wr)
	}
	return out, wrap("list workspaces", rows.Err())
}

// ListAllWorkspaces returns every workspace, oldest first.
func (q *queries) ListAllWorkspaces(ctx context.Context) ([]model.Workspace, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+workspaceCols+` FROM workspaces w ORDER BY w.created_at, w.id`)
	if err != nil {
		return nil, wrap("list all workspaces", err)
	}
	defer rows.Close()
	out := []model.Workspace{}
	for rows.Next() {
		var w model.Workspace
		dest, finish := workspaceDest(&w)
		if err := rows.Scan(dest...); err != nil {
			return nil, wrap("list all workspaces", err)
		}
		finish()
		out = append(out, w)
	}
	return out, wrap("list all workspaces", rows.Err())
}

// RenameWorkspace changes the name.
func (q *queries) RenameWorkspace(ctx context.Context, id int64, name string) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE workspaces SET name = ? WHERE id = ?`, name, id)
		return mustAffect("rename workspace", res, err)
	})
}

// DeleteWorkspace removes the workspace; foreign keys cascade to its
// members, invites, chats, messages and files.
func (q *queries) DeleteWorkspace(ctx context.Context, id int64) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM workspaces WHERE id = ?`, id)
		return mustAffect("delete workspace", res, err)
	})
}

// AddMember inserts m and sets m.JoinedAt.
func (q *queries) AddMember(ctx context.Context, m *model.Member) error {
	joined := now()
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO workspace_members (workspace_id, user_id, role, joined_at)
			VALUES (?, ?, ?, ?)`, m.WorkspaceID, m.UserID, m.Role, micros(joined))
		if err != nil {
			return wrap("add member", err)
		}
		m.JoinedAt = joined
		return nil
	})
}

const memberCols = `m.workspace_id, m.user_id, m.role, m.joined_at, ` + userCols

func scanMember(sc scanner) (model.Member, error) {
	var m model.Member
	var joined int64
	udest, finish := userDest(&m.User)
	if err := sc.Scan(append([]any{&m.WorkspaceID, &m.UserID, &m.Role, &joined}, udest...)...); err != nil {
		return model.Member{}, err
	}
	finish()
	m.JoinedAt = fromMicros(joined)
	return m, nil
}

// ListMembers returns the members with their users, by join time.
func (q *queries) ListMembers(ctx context.Context, workspaceID int64) ([]model.Member, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+memberCols+`
		FROM workspace_members m JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = ? ORDER BY m.joined_at, m.user_id`, workspaceID)
	if err != nil {
		return nil, wrap("list members", err)
	}
	defer rows.Close()
	out := []model.Member{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, wrap("list members", err)
		}
		out = append(out, m)
	}
	return out, wrap("list members", rows.Err())
}

// GetMember returns one member with its user.
func (q *queries) GetMember(ctx context.Context, workspaceID, userID int64) (model.Member, error) {
	m, err := scanMember(q.r.QueryRowContext(ctx, `SELECT `+memberCols+`
		FROM workspace_members m JOIN users u ON u.id = m.user_id
		WHERE m.workspace_id = ? AND m.user_id = ?`, workspaceID, userID))
	return m, wrap("get member", err)
}

// SetMemberRole changes a member's role.
func (q *queries) SetMemberRole(ctx context.Context, workspaceID, userID int64, role model.Role) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE workspace_members SET role = ?
			WHERE workspace_id = ? AND user_id = ?`, role, workspaceID, userID)
		return mustAffect("set member role", res, err)
	})
}

// RemoveMember removes the user from the workspace and all of its chats.
func (q *queries) RemoveMember(ctx context.Context, workspaceID, userID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `DELETE FROM chat_members WHERE user_id = ?
			AND chat_id IN (SELECT id FROM chats WHERE workspace_id = ?)`, userID, workspaceID)
		if err != nil {
			return wrap("remove member chats", err)
		}
		res, err := q.w.ExecContext(ctx, `DELETE FROM workspace_members
			WHERE workspace_id = ? AND user_id = ?`, workspaceID, userID)
		return mustAffect("remove member", res, err)
	})
}

// CountOwners counts the workspace's owners.
func (q *queries) CountOwners(ctx context.Context, workspaceID int64) (int, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM workspace_members
		WHERE workspace_id = ? AND role = 'owner'`, workspaceID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count owners: %w", err)
	}
	return n, nil
}

// LockWorkspace only checks that the workspace exists: every transaction
// runs on the single write connection (BEGIN IMMEDIATE), so the ones that
// would need the lock are serialised already.
func (q *queries) LockWorkspace(ctx context.Context, workspaceID int64) error {
	var one int
	err := q.r.QueryRowContext(ctx, `SELECT 1 FROM workspaces WHERE id = ?`, workspaceID).Scan(&one)
	return wrap("lock workspace", err)
}
