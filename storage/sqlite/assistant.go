package sqlite

import (
	"context"

	"github.com/fechatter/fechatter/internal/model"
)

// AssistantSettings returns a workspace's saved assistant settings.
func (q *queries) AssistantSettings(ctx context.Context, workspaceID int64) (model.AssistantSettings, error) {
	s := model.AssistantSettings{WorkspaceID: workspaceID}
	var updated int64
	err := q.r.QueryRowContext(ctx, `SELECT enabled, system_prompt, updated_at FROM assistant_settings
		WHERE workspace_id = ?`, workspaceID).Scan(&s.Enabled, &s.SystemPrompt, &updated)
	if err != nil {
		return model.AssistantSettings{}, wrap("assistant settings", err)
	}
	s.UpdatedAt = fromMicros(updated)
	return s, nil
}

// PutAssistantSettings saves a workspace's assistant settings.
func (q *queries) PutAssistantSettings(ctx context.Context, s model.AssistantSettings) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO assistant_settings (workspace_id, enabled, system_prompt, updated_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET enabled = excluded.enabled,
			system_prompt = excluded.system_prompt, updated_at = excluded.updated_at`,
			s.WorkspaceID, s.Enabled, s.SystemPrompt, micros(orNow(s.UpdatedAt)))
		return wrap("put assistant settings", err)
	})
}

// AssistantCommands lists a workspace's commands by name.
func (q *queries) AssistantCommands(ctx context.Context, workspaceID int64) ([]model.AssistantCommand, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id, workspace_id, name, description, template, created_by, created_at
		FROM assistant_commands WHERE workspace_id = ? ORDER BY name`, workspaceID)
	if err != nil {
		return nil, wrap("assistant commands", err)
	}
	defer rows.Close()
	out := []model.AssistantCommand{}
	for rows.Next() {
		var c model.AssistantCommand
		var created int64
		if err := rows.Scan(&c.ID, &c.WorkspaceID, &c.Name, &c.Description, &c.Template, &c.CreatedBy, &created); err != nil {
			return nil, wrap("assistant commands", err)
		}
		c.CreatedAt = fromMicros(created)
		out = append(out, c)
	}
	return out, wrap("assistant commands", rows.Err())
}

// CreateAssistantCommand inserts c and sets its ID and CreatedAt.
func (q *queries) CreateAssistantCommand(ctx context.Context, c *model.AssistantCommand) error {
	created := orNow(c.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO assistant_commands (workspace_id, name, description,
			template, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			c.WorkspaceID, c.Name, c.Description, c.Template, c.CreatedBy, micros(created)).Scan(&c.ID)
		if err != nil {
			return wrap("create assistant command", err)
		}
		c.CreatedAt = created
		return nil
	})
}

// UpdateAssistantCommand replaces a command's name, description and template.
func (q *queries) UpdateAssistantCommand(ctx context.Context, c model.AssistantCommand) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE assistant_commands SET name = ?, description = ?, template = ?
			WHERE id = ? AND workspace_id = ?`, c.Name, c.Description, c.Template, c.ID, c.WorkspaceID)
		return mustAffect("update assistant command", res, err)
	})
}

// DeleteAssistantCommand deletes one command of a workspace.
func (q *queries) DeleteAssistantCommand(ctx context.Context, workspaceID, commandID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM assistant_commands WHERE id = ? AND workspace_id = ?`,
			commandID, workspaceID)
		return mustAffect("delete assistant command", res, err)
	})
}

// AddAssistantTokens adds n to a workspace's tokens of day and returns the total.
func (q *queries) AddAssistantTokens(ctx context.Context, workspaceID int64, day string, n int64) (int64, error) {
	var total int64
	err := q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO assistant_usage (workspace_id, day, tokens) VALUES (?, ?, ?)
			ON CONFLICT (workspace_id, day) DO UPDATE SET tokens = assistant_usage.tokens + excluded.tokens
			RETURNING tokens`, workspaceID, day, n).Scan(&total)
		return wrap("add assistant tokens", err)
	})
	return total, err
}

// AssistantTokens returns a workspace's tokens of day.
func (q *queries) AssistantTokens(ctx context.Context, workspaceID int64, day string) (int64, error) {
	var total int64
	err := q.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(tokens), 0) FROM assistant_usage
		WHERE workspace_id = ? AND day = ?`, workspaceID, day).Scan(&total)
	return total, wrap("assistant tokens", err)
}

// WorkspaceIDs returns the ids of every workspace.
func (q *queries) WorkspaceIDs(ctx context.Context) ([]int64, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id FROM workspaces ORDER BY id`)
	if err != nil {
		return nil, wrap("workspace ids", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("workspace ids", err)
		}
		ids = append(ids, id)
	}
	return ids, wrap("workspace ids", rows.Err())
}
