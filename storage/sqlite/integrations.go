package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// AddWorkspaceBot records a bot account of a workspace.
func (q *queries) AddWorkspaceBot(ctx context.Context, b model.WorkspaceBot) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO workspace_bots (user_id, workspace_id, created_by, created_at)
			VALUES (?, ?, ?, ?)`, b.User.ID, b.WorkspaceID, b.CreatedBy, micros(orNow(b.CreatedAt)))
		return wrap("add workspace bot", err)
	})
}

// WorkspaceBots lists a workspace's bot accounts (User holds the id only)
// with their tokens.
func (q *queries) WorkspaceBots(ctx context.Context, workspaceID int64) ([]model.WorkspaceBot, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT user_id, created_by, created_at FROM workspace_bots
		WHERE workspace_id = ? ORDER BY user_id`, workspaceID)
	if err != nil {
		return nil, wrap("workspace bots", err)
	}
	defer rows.Close()
	out := []model.WorkspaceBot{}
	for rows.Next() {
		b := model.WorkspaceBot{WorkspaceID: workspaceID, Tokens: []model.BotToken{}}
		var created int64
		if err := rows.Scan(&b.User.ID, &b.CreatedBy, &created); err != nil {
			return nil, wrap("workspace bots", err)
		}
		b.CreatedAt = fromMicros(created)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("workspace bots", err)
	}
	tokens, err := q.botTokens(ctx, workspaceID)
	if err != nil {
		return nil, err
	}
	for i := range out {
		for _, t := range tokens {
			if t.BotID == out[i].User.ID {
				out[i].Tokens = append(out[i].Tokens, t)
			}
		}
	}
	return out, nil
}

const botTokenColumns = `id, bot_id, workspace_id, hint, created_at, last_used_at, revoked_at`

func scanBotToken(s interface{ Scan(...any) error }) (model.BotToken, error) {
	var t model.BotToken
	var created int64
	var used, revoked sql.NullInt64
	if err := s.Scan(&t.ID, &t.BotID, &t.WorkspaceID, &t.Hint, &created, &used, &revoked); err != nil {
		return model.BotToken{}, err
	}
	t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMicros(created), fromNullMicros(used), fromNullMicros(revoked)
	return t, nil
}

func (q *queries) botTokens(ctx context.Context, workspaceID int64) ([]model.BotToken, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+botTokenColumns+` FROM bot_tokens WHERE workspace_id = ? ORDER BY id`, workspaceID)
	if err != nil {
		return nil, wrap("bot tokens", err)
	}
	defer rows.Close()
	var out []model.BotToken
	for rows.Next() {
		t, err := scanBotToken(rows)
		if err != nil {
			return nil, wrap("bot tokens", err)
		}
		out = append(out, t)
	}
	return out, wrap("bot tokens", rows.Err())
}

// DeleteWorkspaceBot forgets a bot account and revokes its tokens.
func (q *queries) DeleteWorkspaceBot(ctx context.Context, workspaceID, botID int64, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM workspace_bots WHERE workspace_id = ? AND user_id = ?`, workspaceID, botID)
		if err := mustAffect("delete workspace bot", res, err); err != nil {
			return err
		}
		_, err = q.w.ExecContext(ctx, `UPDATE bot_tokens SET revoked_at = ? WHERE bot_id = ? AND revoked_at IS NULL`,
			micros(orNow(at)), botID)
		return wrap("revoke bot tokens", err)
	})
}

// CreateBotToken stores a token's hash.
func (q *queries) CreateBotToken(ctx context.Context, t *model.BotToken, tokenHash string) error {
	created := orNow(t.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO bot_tokens (bot_id, workspace_id, token_hash, hint, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, t.BotID, t.WorkspaceID, tokenHash, t.Hint, micros(created)).Scan(&t.ID)
		if err != nil {
			return wrap("create bot token", err)
		}
		t.CreatedAt = created
		return nil
	})
}

// BotTokenByHash finds a token by its hash.
func (q *queries) BotTokenByHash(ctx context.Context, tokenHash string) (model.BotToken, error) {
	t, err := scanBotToken(q.r.QueryRowContext(ctx, `SELECT `+botTokenColumns+` FROM bot_tokens WHERE token_hash = ?`, tokenHash))
	return t, wrap("bot token", err)
}

// RevokeBotToken revokes one live token.
func (q *queries) RevokeBotToken(ctx context.Context, workspaceID, botID, tokenID int64, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE bot_tokens SET revoked_at = ? WHERE id = ? AND bot_id = ?
			AND workspace_id = ? AND revoked_at IS NULL`, micros(orNow(at)), tokenID, botID, workspaceID)
		return mustAffect("revoke bot token", res, err)
	})
}

