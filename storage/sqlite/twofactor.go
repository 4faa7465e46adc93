package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// TOTP returns a user's factor, pending or confirmed.
func (q *queries) TOTP(ctx context.Context, userID int64) (model.TOTP, error) {
	t := model.TOTP{UserID: userID}
	var confirmed sql.NullInt64
	var locked, created int64
	err := q.r.QueryRowContext(ctx, `SELECT secret, confirmed_at, last_step, failures, locked_until, created_at
		FROM user_totp WHERE user_id = ?`, userID).Scan(&t.Secret, &confirmed, &t.LastStep, &t.Failures, &locked, &created)
	if err != nil {
		return model.TOTP{}, wrap("totp", err)
	}
	if confirmed.Valid {
		at := fromMicros(confirmed.Int64)
		t.ConfirmedAt = &at
	}
	t.LockedUntil, t.CreatedAt = fromMicros(locked), fromMicros(created)
	return t, nil
}

// PutPendingTOTP stores a new pending factor unless a confirmed one exists.
func (q *queries) PutPendingTOTP(ctx context.Context, t model.TOTP) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `INSERT INTO user_totp (user_id, secret, created_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at,
				last_step = 0, failures = 0, locked_until = 0
			WHERE user_totp.confirmed_at IS NULL`, t.UserID, t.Secret, micros(orNow(t.CreatedAt)))
		if err := mustAffect("put pending totp", res, err); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("put pending totp: %w", storage.ErrConflict)
			}
			return err
		}
		return nil
	})
}

// ConfirmTOTP puts the pending factor in force and replaces the recovery codes.
func (q *queries) ConfirmTOTP(ctx context.Context, userID, step int64, at time.Time, recoveryHashes []string) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE user_totp SET confirmed_at = ?, last_step = ?, failures = 0, locked_until = 0
			WHERE user_id = ? AND confirmed_at IS NULL`, micros(at), step, userID)
		if err := mustAffect("confirm totp", res, err); err != nil {
			return err
		}
		return q.replaceRecoveryCodes(ctx, userID, recoveryHashes)
	})
}

// replaceRecoveryCodes drops the user's codes and stores hashes.
func (q *queries) replaceRecoveryCodes(ctx context.Context, userID int64, hashes []string) error {
	if _, err := q.w.ExecContext(ctx, `DELETE FROM user_recovery_codes WHERE user_id = ?`, userID); err != nil {
		return wrap("replace recovery codes", err)
	}
	for _, h := range hashes {
		if _, err := q.w.ExecContext(ctx, `INSERT INTO user_recovery_codes (user_id, code_hash) VALUES (?, ?)`, userID, h); err != nil {
			return wrap("replace recovery codes", err)
		}
	}
	return nil
}

// DeleteTOTP removes the factor and the recovery codes.
func (q *queries) DeleteTOTP(ctx context.Context, userID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM user_totp WHERE user_id = ?`, userID)
		if err := mustAffect("delete totp", res, err); err != nil {
			return err
		}
		return q.replaceRecoveryCodes(ctx, userID, nil)
	})
}

// UseTOTPStep records step as used unless it is not after the last one.
func (q *queries) UseTOTPStep(ctx context.Context, userID, step int64) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE user_totp SET last_step = ?, failures = 0, locked_until = 0
			WHERE user_id = ? AND last_step < ?`, step, userID, step)
		if err := mustAffect("use totp step", res, err); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("use totp step: %w", storage.ErrConflict)
			}
			return err
		}
		return nil
	})
}

// SetTOTPFailures stores the failure count and lock.
func (q *queries) SetTOTPFailures(ctx context.Context, userID int64, failures int, lockedUntil time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE user_totp SET failures = ?, locked_until = ? WHERE user_id = ?`,
			failures, micros(lockedUntil), userID)
		return mustAffect("set totp failures", res, err)
	})
}

// ClaimTOTPAttempt counts one attempt unless the factor is locked or full.
func (q *queries) ClaimTOTPAttempt(ctx context.Context, userID int64, max int, now time.Time) (failures int, ok bool, err error) {
	err = q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `UPDATE user_totp SET failures = failures + 1
			WHERE user_id = ? AND failures < ? AND locked_until <= ? RETURNING failures`,
			userID, max, micros(now)).Scan(&failures)
		if errors.Is(err, sql.ErrNoRows) {
			var n int
			if err := q.w.QueryRowContext(ctx, `SELECT count(*) FROM user_totp WHERE user_id = ?`, userID).Scan(&n); err != nil {
				return wrap("claim totp attempt", err)
			}
			if n == 0 {
				return fmt.Errorf("claim totp attempt: %w", storage.ErrNotFound)
			}
			return nil
		}
		ok = err == nil
		return wrap("claim totp attempt", err)
	})
	return failures, ok, err
}

// UseRecoveryCode marks one unused code used.
func (q *queries) UseRecoveryCode(ctx context.Context, userID int64, hash string, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE user_recovery_codes SET used_at = ?
			WHERE user_id = ? AND code_hash = ? AND used_at IS NULL`, micros(at), userID, hash)
		return mustAffect("use recovery code", res, err)
	})
}

// CountRecoveryCodes counts the user's unused codes.
func (q *queries) CountRecoveryCodes(ctx context.Context, userID int64) (int, error) {
	var n int
	err := q.r.QueryRowContext(ctx, `SELECT count(*) FROM user_recovery_codes WHERE user_id = ? AND used_at IS NULL`,
		userID).Scan(&n)
	return n, wrap("count recovery codes", err)
}

// SetWorkspaceRequires2FA sets the workspace's rule.
func (q *queries) SetWorkspaceRequires2FA(ctx context.Context, workspaceID int64, on bool) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE workspaces SET require_2fa = ? WHERE id = ?`, on, workspaceID)
		return mustAffect("set workspace require 2fa", res, err)
	})
}

// WorkspaceRequires2FA reports the workspace's rule.
func (q *queries) WorkspaceRequires2FA(ctx context.Context, workspaceID int64) (bool, error) {
	var on bool
	err := q.r.QueryRowContext(ctx, `SELECT require_2fa FROM workspaces WHERE id = ?`, workspaceID).Scan(&on)
	return on, wrap("workspace requires 2fa", err)
}

// MemberOfWorkspaceRequiring2FA reports whether any of the user's workspaces requires 2FA.
func (q *queries) MemberOfWorkspaceRequiring2FA(ctx context.Context, userID int64) (bool, error) {
	var on bool
	err := q.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM workspace_members m
		JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = ? AND w.require_2fa)`, userID).Scan(&on)
	return on, wrap("member of workspace requiring 2fa", err)
}

// IdentityUser returns the user linked to (issuer, subject).
func (q *queries) IdentityUser(ctx context.Context, issuer, subject string) (int64, error) {
	var id int64
	err := q.r.QueryRowContext(ctx, `SELECT user_id FROM user_identities WHERE issuer = ? AND subject = ?`,
		issuer, subject).Scan(&id)
	return id, wrap("identity user", err)
}

// LinkIdentity links (issuer, subject) to userID.
func (q *queries) LinkIdentity(ctx context.Context, userID int64, issuer, subject string, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO user_identities (issuer, subject, user_id, created_at)
			VALUES (?, ?, ?, ?)`, issuer, subject, userID, micros(orNow(at)))
		return wrap("link identity", err)
	})
}
