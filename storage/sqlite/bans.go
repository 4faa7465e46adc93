package sqlite

import (
	"context"

	"github.com/fechatter/fechatter/internal/model"
)

// BanUser records b; an existing ban of the same user is kept.
func (q *queries) BanUser(ctx context.Context, b *model.Ban) error {
	created := orNow(b.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO workspace_bans (workspace_id, user_id, banned_by, created_at)
			VALUES (?, ?, NULLIF(?, 0), ?) ON CONFLICT DO NOTHING`, b.WorkspaceID, b.UserID, b.BannedBy, micros(created))
		if err != nil {
			return wrap("ban user", err)
		}
		b.CreatedAt = created
		return nil
	})
}

// IsBanned reports whether userID is banned from workspaceID.
func (q *queries) IsBanned(ctx context.Context, workspaceID, userID int64) (bool, error) {
	var banned bool
	err := q.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM workspace_bans
		WHERE workspace_id = ? AND user_id = ?)`, workspaceID, userID).Scan(&banned)
	return banned, wrap("is banned", err)
}

// ListBans returns the workspace's bans with their users, newest first.
func (q *queries) ListBans(ctx context.Context, workspaceID int64) ([]model.Ban, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT b.workspace_id, b.user_id, COALESCE(b.banned_by, 0),
		b.created_at, `+userCols+` FROM workspace_bans b JOIN users u ON u.id = b.user_id
		WHERE b.workspace_id = ? ORDER BY b.created_at DESC, b.user_id`, workspaceID)
	if err != nil {
		return nil, wrap("list bans", err)
	}
	defer rows.Close()
	out := []model.Ban{}
	for rows.Next() {
		var b model.Ban
		var created int64
		udest, finish := userDest(&b.User)
		if err := rows.Scan(append([]any{&b.WorkspaceID, &b.UserID, &b.BannedBy, &created}, udest...)...); err != nil {
			return nil, wrap("list bans", err)
		}
		finish()
		b.CreatedAt = fromMicros(created)
		out = append(out, b)
	}
	return out, wrap("list bans", rows.Err())
}

// Unban lifts a ban; ErrNotFound when there is none.
func (q *queries) Unban(ctx context.Context, workspaceID, userID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM workspace_bans WHERE workspace_id = ? AND user_id = ?`,
			workspaceID, userID)
		return mustAffect("unban", res, err)
	})
}
