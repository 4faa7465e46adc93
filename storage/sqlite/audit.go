package sqlite

import (
	"context"
	"encoding/json"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// AppendAudit inserts e and sets e.ID (and e.At when zero).
func (q *queries) AppendAudit(ctx context.Context, e *model.AuditEntry) error {
	at := orNow(e.At)
	detail := auditDetail(e.Detail)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor, actor_id, source, action,
			target_user_id, workspace_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			micros(at), e.Actor, e.ActorID, e.Source, e.Action, e.TargetUserID, e.WorkspaceID,
			string(detail)).Scan(&e.ID)
		if err != nil {
			return wrap("append audit", err)
		}
		e.At, e.Detail = at, detail
		return nil
	})
}

// auditDetail stores an empty detail as {}.
func auditDetail(d json.RawMessage) json.RawMessage {
	if len(d) == 0 {
		return json.RawMessage(`{}`)
	}
	return d
}

// ListAudit returns a page of entries, newest first.
func (q *queries) ListAudit(ctx context.Context, aq storage.AuditQuery) ([]model.AuditEntry, error) {
	query := `SELECT id, at, actor, actor_id, source, action, target_user_id, workspace_id, detail
		FROM audit_log WHERE (? = 0 OR id < ?) AND (? = '' OR action = ?) ORDER BY id DESC LIMIT ?`
	rows, err := q.r.QueryContext(ctx, query, aq.BeforeID, aq.BeforeID, aq.Action, aq.Action,
		storage.PageLimit(aq.Limit))
	if err != nil {
		return nil, wrap("list audit", err)
	}
	defer rows.Close()
	out := []model.AuditEntry{}
	for rows.Next() {
		var e model.AuditEntry
		var at int64
		var detail string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.ActorID, &e.Source, &e.Action, &e.TargetUserID,
			&e.WorkspaceID, &detail); err != nil {
			return nil, wrap("list audit", err)
		}
		e.At, e.Detail = fromMicros(at), json.RawMessage(detail)
		out = append(out, e)
	}
	return out, wrap("list audit", rows.Err())
}
