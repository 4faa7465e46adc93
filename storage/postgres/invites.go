package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

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

// inviteCols are the invites columns inviteDest reads.
const inviteCols = `id, workspace_id, code_hash, created_by, max_uses, uses, expires_at, created_at`

// inviteDest returns scan destinations for inviteCols and a function that
// sets ExpiresAt (NULL: zero) once the scan is done.
func inviteDest(inv *model.Invite) ([]any, func()) {
	var expires *time.Time
	return []any{&inv.ID, &inv.WorkspaceID, &inv.CodeHash, &inv.CreatedBy, &inv.MaxUses, &inv.Uses,
			&expires, &inv.CreatedAt}, func() {
			if expires != nil {
				inv.ExpiresAt = *expires
			}
		}
}

// InviteByCodeHash returns the invite with this code hash.
func (q *queries) InviteByCodeHash(ctx context.Context, codeHash string) (model.Invite, error) {
	var inv model.Invite
	dest, finish := inviteDest(&inv)
	err := q.db.QueryRow(ctx, `SELECT `+inviteCols+` FROM invites WHERE code_hash = $1`, codeHash).Scan(dest...)
	if err != nil {
		return model.Invite{}, wrap("invite by code", err)
	}
	finish()
	return inv, nil
}

// ListInvites returns the workspace's invites that are live at now, newest first.
func (q *queries) ListInvites(ctx context.Context, workspaceID int64, at time.Time) ([]model.Invite, error) {
	rows, err := q.db.Query(ctx, `SELECT `+inviteCols+` FROM invites
		WHERE workspace_id = $1 AND (max_uses = 0 OR uses < max_uses)
		  AND (expires_at IS NULL OR expires_at > $2) ORDER BY created_at DESC, id DESC`,
		workspaceID, stored(at))
	if err != nil {
		return nil, wrap("list invites", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Invite, error) {
		var inv model.Invite
		dest, finish := inviteDest(&inv)
		err := r.Scan(dest...)
		finish()
		return inv, err
	})
	return nonNil(out), wrap("list invites", err)
}

// DeleteInvite removes one invite of the workspace.
func (q *queries) DeleteInvite(ctx context.Context, workspaceID, inviteID int64) error {
	tag, err := q.db.Exec(ctx, `DELETE FROM invites WHERE id = $1 AND workspace_id = $2`, inviteID, workspaceID)
	return mustAffect("delete invite", tag, err)
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
