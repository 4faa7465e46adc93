package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// TOTP returns a user's factor, pending or confirmed.
func (q *queries) TOTP(ctx context.Context, userID int64) (model.TOTP, error) {
	t := model.TOTP{UserID: userID}
	var locked *time.Time
	err := q.db.QueryRow(ctx, `SELECT secret, confirmed_at, last_step, failures, locked_until, created_at
		FROM user_totp WHERE user_id = $1`, userID).Scan(&t.Secret, &t.ConfirmedAt, &t.LastStep, &t.Failures, &locked, &t.CreatedAt)
	if err != nil {
		return model.TOTP{}, wrap("totp", err)
	}
	if t.ConfirmedAt != nil {
		*t.ConfirmedAt = t.ConfirmedAt.UTC()
	}
	if locked != nil {
		t.LockedUntil = locked.UTC()
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return t, nil
}

// PutPendingTOTP stores a new pending factor unless a confirmed one exists.
func (q *queries) PutPendingTOTP(ctx context.Context, t model.TOTP) error {
	return q.guarded(ctx, func(q *queries) error {
		tag, err := q.db.Exec(ctx, `INSERT INTO user_totp (user_id, secret, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at,
				last_step = 0, failures = 0, locked_until = NULL
			WHERE user_totp.confirmed_at IS NULL`, t.UserID, t.Secret, orNow(t.CreatedAt))
		if err := mustAffect("put pending totp", tag, err); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return conflict("put pending totp")
			}
			return err
		}
		return nil
	})
}

// ConfirmTOTP puts the pending factor in force and replaces the recovery codes.
func (q *queries) ConfirmTOTP(ctx context.Context, userID, step int64, at time.Time, recoveryHashes []string) error {
	return q.atomic(ctx, func(q *queries) error {
		tag, err := q.db.Exec(ctx, `UPDATE user_totp SET confirmed_at = $1, last_step = $2, failures = 0, locked_until = NULL
			WHERE user_id = $3 AND confirmed_at IS NULL`, stored(at), step, userID)
		if err := mustAffect("confirm totp", tag, err); err != nil {
			return err
		}
		return q.replaceRecoveryCodes(ctx, userID, recoveryHashes)
	})
}

// replaceRecoveryCodes drops the user's codes and stores hashes.
func (q *queries) replaceRecoveryCodes(ctx context.Context, userID int64, hashes []string) error {
	if _, err := q.db.Exec(ctx, `DELETE FROM user_recovery_codes WHERE user_id = $1`, userID); err != nil {
		return wrap("replace recovery codes", err)
	}
	if len(hashes) == 0 {
		return nil
	}
	_, err := q.db.Exec(ctx, `INSERT INTO user_recovery_codes (user_id, code_hash)
		SELECT $1, h FROM unnest($2::text[]) AS h`, userID, hashes)
	return wrap("replace recovery codes", err)
}

// DeleteTOTP removes the factor and the recovery codes.
func (q *queries) DeleteTOTP(ctx context.Context, userID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		tag, err := q.db.Exec(ctx, `DELETE FROM user_totp WHERE user_id = $1`, userID)
		if err := mustAffect("delete totp", tag, err); err != nil {
			return err
		}
		return q.replaceRecoveryCodes(ctx, userID, nil)
	})
}

// UseTOTPStep records step as used unless it is not after the last one.
func (q *queries) UseTOTPStep(ctx context.Context, userID, step int64) error {
	tag, err := q.db.Exec(ctx, `UPDATE user_totp SET last_step = $1, failures = 0, locked_until = NULL
		WHERE user_id = $2 AND last_step < $1`, step, userID)
	if err := mustAffect("use totp step", tag, err); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return conflict("use totp step")
		}
		return err
	}
	return nil
}

// SetTOTPFailures stores the failure count and lock.
func (q *queries) SetTOTPFailures(ctx context.Context, userID int64, failures int, lockedUntil time.Time) error {
	var locked *time.Time
	if !lockedUntil.IsZero() {
		v := stored(lockedUntil)
		locked = &v
	}
	tag, err := q.db.Exec(ctx, `UPDATE user_totp SET failures = $1, locked_until = $2 WHERE user_id = $3`,
		failures, locked, userID)
	return mustAffect("set totp failures", tag, err)
}

