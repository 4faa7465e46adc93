package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
)

// CreateAccountToken stores t under the hash of its token.
func (q *queries) CreateAccountToken(ctx context.Context, t *model.AccountToken, hash string) error {
	t.CreatedAt, t.ExpiresAt = orNow(t.CreatedAt), stored(t.ExpiresAt)
	err := q.db.QueryRow(ctx, `INSERT INTO account_tokens (token_hash, purpose, user_id, email,
			created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		hash, t.Purpose, t.UserID, t.Email, t.CreatedAt, t.ExpiresAt).Scan(&t.ID)
	return wrap("create account token", err)
}

// UseAccountToken marks an unused, unexpired token used and returns it.
func (q *queries) UseAccountToken(ctx context.Context, purpose, hash string, now time.Time) (model.AccountToken, error) {
	var t model.AccountToken
	var used time.Time
	err := q.db.QueryRow(ctx, `UPDATE account_tokens SET used_at = $1
			WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
			RETURNING id, user_id, purpose, email, created_at, expires_at, used_at`,
		stored(now), hash, purpose).Scan(&t.ID, &t.UserID, &t.Purpose, &t.Email, &t.CreatedAt, &t.ExpiresAt, &used)
	if err != nil {
		return model.AccountToken{}, wrap("use account token", err)
	}
	used = used.UTC()
	t.CreatedAt, t.ExpiresAt, t.UsedAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC(), &used
	return t, nil
}

// CountAccountTokens counts the user's recent tokens of purpose.
func (q *queries) CountAccountTokens(ctx context.Context, userID int64, purpose string, since time.Time) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM account_tokens WHERE user_id = $1 AND purpose = $2 AND created_at >= $3`,
		userID, purpose, stored(since)).Scan(&n)
	return n, wrap("count account tokens", err)
}

// SetUserEmail changes a user's email.
func (q *queries) SetUserEmail(ctx context.Context, userID int64, email string) error {
	tag, err := q.db.Exec(ctx, `UPDATE users SET email = $2 WHERE id = $1`, userID, email)
	return mustAffect("set user email", tag, err)
}

// DigestState returns the user's digest state (the defaults without a row).
func (q *queries) DigestState(ctx context.Context, userID int64) (model.DigestState, error) {
	st := model.DigestState{UserID: userID, Enabled: true}
	var sentAt *time.Time
	err := q.db.QueryRow(ctx, `SELECT enabled, sent_upto, sent_at FROM email_digests WHERE user_id = $1`,
		userID).Scan(&st.Enabled, &st.SentUpTo, &sentAt)
	if isNoRows(err) {
		return st, nil
	}
	if err != nil {
		return st, wrap("digest state", err)
	}
	if sentAt != nil {
		at := sentAt.UTC()
		st.SentAt = &at
	}
	return st, nil
}

// SetDigestEnabled turns the user's digest on or off.
func (q *queries) SetDigestEnabled(ctx context.Context, userID int64, enabled bool) error {
	_, err := q.db.Exec(ctx, `INSERT INTO email_digests (user_id, enabled) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET enabled = excluded.enabled`, userID, enabled)
	return wrap("set digest enabled", err)
}

// ClaimDigest moves SentUpTo from old to upTo, if it still is old.
func (q *queries) ClaimDigest(ctx context.Context, userID, old, upTo int64, at time.Time) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO email_digests (user_id, sent_upto, sent_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET sent_upto = excluded.sent_upto, sent_at = excluded.sent_at
		WHERE email_digests.sent_upto = $4`, userID, upTo, stored(at), old)
	if err != nil {
		return false, wrap("claim digest", err)
	}
	return tag.RowsAffected() == 1, nil
}

// DigestItems returns the unread direct messages and mentions of users
// whose digests are on.
func (q *queries) DigestItems(ctx context.Context, since, before time.Time, limit int) ([]model.DigestItem, error) {
	rows, err := q.db.Query(ctx, `SELECT cm.user_id, m.id, c.id, c.type, c.name, w.id, w.name,
			CASE WHEN s.display_name <> '' THEN s.display_name ELSE s.username END, m.content, m.created_at
		FROM chat_members cm
		JOIN users u ON u.id = cm.user_id
		JOIN chats c ON c.id = cm.chat_id
		JOIN workspaces w ON w.id = c.workspace_id
		JOIN messages m ON m.chat_id = cm.chat_id AND m.seq > cm.last_read_seq
		JOIN users s ON s.id = m.sender_id
		LEFT JOIN email_digests d ON d.user_id = cm.user_id
		WHERE NOT u.is_bot AND u.disabled_at IS NULL AND COALESCE(d.enabled, true)
			AND m.sender_id <> cm.user_id AND m.deleted_at IS NULL
			AND m.created_at > $1 AND m.created_at <= $2 AND m.id > COALESCE(d.sent_upto, 0)
			AND (c.type = 'direct' OR EXISTS (SELECT 1 FROM mentions mn
				WHERE mn.message_id = m.id AND mn.user_id = cm.user_id))
		ORDER BY cm.user_id, m.id LIMIT $3`, stored(since), stored(before), limit)
	if err != nil {
		return nil, wrap("digest items", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.DigestItem, error) {
		var it model.DigestItem
		err := r.Scan(&it.UserID, &it.MessageID, &it.ChatID, &it.ChatType, &it.ChatName,
			&it.WorkspaceID, &it.WorkspaceName, &it.SenderName, &it.Content, &it.CreatedAt)
		it.CreatedAt = it.CreatedAt.UTC()
		return it, err
	})
	return out, wrap("digest items", err)
}
