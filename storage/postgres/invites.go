package postgres

import (
	"context"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// CreateInvite inserts inv and sets inv.ID and inv.CreatedAt. A zero
// ExpiresAt means the invite never expires; ErrConflict on a duplicate code.
func (q *queries) CreateInvite(ctx context.Context, inv *model.Invite) error {
	created := now()
	err := q.db.QueryRow(ctx, `INSERT INTO invites (workspace_id, code_hash, created_by, max_uses,
			uses, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
		inv.WorkspaceID, inv.CodeHash, inv.CreatedBy, inv.MaxUses, inv.Uses,
		nullTime(inv.ExpiresAt), created).Scan(&inv.ID)
	if isNoRows(err) {
		return conflict("create invite")
	}
	if err != nil {
		return wrap("create invite", err)
	}
	inv.CreatedAt = created
	return nil
}

// InviteByCodeHash returns the invite with this code hash.
func (q *queries) InviteByCodeHash(ctx context.Context, codeHash string) (model.Invite, error) {
	var inv model.Invite
	var expires *time.Time
	err := q.db.QueryRow(ctx, `SELECT id, workspace_id, code_hash, created_by, max_uses, uses,
			expires_at, created_at
		FROM invites WHERE code_hash = $1`, codeHash).
		Scan(&inv.ID, &inv.WorkspaceID, &inv.CodeHash, &inv.CreatedBy, &inv.MaxUses, &inv.Uses,
			&expires, &inv.CreatedAt)
	if err != nil {
		return model.Invite{}, wrap("invite by code", err)
	}
	if expires != nil {
		inv.ExpiresAt = *expires
	}
	return inv, nil
}

// ConsumeInvite counts one use if at now the invite is not expired and has
// uses left; ErrConflict otherwise, ErrNotFound when there is no such
// invite. One conditional UPDATE: concurrent callers cannot overspend.
func (q *queries) ConsumeInvite(ctx context.Context, id int64, at time.Time) error {
	tag, err := q.db.Exec(ctx, `UPDATE invites SET uses = uses + 1
		WHERE id = $1 AND (max_uses = 0 OR uses < max_uses)
		  AND (expires_at IS NULL OR expires_at > $2)`, id, stored(at))
	if err != nil {
		return wrap("consume invite", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	var exists bool
	if err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM invites WHERE id = $1)`, id).Scan(&exists); err != nil {
		return wrap("consume invite", err)
	}
	if !exists {
		return notFound("consume invite")
	}
	return conflict("consume invite: expired or used up")
}
