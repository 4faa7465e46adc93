package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// CreateSession inserts s with its first refresh token and sets s.ID.
// A zero CreatedAt is now; a zero LastUsedAt is CreatedAt.
func (q *queries) CreateSession(ctx context.Context, s *model.Session, tokenHash string) error {
	s.CreatedAt = orNow(s.CreatedAt)
	if s.LastUsedAt.IsZero() {
		s.LastUsedAt = s.CreatedAt
	}
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO sessions (user_id, user_agent, ip, created_at,
			last_used_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			s.UserID, s.UserAgent, s.IP, micros(s.CreatedAt), micros(s.LastUsedAt),
			micros(s.ExpiresAt), nullMicros(s.RevokedAt)).Scan(&s.ID)
		if err != nil {
			return wrap("create session", err)
		}
		_, err = q.w.ExecContext(ctx, `INSERT INTO refresh_tokens (hash, session_id, created_at)
			VALUES (?, ?, ?)`, tokenHash, s.ID, micros(s.CreatedAt))
		return wrap("create session token", err)
	})
}

const sessionCols = `s.id, s.user_id, s.user_agent, s.ip, s.created_at, s.last_used_at, s.expires_at, s.revoked_at`

func sessionDest(s *model.Session) ([]any, func()) {
	var created, used, expires int64
	var revoked sql.NullInt64
	dest := []any{&s.ID, &s.UserID, &s.UserAgent, &s.IP, &created, &used, &expires, &revoked}
	return dest, func() {
		s.CreatedAt, s.LastUsedAt, s.ExpiresAt = fromMicros(created), fromMicros(used), fromMicros(expires)
		s.RevokedAt = fromNullMicros(revoked)
	}
}

// RefreshToken returns a token and its session. SQLite serialises writers,
// so inside InTx the session is already safe from concurrent refreshes.
func (q *queries) RefreshToken(ctx context.Context, tokenHash string) (model.RefreshToken, model.Session, error) {
	var t model.RefreshToken
	var s model.Session
	var created int64
	var used sql.NullInt64
	sdest, finish := sessionDest(&s)
	err := q.r.QueryRowContext(ctx, `SELECT t.hash, t.session_id, t.created_at, t.used_at, `+sessionCols+`
		FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.hash = ?`, tokenHash).
		Scan(append([]any{&t.Hash, &t.SessionID, &created, &used}, sdest...)...)
	if err != nil {
		return model.RefreshToken{}, model.Session{}, wrap("refresh token", err)
	}
	finish()
	t.CreatedAt, t.UsedAt = fromMicros(created), fromNullMicros(used)
	return t, s, nil
}

// RotateRefreshToken marks oldHash used, adds newHash to its session and
// extends the session.
func (q *queries) RotateRefreshToken(ctx context.Context, oldHash, newHash string, at, expiresAt time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		var sessionID int64
		err := q.w.QueryRowContext(ctx, `UPDATE refresh_tokens SET used_at = COALESCE(used_at, ?)
			WHERE hash = ? RETURNING session_id`, micros(at), oldHash).Scan(&sessionID)
		if err != nil {
			return wrap("rotate refresh token", err)
		}
		_, err = q.w.ExecContext(ctx, `INSERT INTO refresh_tokens (hash, session_id, created_at)
			VALUES (?, ?, ?)`, newHash, sessionID, micros(at))
		if err != nil {
			return wrap("rotate refresh token: insert", err)
		}
		res, err := q.w.ExecContext(ctx, `UPDATE sessions SET last_used_at = ?, expires_at = ?
			WHERE id = ?`, micros(at), micros(expiresAt), sessionID)
		return mustAffect("rotate refresh token: session", res, err)
	})
}

// SessionByID returns one of userID's sessions, revoked or not.
func (q *queries) SessionByID(ctx context.Context, userID, sessionID int64) (model.Session, error) {
	var s model.Session
	dest, finish := sessionDest(&s)
	err := q.r.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions s
		WHERE s.id = ? AND s.user_id = ?`, sessionID, userID).Scan(dest...)
	if err != nil {
		return model.Session{}, wrap("session by id", err)
	}
	finish()
	return s, nil
}

// ListSessions returns userID's live sessions, most recently used first.
func (q *queries) ListSessions(ctx context.Context, userID int64, at time.Time) ([]model.Session, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions s
		WHERE s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > ?
		ORDER BY s.last_used_at DESC, s.id DESC`, userID, micros(at))
	if err != nil {
		return nil, wrap("list sessions", err)
	}
	defer rows.Close()
	out := []model.Session{}
	for rows.Next() {
		var s model.Session
		dest, finish := sessionDest(&s)
		if err := rows.Scan(dest...); err != nil {
			return nil, wrap("list sessions", err)
		}
		finish()
		out = append(out, s)
	}
	return out, wrap("list sessions", rows.Err())
}

// RevokeSession revokes one of userID's sessions (keeping the first
// revocation time if it already was).
func (q *queries) RevokeSession(ctx context.Context, userID, sessionID int64, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE sessions SET revoked_at = COALESCE(revoked_at, ?)
			WHERE id = ? AND user_id = ?`, micros(at), sessionID, userID)
		return mustAffect("revoke session", res, err)
	})
}

// RevokeAllSessions revokes userID's sessions except keep.
func (q *queries) RevokeAllSessions(ctx context.Context, userID int64, keep int64, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `UPDATE sessions SET revoked_at = ?
			WHERE user_id = ? AND id <> ? AND revoked_at IS NULL`, micros(at), userID, keep)
		return wrap("revoke all sessions", err)
	})
}
