package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// secondStepTTL is how long a second-step token works.
const secondStepTTL = 5 * time.Minute

// Challenge is what a good password gets instead of a session when the
// account has a second factor, or must enrol one first.
type Challenge struct {
	// Token is the second-step token, sealed and short-lived.
	Token     string
	ExpiresIn time.Duration
	// Enrol says the account has no second factor but an administrator
	// requires one: the token only allows enrolling (EnrolWithToken,
	// ConfirmWithToken), which ends in a session.
	Enrol bool
}

// Second-step token purposes.
const (
	stepCode  = "code"
	stepEnrol = "enrol"
)

// stepClaims is the sealed content of a second-step token. Cut binds it
// to the user's TokensValidAfter: a logout-all or password change in
// between kills it.
type stepClaims struct {
	UserID  int64  `json:"u"`
	Purpose string `json:"p"`
	Expires int64  `json:"e"`
	Cut     int64  `json:"c"`
}

// stepAD is the associated data of second-step tokens.
var stepAD = []byte("second-step")

// afterPassword decides what a good password gets: a session, or a
// challenge when the user has a second factor or must enrol one.
func (s *Service) afterPassword(ctx context.Context, u model.User, meta ClientMeta) (Grant, error) {
	t, err := s.store.TOTP(ctx, u.ID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return Grant{}, fmt.Errorf("sign in: load second factor: %w", err)
	}
	purpose := ""
	switch required, rerr := s.requires2FA(ctx, u.ID); {
	case rerr != nil:
		return Grant{}, rerr
	case err == nil && t.Enabled():
		purpose = stepCode
	case required:
		purpose = stepEnrol
	}
	if purpose == "" {
		return s.StartSession(ctx, u, meta)
	}
	return Grant{Challenge: s.challenge(u, purpose)}, nil
}

// challenge seals a second-step token for u.
func (s *Service) challenge(u model.User, purpose string) *Challenge {
	c := stepClaims{UserID: u.ID, Purpose: purpose, Expires: s.now().Add(secondStepTTL).Unix(), Cut: u.TokensValidAfter.UnixMilli()}
	raw, _ := json.Marshal(c) // cannot fail for this struct
	return &Challenge{Token: s.stepSeal.seal(raw, stepAD), ExpiresIn: secondStepTTL, Enrol: purpose == stepEnrol}
}

// errBadStepToken answers a second-step token that is unknown, expired,
// for another purpose or outdated: sign in again.
func errBadStepToken() error {
	return apperr.Unauthorized("the sign-in step expired or is invalid; sign in again")
}

// stepUser opens a second-step token of purpose and returns its user,
// who must still be enabled and not have cut their tokens since.
func (s *Service) stepUser(ctx context.Context, token, purpose string) (model.User, error) {
	raw, err := s.stepSeal.open(token, stepAD)
	if err != nil {
		return model.User{}, errBadStepToken()
	}
	var c stepClaims
	if json.Unmarshal(raw, &c) != nil || c.Purpose != purpose || s.now().Unix() >= c.Expires {
		return model.User{}, errBadStepToken()
	}
	u, err := s.store.UserByID(ctx, c.UserID)
	if err != nil {
		return model.User{}, notFoundAs(err, apperr.Unauthorized("unknown user"), "second step: load user")
	}
	if u.Disabled() {
		return model.User{}, errDisabled()
	}
	if u.TokensValidAfter.UnixMilli() != c.Cut {
		return model.User{}, errBadStepToken()
	}
	return u, nil
}

// SecondStep finishes a sign-in whose password step returned a Challenge:
// a TOTP code, or a recovery code, against the token's account. Wrong
// codes count towards the account's lockout (maxCodeFailures, then
// codeLockout of 429s), whoever sends them.
func (s *Service) SecondStep(ctx context.Context, token, code, recovery string, meta ClientMeta) (Grant, error) {
	u, err := s.stepUser(ctx, token, stepCode)
	if err != nil {
		return Grant{}, err
	}
	t, err := s.store.TOTP(ctx, u.ID)
	if errors.Is(err, storage.ErrNotFound) || err == nil && !t.Enabled() {
		return Grant{}, errBadStepToken() // turned off in between
	}
	if err != nil {
		return Grant{}, fmt.Errorf("second step: %w", err)
	}
	if err := s.checkSecondFactor(ctx, t, code, recovery); err != nil {
		return Grant{}, err
	}
	return s.StartSession(ctx, u, meta)
}

// EnrolWithToken starts a TOTP enrolment for the account of an enrol
// challenge (an account that must enrol before it gets a session).
func (s *Service) EnrolWithToken(ctx context.Context, token string) (TOTPEnrolment, error) {
	u, err := s.stepUser(ctx, token, stepEnrol)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	return s.BeginTOTP(ctx, u.ID)
}

// ConfirmWithToken confirms that enrolment with a code and starts the
// session; it returns the recovery codes with the grant.
func (s *Service) ConfirmWithToken(ctx context.Context, token, code string, meta ClientMeta) (Grant, []string, error) {
	u, err := s.stepUser(ctx, token, stepEnrol)
	if err != nil {
		return Grant{}, nil, err
	}
	codes, err := s.ConfirmTOTP(ctx, u.ID, code)
	if err != nil {
		return Grant{}, nil, err
	}
	g, err := s.StartSession(ctx, u, meta)
	return g, codes, err
}
