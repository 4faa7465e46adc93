package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// TOTP parameters: those every authenticator app understands (RFC 6238
// defaults; Google Authenticator ignores anything else).
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	// totpSkew accepts the code of one step before and after now, for
	// clocks that drift and codes typed near a step's end.
	totpSkew = 1
	// recoveryCodeCount is how many recovery codes an enrolment hands out.
	recoveryCodeCount = 10
	// maxCodeFailures wrong codes in a row lock the second step of the
	// account for codeLockout (ASVS 6.3.1).
	maxCodeFailures = 5
	codeLockout     = 15 * time.Minute
)

// TwoFactorStatus is what a user sees of their second factor.
type TwoFactorStatus struct {
	// TOTP is whether an authenticator app is enrolled and in force.
	TOTP bool `json:"totp_enabled"`
	// RecoveryCodesLeft counts unused recovery codes.
	RecoveryCodesLeft int `json:"recovery_codes_left"`
	// Required says an administrator requires a second factor of this
	// user (instance-wide or by one of their workspaces).
	Required bool `json:"required"`
}

// TOTPEnrolment is a new, pending TOTP factor: the secret to type in, and
// the otpauth:// URL a QR code carries. Neither is shown again.
type TOTPEnrolment struct {
	Secret string
	URL    string
}

// errWrongCode answers a wrong, reused or malformed code.
func errWrongCode() error { return apperr.Unauthorized("the code is wrong or was already used") }

// TwoFactor returns the caller's second-factor status.
func (s *Service) TwoFactor(ctx context.Context, userID int64) (TwoFactorStatus, error) {
	var st TwoFactorStatus
	t, err := s.store.TOTP(ctx, userID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return st, fmt.Errorf("two factor status: %w", err)
	}
	st.TOTP = err == nil && t.Enabled()
	if st.RecoveryCodesLeft, err = s.store.CountRecoveryCodes(ctx, userID); err != nil {
		return st, fmt.Errorf("two factor status: %w", err)
	}
	if st.Required, err = s.requires2FA(ctx, userID); err != nil {
		return st, err
	}
	return st, nil
}

// requires2FA reports whether a second factor is required of userID.
func (s *Service) requires2FA(ctx context.Context, userID int64) (bool, error) {
	if s.cfg.Require2FA {
		return true, nil
	}
	on, err := s.store.MemberOfWorkspaceRequiring2FA(ctx, userID)
	if err != nil {
		return false, fmt.Errorf("two factor required: %w", err)
	}
	return on, nil
}

// BeginTOTP starts an enrolment: a new secret, stored sealed and pending
// until ConfirmTOTP. A pending one is replaced; a confirmed one is a 409
// (disable it first).
func (s *Service) BeginTOTP(ctx context.Context, userID int64) (TOTPEnrolment, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return TOTPEnrolment{}, notFoundAs(err, apperr.Unauthorized("unknown user"), "begin totp: load user")
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: s.cfg.TOTPIssuer, AccountName: u.Email, Period: totpPeriod,
		Digits: totpDigits, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("begin totp: %w", err)
	}
	err = s.store.PutPendingTOTP(ctx, model.TOTP{UserID: userID, Secret: s.totpSeal.seal([]byte(key.Secret()), totpAD(userID)), CreatedAt: s.now()})
	if errors.Is(err, storage.ErrConflict) {
		return TOTPEnrolment{}, apperr.Conflict("two-factor authentication is already on; turn it off first")
	}
	if err != nil {
		return TOTPEnrolment{}, fmt.Errorf("begin totp: %w", err)
	}
	return TOTPEnrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP puts the pending factor in force once code proves the user
