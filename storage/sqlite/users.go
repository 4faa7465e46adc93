package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// userCols are the users columns scanUser reads, for a table aliased u.
const userCols = `u.id, u.email, u.username, u.display_name, u.avatar_url, u.locale, u.timezone,
	u.is_bot, u.is_admin, u.password_hash, u.tokens_valid_after, u.disabled_at, u.created_at,
	u.avatar_sha256, u.status_emoji, u.status_text, u.status_expires_at`

// userDest returns scan destinations for userCols into u, and a function
// that converts the time columns once the scan is done.
func userDest(u *model.User) ([]any, func()) {
	var valid, created int64
	var disabled, statusExpires sql.NullInt64
	var st model.UserStatus
	dest := []any{&u.ID, &u.Email, &u.Username, &u.DisplayName, &u.AvatarURL, &u.Locale,
		&u.Timezone, &u.IsBot, &u.IsAdmin, &u.PasswordHash, &valid, &disabled, &created,
		&u.AvatarSHA256, &st.Emoji, &st.Text, &statusExpires}
	return dest, func() {
		u.TokensValidAfter = fromMicros(valid)
		u.DisabledAt = fromNullMicros(disabled)
		u.CreatedAt = fromMicros(created)
		st.ExpiresAt = fromNullMicros(statusExpires)
		u.Status = st.Live(time.Now()) // expired statuses are dropped as they are read
	}
}

func scanUser(sc scanner) (model.User, error) {
	var u model.User
	dest, finish := userDest(&u)
	if err := sc.Scan(dest...); err != nil {
		return model.User{}, err
	}
	finish()
	return u, nil
}

// CreateUser inserts u and sets u.ID and u.CreatedAt.
func (q *queries) CreateUser(ctx context.Context, u *model.User) error {
	created := orNow(u.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO users (email, username, display_name, avatar_url,
			locale, timezone, is_bot, is_admin, password_hash, tokens_valid_after, disabled_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Email, u.Username, u.DisplayName, u.AvatarURL, u.Locale, u.Timezone, u.IsBot, u.IsAdmin,
			u.PasswordHash, micros(u.TokensValidAfter), nullMicros(u.DisabledAt), micros(created)).Scan(&u.ID)
		if err != nil {
			return wrap("create user", err)
		}
		u.CreatedAt = created
		return nil
	})
}

func (q *queries) userWhere(ctx context.Context, op, where string, arg any) (model.User, error) {
	u, err := scanUser(q.r.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE `+where, arg))
	return u, wrap(op, err)
}

// UserByID returns one user.
func (q *queries) UserByID(ctx context.Context, id int64) (model.User, error) {
	return q.userWhere(ctx, "user by id", `u.id = ?`, id)
}

// UserCredentials returns what decides whether the user's tokens stand.
func (q *queries) UserCredentials(ctx context.Context, id int64) (storage.UserCredentials, error) {
	var valid int64
	var disabled sql.NullInt64
	err := q.r.QueryRowContext(ctx, `SELECT tokens_valid_after, disabled_at FROM users WHERE id = ?`, id).Scan(&valid, &disabled)
	if err != nil {
		return storage.UserCredentials{}, wrap("user credentials", err)
	}
	return storage.UserCredentials{DisabledAt: fromNullMicros(disabled), TokensValidAfter: fromMicros(valid)}, nil
}

// UserByEmail returns the user with this email, compared case-insensitively.
func (q *queries) UserByEmail(ctx context.Context, email string) (model.User, error) {
	return q.userWhere(ctx, "user by email", `lower(u.email) = lower(?)`, email)
}

// UserByUsername returns the user with this username, compared case-insensitively.
func (q *queries) UserByUsername(ctx context.Context, username string) (model.User, error) {
	return q.userWhere(ctx, "user by username", `lower(u.username) = lower(?)`, username)
}

// UsersByIDs returns the users that exist among ids.
func (q *queries) UsersByIDs(ctx context.Context, ids []int64) ([]model.User, error) {
	out := []model.User{}
	for _, chunk := range chunks(uniqueIDs(ids)) {
		users, err := q.usersIn(ctx, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, users...)
	}
	return out, nil
}

func (q *queries) usersIn(ctx context.Context, ids []int64) ([]model.User, error) {
	return q.usersWhere(ctx, "users by ids", `u.id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
}

// usersWhere returns the users matching where, in id order.
func (q *queries) usersWhere(ctx context.Context, op, where string, args ...any) ([]model.User, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+userCols+` FROM users u WHERE `+where+` ORDER BY u.id`, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []model.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, u)
	}
	return out, wrap(op, rows.Err())
}

// UpdateProfile stores the profile fields of u.
func (q *queries) UpdateProfile(ctx context.Context, u model.User) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE users SET display_name = ?, username = ?, avatar_url = ?,
			locale = ?, timezone = ? WHERE id = ?`,
			u.DisplayName, u.Username, u.AvatarURL, u.Locale, u.Timezone, u.ID)
		return mustAffect("update profile", res, err)
	})
}

// SetAvatar names the user's avatar blob and its URL.
func (q *queries) SetAvatar(ctx context.Context, userID int64, sha256, url string) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE users SET avatar_sha256 = ?, avatar_url = ? WHERE id = ?`,
			sha256, url, userID)
		return mustAffect("set avatar", res, err)
	})
}

// SetStatus stores the user's status; the zero UserStatus clears it.
func (q *queries) SetStatus(ctx context.Context, userID int64, st model.UserStatus) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE users SET status_emoji = ?, status_text = ?,
			status_expires_at = ? WHERE id = ?`, st.Emoji, st.Text, nullMicros(st.ExpiresAt), userID)
		return mustAffect("set status", res, err)
	})
}

// SetPasswordHash replaces the password hash.
func (q *queries) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
		return mustAffect("set password hash", res, err)
	})
}

// SetTokensValidAfter makes every access token issued before t invalid.
func (q *queries) SetTokensValidAfter(ctx context.Context, userID int64, t time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE users SET tokens_valid_after = ? WHERE id = ?`, micros(t), userID)
		return mustAffect("set tokens valid after", res, err)
	})
}

// CountUsers counts accounts.
func (q *queries) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := q.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// InstanceAdmins returns the instance administrators, in id order.
func (q *queries) InstanceAdmins(ctx context.Context) ([]model.User, error) {
	return q.usersWhere(ctx, "instance admins", `u.is_admin`)
}

// ListUsers returns a page of users by ascending id.
func (q *queries) ListUsers(ctx context.Context, afterID int64, limit int) ([]model.User, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.id > ? ORDER BY u.id LIMIT ?`,
		afterID, limit)
	if err != nil {
		return nil, wrap("list users", err)
	}
	defer rows.Close()
	out := []model.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap("list users", err)
		}
		out = append(out, u)
	}
	return out, wrap("list users", rows.Err())
}

// SetUserDisabled disables the account at at, or enables it (nil).
func (q *queries) SetUserDisabled(ctx context.Context, userID int64, at *time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE users SET disabled_at = ? WHERE id = ?`, nullMicros(at), userID)
		return mustAffect("set user disabled", res, err)
	})
}

// SetUserAdmin sets or clears the instance administrator flag.
func (q *queries) SetUserAdmin(ctx context.Context, userID int64, admin bool) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE users SET is_admin = ? WHERE id = ?`, admin, userID)
		return mustAffect("set user admin", res, err)
	})
}

// CountActiveAdmins counts administrators that are not disabled.
func (q *queries) CountActiveAdmins(ctx context.Context) (int, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE is_admin AND disabled_at IS NULL`).Scan(&n)
	return n, wrap("count active admins", err)
}