// ClaimTOTPAttempt counts one attempt unless the factor is locked or full;
// the row lock makes concurrent claims count one by one.
func (q *queries) ClaimTOTPAttempt(ctx context.Context, userID int64, max int, now time.Time) (failures int, ok bool, err error) {
	err = q.db.QueryRow(ctx, `UPDATE user_totp SET failures = failures + 1
		WHERE user_id = $1 AND failures < $2 AND (locked_until IS NULL OR locked_until <= $3) RETURNING failures`,
		userID, max, stored(now)).Scan(&failures)
	if err = wrap("claim totp attempt", err); errors.Is(err, storage.ErrNotFound) {
		var n int
		if err := q.db.QueryRow(ctx, `SELECT count(*) FROM user_totp WHERE user_id = $1`, userID).Scan(&n); err != nil {
			return 0, false, wrap("claim totp attempt", err)
		}
		if n == 0 {
			return 0, false, err
		}
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return failures, true, nil
}

// UseRecoveryCode marks one unused code used.
func (q *queries) UseRecoveryCode(ctx context.Context, userID int64, hash string, at time.Time) error {
	tag, err := q.db.Exec(ctx, `UPDATE user_recovery_codes SET used_at = $1
		WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL`, stored(at), userID, hash)
	return mustAffect("use recovery code", tag, err)
}

// CountRecoveryCodes counts the user's unused codes.
func (q *queries) CountRecoveryCodes(ctx context.Context, userID int64) (int, error) {
	var n int
	err := q.db.QueryRow(ctx, `SELECT count(*) FROM user_recovery_codes WHERE user_id = $1 AND used_at IS NULL`,
		userID).Scan(&n)
	return n, wrap("count recovery codes", err)
}

// SetWorkspaceRequires2FA sets the workspace's rule.
func (q *queries) SetWorkspaceRequires2FA(ctx context.Context, workspaceID int64, on bool) error {
	tag, err := q.db.Exec(ctx, `UPDATE workspaces SET require_2fa = $1 WHERE id = $2`, on, workspaceID)
	return mustAffect("set workspace require 2fa", tag, err)
}

// WorkspaceRequires2FA reports the workspace's rule.
func (q *queries) WorkspaceRequires2FA(ctx context.Context, workspaceID int64) (bool, error) {
	var on bool
	err := q.db.QueryRow(ctx, `SELECT require_2fa FROM workspaces WHERE id = $1`, workspaceID).Scan(&on)
	return on, wrap("workspace requires 2fa", err)
}

// MemberOfWorkspaceRequiring2FA reports whether any of the user's workspaces requires 2FA.
func (q *queries) MemberOfWorkspaceRequiring2FA(ctx context.Context, userID int64) (bool, error) {
	var on bool
	err := q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM workspace_members m
		JOIN workspaces w ON w.id = m.workspace_id WHERE m.user_id = $1 AND w.require_2fa)`, userID).Scan(&on)
	return on, wrap("member of workspace requiring 2fa", err)
}

// IdentityUser returns the user linked to (issuer, subject).
func (q *queries) IdentityUser(ctx context.Context, issuer, subject string) (int64, error) {
	var id int64
	err := q.db.QueryRow(ctx, `SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2`,
		issuer, subject).Scan(&id)
	return id, wrap("identity user", err)
}

// LinkIdentity links (issuer, subject) to userID.
func (q *queries) LinkIdentity(ctx context.Context, userID int64, issuer, subject string, at time.Time) error {
	return q.guarded(ctx, func(q *queries) error {
		_, err := q.db.Exec(ctx, `INSERT INTO user_identities (issuer, subject, user_id, created_at)
			VALUES ($1, $2, $3, $4)`, issuer, subject, userID, orNow(at))
		return wrap("link identity", err)
	})
}
