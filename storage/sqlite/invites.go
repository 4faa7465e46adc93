package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// CreateInvite inserts inv and sets inv.ID and inv.CreatedAt. A zero
// ExpiresAt means the invite never expires; MaxUses 0 means unlimited.
func (q *queries) CreateInvite(ctx context.Context, inv *model.Invite) error {
	created := orNow(inv.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO invites (workspace_id, code_hash, created_by,
			max_uses, uses, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			inv.WorkspaceID, inv.CodeHash, inv.CreatedBy, inv.MaxUses, inv.Uses,
			nullMicros(&inv.ExpiresAt), micros(created)).Scan(&inv.ID)
		if err != nil {
			return wrap("create invite", err)
		}
		inv.CreatedAt = created
		return nil
	})
}

// InviteByCodeHash returns the invite with this code hash.
func (q *queries) InviteByCodeHash(ctx context.Context, codeHash string) (model.Invite, error) {
	var inv model.Invite
	var expires sql.NullInt64
	var created int64
	err := q.r.QueryRowContext(ctx, `SELECT id, workspace_id, code_hash, created_by, max_uses, uses,
		expires_at, created_at FROM invites WHERE code_hash = ?`, codeHash).Scan(
		&inv.ID, &inv.WorkspaceID, &inv.CodeHash, &inv.CreatedBy, &inv.MaxUses, &inv.Uses, &expires, &created)
	if err != nil {
		return model.Invite{}, wrap("invite by code", err)
	}
	if t := fromNullMicros(expires); t != nil {
		inv.ExpiresAt = *t
	}
	inv.CreatedAt = fromMicros(created)
	return inv, nil
}

// ConsumeInvite counts one use if the invite is live at now. The check and
// the increment are one statement, so concurrent consumers cannot overrun
// MaxUses.
func (q *queries) ConsumeInvite(ctx context.Context, id int64, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE invites SET uses = uses + 1
			WHERE id = ? AND (max_uses = 0 OR uses < max_uses)
			AND (expires_at IS NULL OR expires_at > ?)`, id, micros(at))
		if err != nil {
			return wrap("consume invite", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return wrap("consume invite", err)
		}
		var one int
		if err := q.w.QueryRowContext(ctx, `SELECT 1 FROM invites WHERE id = ?`, id).Scan(&one); err != nil {
			return wrap("consume invite", err)
		}
		return fmt.Errorf("consume invite: expired or used up: %w", storage.ErrConflict)
	})
}
