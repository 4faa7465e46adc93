package model

import "time"

// TOTP is a user's time-based one-time password factor (RFC 6238). Secret
// is sealed by the auth package (encrypted under a key derived from the
// signing key); the store never sees it in the clear.
type TOTP struct {
	UserID int64
	// Secret is the sealed shared secret.
	Secret string
	// ConfirmedAt is when the user proved the factor with a code; nil
	// while the enrolment is pending (the factor is not yet in force).
	ConfirmedAt *time.Time
	// LastStep is the time step of the last code accepted: a code of that
	// step or an earlier one is never accepted again (RFC 6238 §5.2).
	LastStep int64
	// Failures counts wrong codes since the last good one.
	Failures int
	// LockedUntil refuses every code until then, after too many failures.
	LockedUntil time.Time
	CreatedAt   time.Time
}

// Enabled reports whether the factor is confirmed and in force.
func (t TOTP) Enabled() bool { return t.ConfirmedAt != nil }