// holds it, and returns ten new recovery codes (only their hashes are
// kept). Wrong codes count towards the lockout.
func (s *Service) ConfirmTOTP(ctx context.Context, userID int64, code string) ([]string, error) {
	t, err := s.store.TOTP(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) || err == nil && t.Enabled() {
		return nil, apperr.Conflict("there is no pending enrolment; start one first")
	}
	if err != nil {
		return nil, fmt.Errorf("confirm totp: %w", err)
	}
	step, err := s.checkTOTP(ctx, t, code)
	if err != nil {
		return nil, err
	}
	codes, hashes := newRecoveryCodes()
	if err := s.store.ConfirmTOTP(ctx, userID, step, s.now(), hashes); err != nil {
		return nil, notFoundAs(err, apperr.Conflict("there is no pending enrolment; start one first"), "confirm totp")
	}
	return codes, nil
}

// DisableTOTP turns the factor off after checking the password and a code
// (or a recovery code). It is refused while a second factor is required
// of the user. Wrong passwords count against the sign-in budgets, wrong
// codes towards the lockout.
func (s *Service) DisableTOTP(ctx context.Context, p Principal, password, code, recovery string) error {
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return notFoundAs(err, apperr.Unauthorized("unknown user"), "disable totp: load user")
	}
	try, err := s.signInGate.begin(normalizeEmail(u.Email), sessionClient(p.SessionID), s.now())
	if err != nil {
		return err
	}
	res, err := s.hasher.verify(ctx, password, u.PasswordHash)
	if err != nil {
		return err
	}
	if !res.Match {
		return apperr.Invalid("password is wrong", map[string]string{"password": "is wrong"})
	}
	try.succeeded()
	if required, err := s.requires2FA(ctx, p.UserID); err != nil {
		return err
	} else if required {
		return apperr.Forbidden("an administrator requires two-factor authentication for your account")
	}
	t, err := s.store.TOTP(ctx, p.UserID)
	if errors.Is(err, storage.ErrNotFound) || err == nil && !t.Enabled() {
		return apperr.Conflict("two-factor authentication is not on")
	}
	if err != nil {
		return fmt.Errorf("disable totp: %w", err)
	}
	if err := s.checkSecondFactor(ctx, t, code, recovery); err != nil {
		return err
	}
	return notFoundAs(s.store.DeleteTOTP(ctx, p.UserID), apperr.Conflict("two-factor authentication is not on"), "disable totp")
}

// checkSecondFactor accepts a TOTP code or, failing that, a recovery code.
func (s *Service) checkSecondFactor(ctx context.Context, t model.TOTP, code, recovery string) error {
	if strings.TrimSpace(recovery) != "" {
		return s.checkRecovery(ctx, t, recovery)
	}
	_, err := s.checkTOTP(ctx, t, code)
	return err
}

// checkTOTP checks code against t at now within the skew, refuses a
// step already used (a replayed code), and returns the step it matched.
// A wrong code counts a failure; the last allowed failure locks.
func (s *Service) checkTOTP(ctx context.Context, t model.TOTP, code string) (int64, error) {
	now := s.now()
	failures, err := s.claimAttempt(ctx, t, now)
	if err != nil {
		return 0, err
	}
	secret, err := s.totpSeal.open(t.Secret, totpAD(t.UserID))
	if err != nil {
		return 0, fmt.Errorf("open totp secret of user %d (was auth.jwt_secret changed?): %w", t.UserID, err)
	}
	code = strings.Join(strings.Fields(code), "")
	step, ok := matchTOTP(string(secret), code, now)
	if !ok || step <= t.LastStep {
		return 0, s.codeFailed(ctx, t.UserID, failures, now)
	}
	err = s.store.UseTOTPStep(ctx, t.UserID, step)
	if errors.Is(err, storage.ErrConflict) { // a concurrent use of the same code won
		return 0, s.codeFailed(ctx, t.UserID, failures, now)
	}
	if err != nil {
		return 0, fmt.Errorf("use totp step: %w", err)
	}
	return step, nil
}

// matchTOTP returns the step within the skew whose code is code.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	if len(code) != totpDigits.Length() {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
			Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1,
		})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// checkRecovery uses one recovery code; a wrong one counts a failure.
