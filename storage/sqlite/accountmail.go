package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// CreateAccountToken stores t under the hash of its token.
func (q *queries) CreateAccountToken(ctx context.Context, t *model.AccountToken, hash string) error {
	t.CreatedAt = orNow(t.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO account_tokens (token_hash, purpose, user_id, email,
			created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			hash, t.Purpose, t.UserID, t.Email, micros(t.CreatedAt), micros(t.ExpiresAt)).Scan(&t.ID)
		return wrap("create account token", err)
	})
}

// UseAccountToken marks an unused, unexpired token used and returns it.
func (q *queries) UseAccountToken(ctx context.Context, purpose, hash string, now time.Time) (model.AccountToken, error) {
	var t model.AccountToken
	err := q.atomic(ctx, func(q *queries) error {
		var created, expires, used int64
		err := q.w.QueryRowContext(ctx, `UPDATE account_tokens SET used_at = ?
			WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?
			RETURNING id, user_id, purpose, email, created_at, expires_at, used_at`,
			micros(now), hash, purpose, micros(now)).Scan(&t.ID, &t.UserID, &t.Purpose, &t.Email,
			&created, &expires, &used)
		if err != nil {
			return wrap("use account token", err)
		}
		u := fromMicros(used)
		t.CreatedAt, t.ExpiresAt, t.UsedAt = fromMicros(created), fromMicros(expires), &u
		return nil
	})
	return t, err
}

// CountAccountTokens counts the user's recent tokens of purpose.
func (q *queries) CountAccountTokens(ctx context.Context, userID int64, purpose string, since time.Time) (int, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM account_tokens WHERE user_id = ? AND purpose = ? AND created_at >= ?`,
		userID, purpose, micros(since)).Scan(&n)
	return n, wrap("count account tokens", err)
}

// SetUserEmail changes a user's email.
func (q *queries) SetUserEmail(ctx context.Context, userID int64, email string) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE users SET email = ? WHERE id = ?`, email, userID)
		return mustAffect("set user email", res, err)
	})
}

// DigestState returns the user's digest state (the defaults without a row).
func (q *queries) DigestState(ctx context.Context, userID int64) (model.DigestState, error) {
	st := model.DigestState{UserID: userID, Enabled: true}
	var sentAt sql.NullInt64
	err := q.r.QueryRowContext(ctx, `SELECT enabled, sent_upto, sent_at FROM email_digests WHERE user_id = ?`,
		userID).Scan(&st.Enabled, &st.SentUpTo, &sentAt)
	if err == sql.ErrNoRows {
		return st, nil
	}
	if err != nil {
		return st, wrap("digest state", err)
	}
	if sentAt.Valid {
		at := fromMicros(sentAt.Int64)
		st.SentAt = &at
	}
	return st, nil
}

// SetDigestEnabled turns the user's digest on or off.
func (q *queries) SetDigestEnabled(ctx context.Context, userID int64, enabled bool) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO email_digests (user_id, enabled) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET enabled = excluded.enabled`, userID, enabled)
		return wrap("set digest enabled", err)
	})
}

// ClaimDigest moves SentUpTo from old to upTo, if it still is old.
func (q *queries) ClaimDigest(ctx context.Context, userID, old, upTo int64, at time.Time) (bool, error) {
	var claimed bool
	err := q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `INSERT INTO email_digests (user_id, sent_upto, sent_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET sent_upto = excluded.sent_upto, sent_at = excluded.sent_at
			WHERE email_digests.sent_upto = ?`, userID, upTo, micros(at), old)
		if err != nil {
			return wrap("claim digest", err)
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return wrap("claim digest", err)
	})
	return claimed, err
}

// DigestItems returns the unread direct messages and mentions of users
// whose digests are on.
func (q *queries) DigestItems(ctx context.Context, since, before time.Time, limit int) ([]model.DigestItem, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT cm.user_id, m.id, c.id, c.type, c.name, w.id, w.name,
			CASE WHEN s.display_name <> '' THEN s.display_name ELSE s.username END, m.content, m.created_at
		FROM chat_members cm
		JOIN users u ON u.id = cm.user_id
		JOIN chats c ON c.id = cm.chat_id
		JOIN workspaces w ON w.id = c.workspace_id
		JOIN messages m ON m.chat_id = cm.chat_id AND m.seq > cm.last_read_seq
		JOIN users s ON s.id = m.sender_id
		LEFT JOIN email_digests d ON d.user_id = cm.user_id
		WHERE u.is_bot = 0 AND u.disabled_at IS NULL AND COALESCE(d.enabled, 1) = 1
			AND m.sender_id <> cm.user_id AND m.deleted_at IS NULL
			AND m.created_at > ? AND m.created_at <= ? AND m.id > COALESCE(d.sent_upto, 0)
			AND (c.type = 'direct' OR EXISTS (SELECT 1 FROM mentions mn
				WHERE mn.message_id = m.id AND mn.user_id = cm.user_id))
		ORDER BY cm.user_id, m.id LIMIT ?`, micros(since), micros(before), limit)
	if err != nil {
		return nil, wrap("digest items", err)
	}
	defer rows.Close()
	var out []model.DigestItem
	for rows.Next() {
		var it model.DigestItem
		var created int64
		if err := rows.Scan(&it.UserID, &it.MessageID, &it.ChatID, &it.ChatType, &it.ChatName,
			&it.WorkspaceID, &it.WorkspaceName, &it.SenderName, &it.Content, &created); err != nil {
			return nil, wrap("digest items", err)
		}
		it.CreatedAt = fromMicros(created)
		out = append(out, it)
	}
	return out, wrap("digest items", rows.Err())
}
