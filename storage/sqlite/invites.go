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
	inv, err := scanInvite(q.r.QueryRowContext(ctx, `SELECT `+inviteCols+` FROM invites WHERE code_hash = ?`, codeHash))
	if err != nil {
		return model.Invite{}, wrap("invite by code", err)
	}
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

// inviteCols are the invites columns scanInvite reads.
const inviteCols = `id, workspace_id, code_hash, created_by, max_uses, uses, expires_at, created_at`

func scanInvite(sc scanner) (model.Invite, error) {
	var inv model.Invite
	var expires sql.NullInt64
	var created int64
	if err := sc.Scan(&inv.ID, &inv.WorkspaceID, &inv.CodeHash, &inv.CreatedBy, &inv.MaxUses, &inv.Uses,
		&expires, &created); err != nil {
		return model.Invite{}, err
	}
	if t := fromNullMicros(expires); t != nil {
		inv.ExpiresAt = *t
	}
	inv.CreatedAt = fromMicros(created)
	return inv, nil
}

// ListInvites returns the workspace's invites that are live at now, newest first.
func (q *queries) ListInvites(ctx context.Context, workspaceID int64, at time.Time) ([]model.Invite, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+inviteCols+` FROM invites
		WHERE workspace_id = ? AND (max_uses = 0 OR uses < max_uses)
		AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC, id DESC`,
		workspaceID, micros(at))
	if err != nil {
		return nil, wrap("list invites", err)
	}
	defer rows.Close()
	out := []model.Invite{}
	for rows.Next() {
		inv, err := scanInvite(rows)
		if err != nil {
			return nil, wrap("list invites", err)
		}
		out = append(out, inv)
	}
	return out, wrap("list invites", rows.Err())
}

// DeleteInvite removes one invite of the workspace.
func (q *queries) DeleteInvite(ctx context.Context, workspaceID, inviteID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM invites WHERE id = ? AND workspace_id = ?`,
			inviteID, workspaceID)
		return mustAffect("delete invite", res, err)
	})
}