// TouchBotToken sets a token's last-used time.
func (q *queries) TouchBotToken(ctx context.Context, tokenID int64, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `UPDATE bot_tokens SET last_used_at = ? WHERE id = ?`, micros(orNow(at)), tokenID)
		return wrap("touch bot token", err)
	})
}

// CreateIntegration inserts an integration.
func (q *queries) CreateIntegration(ctx context.Context, in *model.Integration) error {
	created := orNow(in.CreatedAt)
	chats, words := integrationLists(*in)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO integrations (workspace_id, kind, name, description, chat_ids,
			trigger_words, url, secret, bot_id, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.WorkspaceID, string(in.Kind), in.Name, in.Description, chats, words, in.URL, in.Secret, in.BotID,
			in.CreatedBy, micros(created)).Scan(&in.ID)
		if err != nil {
			return wrap("create integration", err)
		}
		in.CreatedAt = created
		return nil
	})
}

// integrationLists encodes the list columns as JSON arrays.
func integrationLists(in model.Integration) (chats, words string) {
	c, _ := json.Marshal(nonNilList(in.ChatIDs))
	w, _ := json.Marshal(nonNilList(in.TriggerWords))
	return string(c), string(w)
}

func nonNilList[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

const integrationColumns = `id, workspace_id, kind, name, description, chat_ids, trigger_words, url, secret, bot_id, created_by, created_at`

func scanIntegration(s interface{ Scan(...any) error }) (model.Integration, error) {
	var in model.Integration
	var kind, chats, words string
	var created int64
	if err := s.Scan(&in.ID, &in.WorkspaceID, &kind, &in.Name, &in.Description, &chats, &words, &in.URL,
		&in.Secret, &in.BotID, &in.CreatedBy, &created); err != nil {
		return model.Integration{}, err
	}
	in.Kind, in.CreatedAt = model.IntegrationKind(kind), fromMicros(created)
	if err := json.Unmarshal([]byte(chats), &in.ChatIDs); err != nil {
		return model.Integration{}, err
	}
	if err := json.Unmarshal([]byte(words), &in.TriggerWords); err != nil {
		return model.Integration{}, err
	}
	return in, nil
}

// Integrations lists a workspace's integrations of a kind.
func (q *queries) Integrations(ctx context.Context, workspaceID int64, kind model.IntegrationKind) ([]model.Integration, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+integrationColumns+` FROM integrations
		WHERE workspace_id = ? AND kind = ? ORDER BY id`, workspaceID, string(kind))
	if err != nil {
		return nil, wrap("integrations", err)
	}
	defer rows.Close()
	out := []model.Integration{}
	for rows.Next() {
		in, err := scanIntegration(rows)
		if err != nil {
			return nil, wrap("integrations", err)
		}
		out = append(out, in)
	}
	return out, wrap("integrations", rows.Err())
}

// IntegrationBySecret finds an integration of a kind by its secret.
func (q *queries) IntegrationBySecret(ctx context.Context, kind model.IntegrationKind, secret string) (model.Integration, error) {
	in, err := scanIntegration(q.r.QueryRowContext(ctx, `SELECT `+integrationColumns+` FROM integrations
		WHERE kind = ? AND secret = ?`, string(kind), secret))
	return in, wrap("integration", err)
}

// DeleteIntegration deletes one integration.
func (q *queries) DeleteIntegration(ctx context.Context, workspaceID int64, kind model.IntegrationKind, id int64) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM integrations WHERE id = ? AND workspace_id = ? AND kind = ?`,
			id, workspaceID, string(kind))
		return mustAffect("delete integration", res, err)
	})
}
