package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
)

// InstanceSettings returns the saved instance settings (the defaults
// without a row).
func (q *queries) InstanceSettings(ctx context.Context) (model.InstanceSettings, error) {
	s := model.DefaultInstanceSettings()
	var at time.Time
	err := q.db.QueryRow(ctx, `SELECT workspace_creation, show_member_emails, updated_at
		FROM instance_settings WHERE id = 1`).Scan(&s.WorkspaceCreation, &s.ShowMemberEmails, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return model.InstanceSettings{}, wrap("instance settings", err)
	}
	s.UpdatedAt = at.UTC()
	return s, nil
}

// PutInstanceSettings saves the instance settings.
func (q *queries) PutInstanceSettings(ctx context.Context, s model.InstanceSettings) error {
	_, err := q.db.Exec(ctx, `INSERT INTO instance_settings (id, workspace_creation,
		show_member_emails, updated_at) VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET
		workspace_creation = excluded.workspace_creation,
		show_member_emails = excluded.show_member_emails, updated_at = excluded.updated_at`,
		s.WorkspaceCreation, s.ShowMemberEmails, orNow(s.UpdatedAt))
	return wrap("put instance settings", err)
}
