package postgres

import (
	"context"
	"encoding/json"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// AppendAudit inserts e and sets e.ID (and e.At when zero).
func (q *queries) AppendAudit(ctx context.Context, e *model.AuditEntry) error {
	at := orNow(e.At)
	detail := e.Detail
	if len(detail) == 0 {
		detail = json.RawMessage(`{}`)
	}
	err := q.db.QueryRow(ctx, `INSERT INTO audit_log (at, actor, actor_id, source, action,
			target_user_id, workspace_id, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		at, e.Actor, e.ActorID, e.Source, e.Action, e.TargetUserID, e.WorkspaceID, string(detail)).Scan(&e.ID)
	if err != nil {
		return wrap("append audit", err)
	}
	e.At, e.Detail = at, detail
	return nil
}

// ListAudit returns a page of entries, newest first.
func (q *queries) ListAudit(ctx context.Context, aq storage.AuditQuery) ([]model.AuditEntry, error) {
	rows, err := q.db.Query(ctx, `SELECT id, at, actor, actor_id, source, action, target_user_id,
			workspace_id, detail FROM audit_log
		WHERE ($1 = 0 OR id < $1) AND ($2 = '' OR action = $2) ORDER BY id DESC LIMIT $3`,
		aq.BeforeID, aq.Action, storage.PageLimit(aq.Limit))
	if err != nil {
		return nil, wrap("list audit", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.AuditEntry, error) {
		var e model.AuditEntry
		var detail string
		err := r.Scan(&e.ID, &e.At, &e.Actor, &e.ActorID, &e.Source, &e.Action, &e.TargetUserID,
			&e.WorkspaceID, &detail)
		e.At, e.Detail = e.At.UTC(), json.RawMessage(detail)
		return e, err
	})
	return nonNil(out), wrap("list audit", err)
}
