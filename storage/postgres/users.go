package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// userCols are the users columns in userDest order, for a table aliased u.
const userCols = `u.id, u.email, u.username, u.display_name, u.avatar_url, u.locale,
	u.timezone, u.is_bot, u.is_admin, u.password_hash, u.tokens_valid_after, u.disabled_at, u.created_at,
	u.avatar_sha256,
	CASE WHEN u.status_expires_at IS NULL OR u.status_expires_at > now() THEN u.status_emoji ELSE '' END,
	CASE WHEN u.status_expires_at IS NULL OR u.status_expires_at > now() THEN u.status_text ELSE '' END,
	CASE WHEN u.status_expires_at > now() THEN u.status_expires_at END`

// userDest returns scan destinations for userCols. An expired status is
// dropped by the query itself (the CASEs in userCols), so nothing has to
// sweep them.
func userDest(u *model.User) []any {
	return []any{&u.ID, &u.Email, &u.Username, &u.DisplayName, &u.AvatarURL, &u.Locale,
		&u.Timezone, &u.IsBot, &u.IsAdmin, &u.PasswordHash, &u.TokensValidAfter, &u.DisabledAt, &u.CreatedAt,
		&u.AvatarSHA256, &u.Status.Emoji, &u.Status.Text, &u.Status.ExpiresAt}
}

// CreateUser inserts u and sets u.ID and u.CreatedAt; ErrConflict when the
// email or username is taken (case-insensitively).
func (q *queries) CreateUser(ctx context.Context, u *model.User) error {
	created := now()
	err := q.db.QueryRow(ctx, `INSERT INTO users (email, username, display_name, avatar_url, locale,
			timezone, is_bot, is_admin, password_hash, tokens_valid_after, disabled_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT DO NOTHING RETURNING id`,
		u.Email, u.Username, u.DisplayName, u.AvatarURL, u.Locale, u.Timezone,
		u.IsBot, u.IsAdmin, u.PasswordHash, stored(u.TokensValidAfter), storedPtr(u.DisabledAt), created).Scan(&u.ID)
	if isNoRows(err) {
		return conflict("create user")
	}
	if err != nil {
		return wrap("create user", err)
	}
	u.CreatedAt = created
	return nil
}

func (q *queries) userWhere(ctx context.Context, op, cond string, arg any) (model.User, error) {
	var u model.User
	err := q.db.QueryRow(ctx, `SELECT `+userCols+` FROM users u WHERE `+cond, arg).Scan(userDest(&u)...)
	if err != nil {
		return model.User{}, wrap(op, err)
	}
	return u, nil
}

// UserByID returns one user.
func (q *queries) UserByID(ctx context.Context, id int64) (model.User, error) {
	return q.userWhere(ctx, "user by id", `u.id = $1`, id)
}

// UserCredentials returns what decides whether the user's tokens stand.
func (q *queries) UserCredentials(ctx context.Context, id int64) (storage.UserCredentials, error) {
	var c storage.UserCredentials
	err := q.db.QueryRow(ctx, `SELECT tokens_valid_after, disabled_at FROM users WHERE id = $1`, id).
		Scan(&c.TokensValidAfter, &c.DisabledAt)
	if err != nil {
		return storage.UserCredentials{}, wrap("user credentials", err)
	}
	return c, nil
}

// UserByEmail looks a user up by email, case-insensitively.
func (q *queries) UserByEmail(ctx context.Context, email string) (model.User, error) {
	return q.userWhere(ctx, "user by email", `lower(u.email) = lower($1)`, email)
}

// UserByUsername looks a user up by username, case-insensitively.
func (q *queries) UserByUsername(ctx context.Context, username string) (model.User, error) {
	return q.userWhere(ctx, "user by username", `lower(u.username) = lower($1)`, username)
}

// UsersByIDs returns the users that exist among ids, in id order.
func (q *queries) UsersByIDs(ctx context.Context, ids []int64) ([]model.User, error) {
	return q.usersWhere(ctx, "users by ids", `u.id = ANY($1)`, ids)
}

// usersWhere returns the users matching where, in id order.
func (q *queries) usersWhere(ctx context.Context, op, where string, args ...any) ([]model.User, error) {
	rows, err := q.db.Query(ctx, `SELECT `+userCols+` FROM users u WHERE `+where+` ORDER BY u.id`, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []model.User{}
	for rows.Next() {
		var u model.User
		if err := rows.Scan(userDest(&u)...); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, u)
	}
	return out, wrap(op, rows.Err())
}

