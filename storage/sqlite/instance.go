package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/fechatter/fechatter/internal/model"
)

// InstanceSettings returns the saved instance settings (the defaults
// without a row).
func (q *queries) InstanceSettings(ctx context.Context) (model.InstanceSettings, error) {
	s := model.DefaultInstanceSettings()
	var at int64
	err := q.r.QueryRowContext(ctx, `SELECT workspace_creation, show_member_emails, updated_at
		FROM instance_settings WHERE id = 1`).Scan(&s.WorkspaceCreation, &s.ShowMemberEmails, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return model.InstanceSettings{}, wrap("instance settings", err)
	}
	s.UpdatedAt = fromMicros(at)
	return s, nil
}

// PutInstanceSettings saves the instance settings.
func (q *queries) PutInstanceSettings(ctx context.Context, s model.InstanceSettings) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO instance_settings (id, workspace_creation,
			show_member_emails, updated_at) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET
			workspace_creation = excluded.workspace_creation,
			show_member_emails = excluded.show_member_emails, updated_at = excluded.updated_at`,
			s.WorkspaceCreation, s.ShowMemberEmails, micros(orNow(s.UpdatedAt)))
		return wrap("put instance settings", err)
	})
}