func (s *Service) checkRecovery(ctx context.Context, t model.TOTP, code string) error {
	now := s.now()
	failures, err := s.claimAttempt(ctx, t, now)
	if err != nil {
		return err
	}
	err = s.store.UseRecoveryCode(ctx, t.UserID, hashRecoveryCode(code), now)
	if errors.Is(err, storage.ErrNotFound) {
		return s.codeFailed(ctx, t.UserID, failures, now)
	}
	if err != nil {
		return fmt.Errorf("use recovery code: %w", err)
	}
	return s.store.SetTOTPFailures(ctx, t.UserID, 0, time.Time{})
}

// claimAttempt counts one code attempt before the code is checked, so
// that concurrent guesses each take one of the maxCodeFailures attempts
// (a count read, then written, would let them all see the same count).
// It answers 429 while the second step is locked or every attempt is
// taken, and returns the count including this one.
func (s *Service) claimAttempt(ctx context.Context, t model.TOTP, now time.Time) (int, error) {
	if now.Before(t.LockedUntil) {
		return 0, apperr.RateLimited(t.LockedUntil.Sub(now))
	}
	failures, ok, err := s.store.ClaimTOTPAttempt(ctx, t.UserID, maxCodeFailures, now)
	if err != nil {
		return 0, fmt.Errorf("claim code attempt: %w", err)
	}
	if !ok {
		return 0, apperr.RateLimited(codeLockout)
	}
	return failures, nil
}

// codeFailed answers a wrong code whose attempt claimAttempt counted as
// the failures-th: 401, or 429 once that reaches maxCodeFailures, which
// locks the second step for codeLockout (the count starts again after).
func (s *Service) codeFailed(ctx context.Context, userID int64, failures int, now time.Time) error {
	signInFailed("bad_code")
	if failures < maxCodeFailures {
		return errWrongCode()
	}
	if err := s.store.SetTOTPFailures(ctx, userID, 0, now.Add(codeLockout)); err != nil {
		return fmt.Errorf("lock second step: %w", err)
	}
	return apperr.RateLimited(codeLockout)
}

// newRecoveryCodes returns recoveryCodeCount codes (10 base32 letters in
// two groups, 50 bits each) and their hashes.
func newRecoveryCodes() (codes, hashes []string) {
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for range recoveryCodeCount {
		b := make([]byte, 7)
		_, _ = rand.Read(b)
		c := strings.ToLower(enc.EncodeToString(b)[:10])
		c = c[:5] + "-" + c[5:]
		codes = append(codes, c)
		hashes = append(hashes, hashRecoveryCode(c))
	}
	return codes, hashes
}

// hashRecoveryCode is the stored form of a recovery code: SHA-256 of the
// code without spaces and dashes, lowercased. The codes are random (50
// bits), so a fast hash is enough; there is nothing to guess offline
// faster than online, and online guesses hit the lockout.
func hashRecoveryCode(code string) string {
	c := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte(c))
	return hex.EncodeToString(sum[:])
}

// totpAD binds a sealed secret to its user, so a secret copied to another
// user's row does not open.
func totpAD(userID int64) []byte { return []byte("totp:" + strconv.FormatInt(userID, 10)) }

// InstanceRequires2FA reports auth.two_factor.required.
func (s *Service) InstanceRequires2FA() bool { return s.cfg.Require2FA }

// WorkspaceRequires2FA reports whether the workspace requires its members
// to use a second factor. The caller checks membership.
func (s *Service) WorkspaceRequires2FA(ctx context.Context, workspaceID int64) (bool, error) {
	on, err := s.store.WorkspaceRequires2FA(ctx, workspaceID)
	return on, notFoundAs(err, apperr.NotFound("workspace"), "workspace requires 2fa")
}

// SetWorkspaceRequires2FA sets that rule. The caller checks that the
// actor is a workspace administrator. Members without a second factor
// must enrol at their next password sign-in.
func (s *Service) SetWorkspaceRequires2FA(ctx context.Context, workspaceID int64, on bool) error {
	return notFoundAs(s.store.SetWorkspaceRequires2FA(ctx, workspaceID, on), apperr.NotFound("workspace"), "set workspace requires 2fa")
}
