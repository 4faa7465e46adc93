package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
)

// BanUser records b; an existing ban of the same user is kept.
func (q *queries) BanUser(ctx context.Context, b *model.Ban) error {
	created := now()
	if !b.CreatedAt.IsZero() {
		created = stored(b.CreatedAt)
	}
	err := q.guarded(ctx, func(q *queries) error {
		_, err := q.db.Exec(ctx, `INSERT INTO workspace_bans (workspace_id, user_id, banned_by, created_at)
			VALUES ($1, $2, NULLIF($3, 0::bigint), $4) ON CONFLICT DO NOTHING`, b.WorkspaceID, b.UserID, b.BannedBy, created)
		return wrap("ban user", err)
	})
	if err != nil {
		return err
	}
	b.CreatedAt = created
	return nil
}

// IsBanned reports whether userID is banned from workspaceID.
func (q *queries) IsBanned(ctx context.Context, workspaceID, userID int64) (bool, error) {
	var banned bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM workspace_bans
		WHERE workspace_id = $1 AND user_id = $2)`, workspaceID, userID).Scan(&banned)
	return banned, wrap("is banned", err)
}

// ListBans returns the workspace's bans with their users, newest first.
func (q *queries) ListBans(ctx context.Context, workspaceID int64) ([]model.Ban, error) {
	rows, err := q.db.Query(ctx, `SELECT b.workspace_id, b.user_id, COALESCE(b.banned_by, 0),
			b.created_at, `+userCols+`
		FROM workspace_bans b JOIN users u ON u.id = b.user_id
		WHERE b.workspace_id = $1 ORDER BY b.created_at DESC, b.user_id`, workspaceID)
	if err != nil {
		return nil, wrap("list bans", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Ban, error) {
		var b model.Ban
		err := r.Scan(append([]any{&b.WorkspaceID, &b.UserID, &b.BannedBy, &b.CreatedAt}, userDest(&b.User)...)...)
		return b, err
	})
	return nonNil(out), wrap("list bans", err)
}

// Unban lifts a ban; ErrNotFound when there is none.
func (q *queries) Unban(ctx context.Context, workspaceID, userID int64) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM workspace_bans WHERE workspace_id = $1 AND user_id = $2`,
		workspaceID, userID)
	return mustAffect("unban", tag, err)
}
