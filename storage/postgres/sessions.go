package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
)

const sessionCols = `s.id, s.user_id, s.user_agent, s.ip, s.created_at, s.last_used_at, s.expires_at, s.revoked_at`

func sessionDest(s *model.Session) []any {
	return []any{&s.ID, &s.UserID, &s.UserAgent, &s.IP, &s.CreatedAt, &s.LastUsedAt, &s.ExpiresAt, &s.RevokedAt}
}

// CreateSession inserts s (setting s.ID; a zero CreatedAt or LastUsedAt
// becomes now) with its first refresh token.
func (q *queries) CreateSession(ctx context.Context, s *model.Session, tokenHash string) error {
	s.CreatedAt = orNow(s.CreatedAt)
	if s.LastUsedAt.IsZero() {
		s.LastUsedAt = s.CreatedAt
	}
	s.LastUsedAt, s.ExpiresAt = stored(s.LastUsedAt), stored(s.ExpiresAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.db.QueryRow(ctx, `INSERT INTO sessions (user_id, user_agent, ip, created_at,
				last_used_at, expires_at, revoked_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			s.UserID, s.UserAgent, s.IP, s.CreatedAt, s.LastUsedAt, s.ExpiresAt, s.RevokedAt).Scan(&s.ID)
		if err != nil {
			return wrap("create session", err)
		}
		_, err = q.db.Exec(ctx, `INSERT INTO refresh_tokens (hash, session_id, created_at)
			VALUES ($1, $2, $3)`, tokenHash, s.ID, s.CreatedAt)
		return wrap("create session token", err)
	})
}

// RefreshToken returns a token and its session. Inside a transaction it
// locks the session row (FOR UPDATE), so concurrent refreshes of one family
// take turns and reuse detection sees the other's rotation. The token row
// is locked too: after waiting, READ COMMITTED re-reads only the rows a
// statement locks, and used_at must be the committed one.
func (q *queries) RefreshToken(ctx context.Context, tokenHash string) (model.RefreshToken, model.Session, error) {
	query := `SELECT rt.hash, rt.session_id, rt.created_at, rt.used_at, ` + sessionCols + `
		FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
		WHERE rt.hash = $1`
	if q.inTx {
		query += ` FOR UPDATE OF rt, s`
	}
	var rt model.RefreshToken
	var s model.Session
	dest := append([]any{&rt.Hash, &rt.SessionID, &rt.CreatedAt, &rt.UsedAt}, sessionDest(&s)...)
	if err := q.db.QueryRow(ctx, query, tokenHash).Scan(dest...); err != nil {
		return model.RefreshToken{}, model.Session{}, wrap("refresh token", err)
	}
	return rt, s, nil
}

// RotateRefreshToken marks oldHash used at now (if it is not already), adds
// newHash to the same session and sets the session's LastUsedAt and ExpiresAt.
func (q *queries) RotateRefreshToken(ctx context.Context, oldHash, newHash string, at, expiresAt time.Time) error {
	at = stored(at)
	return q.atomic(ctx, func(q *queries) error {
		var sessionID int64
		err := q.db.QueryRow(ctx, `UPDATE refresh_tokens SET used_at = coalesce(used_at, $2)
			WHERE hash = $1 RETURNING session_id`, oldHash, at).Scan(&sessionID)
		if err != nil {
			return wrap("rotate refresh token", err)
		}
		tag, err := q.db.Exec(ctx, `INSERT INTO refresh_tokens (hash, session_id, created_at)
			VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, newHash, sessionID, at)
		if err != nil {
			return wrap("rotate refresh token: insert", err)
		}
		if tag.RowsAffected() == 0 {
			return conflict("rotate refresh token: new token exists")
		}
		tag, err = q.db.Exec(ctx, `UPDATE sessions SET last_used_at = $2, expires_at = $3 WHERE id = $1`,
			sessionID, at, stored(expiresAt))
		return mustAffect("rotate refresh token: session", tag, err)
	})
}

// SessionByID returns one of userID's sessions, revoked or not.
func (q *queries) SessionByID(ctx context.Context, userID, sessionID int64) (model.Session, error) {
	var s model.Session
	err := q.db.QueryRow(ctx, `SELECT `+sessionCols+` FROM sessions s
		WHERE s.id = $1 AND s.user_id = $2`, sessionID, userID).Scan(sessionDest(&s)...)
	if err != nil {
		return model.Session{}, wrap("session by id", err)
	}
	return s, nil
}

// ListSessions returns userID's sessions that are not revoked and not
// expired at now, most recently used first.
func (q *queries) ListSessions(ctx context.Context, userID int64, at time.Time) ([]model.Session, error) {
	rows, err := q.db.Query(ctx, `SELECT `+sessionCols+` FROM sessions s
		WHERE s.user_id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
		ORDER BY s.last_used_at DESC, s.id DESC`, userID, stored(at))
	if err != nil {
		return nil, wrap("list sessions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Session, error) {
		var s model.Session
		err := r.Scan(sessionDest(&s)...)
		return s, err
	})
	return nonNil(out), wrap("list sessions", err)
}

// RevokeSession revokes one of userID's sessions; ErrNotFound if it is not
// theirs. Revoking a revoked session keeps the first revocation time.
func (q *queries) RevokeSession(ctx context.Context, userID, sessionID int64, at time.Time) error {
	tag, err := q.db.Exec(ctx, `UPDATE sessions SET revoked_at = coalesce(revoked_at, $3)
		WHERE id = $1 AND user_id = $2`, sessionID, userID, stored(at))
	return mustAffect("revoke session", tag, err)
}

// RevokeAllSessions revokes every session of userID, except keep if keep > 0.
func (q *queries) RevokeAllSessions(ctx context.Context, userID int64, keep int64, at time.Time) error {
	_, err := q.db.Exec(ctx, `UPDATE sessions SET revoked_at = $3
		WHERE user_id = $1 AND revoked_at IS NULL AND id <> $2`, userID, keep, stored(at))
	return wrap("revoke all sessions", err)
}
