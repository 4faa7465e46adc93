package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/telemetry"
	"github.com/fechatter/fechatter/storage"
)

// maxEmailLen is the longest email address (RFC 5321 path limit).
const maxEmailLen = 320

// errBadCredentials is the one answer to a wrong email or a wrong password
// (ASVS 6.3.8: no enumeration through messages).
func errBadCredentials() error { return apperr.Unauthorized("invalid email or password") }

// SignIn checks email and password and starts a session. A wrong email and
// a wrong password get the same 401 after the same work (an unknown email
// is verified against a dummy hash). Too many recent failures for the
// account from meta.IP's client (its /64 for IPv6), from that client
// overall, or, during a flood, anywhere get a 429 apperr.RateLimited
// before any hashing; see signInGuard.
func (s *Service) SignIn(ctx context.Context, email, password string, meta ClientMeta) (Grant, error) {
	email = normalizeEmail(email)
	var client string
	if meta.IP != "" {
		client = ClientKey(meta.IP)
	}
	try, err := s.signInGate.begin(email, client, s.now())
	if err != nil {
		countSignInFailure(err)
		return Grant{}, err
	}
	u, err := s.checkCredentials(ctx, email, password)
	if err != nil {
		countSignInFailure(err)
		return Grant{}, err
	}
	// Said only to whom knows the password, so it reveals nothing to a
	// guesser; the attempt still counts against the budgets.
	if u.Disabled() {
		signInFailed("disabled")
		return Grant{}, errDisabled()
	}
	try.succeeded()
	if s.cfg.SSOOnly && !u.IsAdmin {
		signInFailed("sso_only")
		return Grant{}, errSSOOnly()
	}
	return s.afterPassword(ctx, u, meta)
}

// errSSOOnly answers a password sign-in or sign-up under auth.oidc.sso_only.
func errSSOOnly() error {
	return apperr.Forbidden("password sign-in is turned off; sign in with your organisation's single sign-on")
}

// AllowPasswordSignUp refuses sign-up with a password under SSOOnly.
func (s *Service) AllowPasswordSignUp() error {
	if s.cfg.SSOOnly {
		return errSSOOnly()
	}
	return nil
}

// countSignInFailure counts a refused sign-in by reason: throttled (too
// many recent failures), bad_credentials, or error (the store or the
// hasher failed).
func countSignInFailure(err error) {
	reason := "error"
	switch {
	case apperr.Is(err, apperr.KindRateLimited):
		reason = "throttled"
	case apperr.Is(err, apperr.KindUnauthorized):
		reason = "bad_credentials"
	}
	signInFailed(reason)
}

// errDisabled answers a disabled account's sign-in and refresh.
func errDisabled() error {
	return apperr.Forbidden("this account is disabled; ask an administrator to enable it")
}

// signInFailed counts a failed sign-in by reason (bounded: "locked",
// "bad_credentials", "disabled").
func signInFailed(reason string) { telemetry.SignInFailures.WithLabelValues(reason).Inc() }

// normalizeEmail is the limiter key of an email: trimmed and lowercased
// (the store looks emails up case-insensitively).
func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// AllowSignUp takes one sign-up attempt of the client at ip (its /64 for
// IPv6), or answers 429 apperr.RateLimited when the client has used its
// budget (Config.SignUpPerIP). Every attempt counts, good or bad: sign-up
// is where accounts are mass-created and emails probed.
func (s *Service) AllowSignUp(ip string) error {
	if ip == "" {
		return nil
	}
	if _, wait, ok := s.signUpRate.reserve(ClientKey(ip), s.now()); !ok {
		telemetry.RateLimited.WithLabelValues("signup").Inc()
		return apperr.RateLimited(wait)
	}
	return nil
}

// checkCredentials returns the user whose email and password these are,
// rehashing the stored hash when its parameters are outdated.
func (s *Service) checkCredentials(ctx context.Context, email, password string) (model.User, error) {
	if email == "" || len(email) > maxEmailLen || utf8.RuneCountInString(password) > MaxPasswordLen {
		return model.User{}, errBadCredentials()
	}
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, storage.ErrNotFound) {
		u = model.User{} // verified against the dummy hash below
	} else if err != nil {
		return model.User{}, fmt.Errorf("sign in: load user: %w", err)
	}
	res, err := s.hasher.verify(ctx, password, u.PasswordHash)
	if err != nil {
		return model.User{}, err
	}
	if res.Malformed != nil {
		s.log.WarnContext(ctx, "stored password hash is malformed", "user_id", u.ID, "error", res.Malformed)
	}
	if !res.Match || u.ID == 0 {
		return model.User{}, errBadCredentials()
	}
	if res.Rehash {
		s.rehash(ctx, u.ID, password)
	}
	return u, nil
}

// rehash stores password under the current parameters. A failure is
// logged, not returned: the sign-in itself was good, and the next one
// tries again.
func (s *Service) rehash(ctx context.Context, userID int64, password string) {
	h, err := s.hasher.hash(ctx, password)
	if err == nil {
		err = s.store.SetPasswordHash(ctx, userID, h)
	}
	if err != nil {
		s.log.WarnContext(ctx, "rehash password", "user_id", userID, "error", err)
	}
}

// ChangePassword replaces the caller's password after checking the current
// one: a wrong current password is a 400 with the field error
// "current_password", an invalid new one a 400 on "new_password" (the API's
// request fields). Wrong current passwords count against the sign-in
// budgets of the account under this session.
//
// On success every other session of the user is revoked and the user's
// TokensValidAfter moves to now, so every access token issued so far,
// including the caller's, stops working. The caller's own session
// (p.SessionID) is kept: its refresh token still works and yields a fresh
// access token.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	if err := validatePasswordField("new_password", next); err != nil {
		return err
	}
	if err := s.CheckPassword(ctx, p, "current_password", current); err != nil {
		return err
	}
	hash, err := s.hasher.hash(ctx, next)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.SetPasswordHash(ctx, p.UserID, hash); err != nil {
			return fmt.Errorf("change password: store hash: %w", err)
		}
		return s.cutTokens(ctx, tx, p.UserID, p.SessionID)
	})
	if err == nil {
		s.revoked(ctx, p.UserID, 0) // every token so far is cut: end every stream
	}
	return err
}

// CheckPassword confirms that password is the signed-in user's own before
// a sensitive change (a new password, a new email address). A wrong one
// is a 400 on field and counts against the sign-in budgets of the account
// under this session, as a wrong sign-in does.
func (s *Service) CheckPassword(ctx context.Context, p Principal, field, password string) error {
	u, err := s.store.UserByID(ctx, p.UserID)
	if err != nil {
		return notFoundAs(err, apperr.Unauthorized("unknown user"), "check password: load user")
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
		return apperr.Invalid("the password is wrong", map[string]string{field: "is wrong"})
	}
	try.succeeded()
	return nil
}