// UpdateProfile stores DisplayName, Username, AvatarURL, Locale and
// Timezone of u; ErrConflict when the username is taken.
func (q *queries) UpdateProfile(ctx context.Context, u model.User) error {
	return q.guarded(ctx, func(q *queries) error {
		tag, err := q.db.Exec(ctx, `UPDATE users SET display_name = $2, username = $3, avatar_url = $4,
			locale = $5, timezone = $6 WHERE id = $1`,
			u.ID, u.DisplayName, u.Username, u.AvatarURL, u.Locale, u.Timezone)
		return mustAffect("update profile", tag, err)
	})
}

// SetAvatar names the user's avatar blob and its URL.
func (q *queries) SetAvatar(ctx context.Context, userID int64, sha256, url string) error {
	tag, err := q.db.Exec(ctx, `UPDATE users SET avatar_sha256 = $2, avatar_url = $3 WHERE id = $1`,
		userID, sha256, url)
	return mustAffect("set avatar", tag, err)
}

// SetStatus stores the user's status; the zero UserStatus clears it.
func (q *queries) SetStatus(ctx context.Context, userID int64, st model.UserStatus) error {
	tag, err := q.db.Exec(ctx, `UPDATE users SET status_emoji = $2, status_text = $3, status_expires_at = $4
		WHERE id = $1`, userID, st.Emoji, st.Text, storedPtr(st.ExpiresAt))
	return mustAffect("set status", tag, err)
}

// SetPasswordHash replaces the password hash.
func (q *queries) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	tag, err := q.db.Exec(ctx, `UPDATE users SET password_hash = $2 WHERE id = $1`, userID, hash)
	return mustAffect("set password hash", tag, err)
}

// SetTokensValidAfter makes every access token issued before t invalid.
func (q *queries) SetTokensValidAfter(ctx context.Context, userID int64, t time.Time) error {
	tag, err := q.db.Exec(ctx, `UPDATE users SET tokens_valid_after = $2 WHERE id = $1`, userID, stored(t))
	return mustAffect("set tokens valid after", tag, err)
}

// CountUsers counts every account, bots included.
func (q *queries) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n)
	return n, wrap("count users", err)
}

// InstanceAdmins returns the instance administrators, in id order.
func (q *queries) InstanceAdmins(ctx context.Context) ([]model.User, error) {
	return q.usersWhere(ctx, "instance admins", `u.is_admin`)
}

// storedPtr is stored for a time that may be nil (NULL).
func storedPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := stored(*t)
	return &v
}

// ListUsers returns a page of users by ascending id.
func (q *queries) ListUsers(ctx context.Context, afterID int64, limit int) ([]model.User, error) {
	rows, err := q.db.Query(ctx, `SELECT `+userCols+` FROM users u WHERE u.id > $1 ORDER BY u.id LIMIT $2`,
		afterID, limit)
	if err != nil {
		return nil, wrap("list users", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.User, error) {
		var u model.User
		return u, r.Scan(userDest(&u)...)
	})
	return nonNil(out), wrap("list users", err)
}

// SetUserDisabled disables the account at at, or enables it (nil).
func (q *queries) SetUserDisabled(ctx context.Context, userID int64, at *time.Time) error {
	tag, err := q.db.Exec(ctx, `UPDATE users SET disabled_at = $2 WHERE id = $1`, userID, storedPtr(at))
	return mustAffect("set user disabled", tag, err)
}

// SetUserAdmin sets or clears the instance administrator flag.
func (q *queries) SetUserAdmin(ctx context.Context, userID int64, admin bool) error {
	tag, err := q.db.Exec(ctx, `UPDATE users SET is_admin = $2 WHERE id = $1`, userID, admin)
	return mustAffect("set user admin", tag, err)
}

// CountActiveAdmins counts administrators that are not disabled, locking
// their rows: inside a transaction, two demotions (or disables) of the
// last two administrators serialise, and the second counts one.
func (q *queries) CountActiveAdmins(ctx context.Context) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM (SELECT id FROM users
		WHERE is_admin AND disabled_at IS NULL FOR UPDATE) a`).Scan(&n)
	return n, wrap("count active admins", err)
}
