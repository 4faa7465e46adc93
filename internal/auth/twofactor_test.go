package auth

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
)

func TestTwoFactorSQLite(t *testing.T)   { runTwoFactorTests(t, openSQLite) }
func TestTwoFactorPostgres(t *testing.T) { runTwoFactorTests(t, openPostgres) }

func runTwoFactorTests(t *testing.T, open opener) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, opener)
	}{
		{"EnrolAndSignIn", testEnrolAndSignIn},
		{"RecoveryCodeOnce", testRecoveryCodeOnce},
		{"Lockout", testCodeLockout},
		{"ConcurrentGuesses", testConcurrentCodeGuesses},
		{"StepToken", testStepToken},
		{"Disable", testDisableTOTP},
		{"RequiredEnrolment", testRequiredEnrolment},
		{"SSOOnly", testSSOOnlyPasswords},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open)
		})
	}
}

var meta = ClientMeta{UserAgent: "test", IP: "192.0.2.1"}

// codeAt is the authenticator app's code for secret at the clock's time
// plus d.
func (e *env) codeAt(t testing.TB, secret string, d time.Duration) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, e.clk.Now().Add(d), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol turns TOTP on for u and returns the secret and recovery codes.
func (e *env) enrol(t testing.TB, u model.User) (string, []string) {
	t.Helper()
	ctx := context.Background()
	en, err := e.svc.BeginTOTP(ctx, u.ID)
	if err != nil {
		t.Fatalf("begin totp: %v", err)
	}
	codes, err := e.svc.ConfirmTOTP(ctx, u.ID, e.codeAt(t, en.Secret, 0))
	if err != nil {
		t.Fatalf("confirm totp: %v", err)
	}
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes, want 10", len(codes))
	}
	return en.Secret, codes
}

func testEnrolAndSignIn(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	ctx := context.Background()
	alice := e.user(t, "alice@example.com", pwAlice)
	en, err := e.svc.BeginTOTP(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := e.st.TOTP(ctx, alice.ID)
	if err != nil || stored.Secret == en.Secret || stored.Enabled() {
		t.Fatalf("stored factor = %+v, %v: want sealed, pending", stored, err)
	}
	// Pending: sign-in still gives a session.
	if g := e.signIn(t, alice.Email, pwAlice); g.Challenge != nil || g.AccessToken == "" {
		t.Fatalf("pending enrolment changed sign-in: %+v", g)
	}
	_, err = e.svc.ConfirmTOTP(ctx, alice.ID, "000000")
	wantKind(t, err, apperr.KindUnauthorized, "")
	codes, err := e.svc.ConfirmTOTP(ctx, alice.ID, e.codeAt(t, en.Secret, 0))
	if err != nil || len(codes) != 10 {
		t.Fatalf("confirm: %v, %d codes", err, len(codes))
	}
	_, err = e.svc.BeginTOTP(ctx, alice.ID)
	wantKind(t, err, apperr.KindConflict, "")

	g := e.signIn(t, alice.Email, pwAlice)
	if g.Challenge == nil || g.AccessToken != "" || g.RefreshToken != "" || g.Challenge.Enrol {
		t.Fatalf("sign-in with 2FA = %+v, want a code challenge and no tokens", g)
	}
	// The code that confirmed the enrolment cannot be replayed.
	_, err = e.svc.SecondStep(ctx, g.Challenge.Token, e.codeAt(t, en.Secret, 0), "", meta)
	wantKind(t, err, apperr.KindUnauthorized, "")
	_, err = e.svc.SecondStep(ctx, g.Challenge.Token, "12345", "", meta)
	wantKind(t, err, apperr.KindUnauthorized, "")
	e.clk.Advance(30 * time.Second)
	code := e.codeAt(t, en.Secret, 0)
	s, err := e.svc.SecondStep(ctx, g.Challenge.Token, code, "", meta)
	if err != nil || s.AccessToken == "" || s.RefreshToken == "" {
		t.Fatalf("second step: %+v, %v", s, err)
	}
	if _, err := e.svc.Authenticate(ctx, s.AccessToken); err != nil {
		t.Fatalf("access token of the second step: %v", err)
	}
	_, err = e.svc.SecondStep(ctx, g.Challenge.Token, code, "", meta)
	wantKind(t, err, apperr.KindUnauthorized, "") // same code again
	st, err := e.svc.TwoFactor(ctx, alice.ID)
	if err != nil || !st.TOTP || st.RecoveryCodesLeft != 10 || st.Required {
		t.Fatalf("status = %+v, %v", st, err)
	}
}

func testRecoveryCodeOnce(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	ctx := context.Background()
	alice := e.user(t, "alice@example.com", pwAlice)
	_, codes := e.enrol(t, alice)
	g := e.signIn(t, alice.Email, pwAlice)
	if _, err := e.svc.SecondStep(ctx, g.Challenge.Token, "", " "+codes[3]+" ", meta); err != nil {
		t.Fatalf("recovery code: %v", err)
	}
	_, err := e.svc.SecondStep(ctx, g.Challenge.Token, "", codes[3], meta)
	wantKind(t, err, apperr.KindUnauthorized, "")
	st, _ := e.svc.TwoFactor(ctx, alice.ID)
	if st.RecoveryCodesLeft != 9 {
		t.Fatalf("codes left = %d, want 9", st.RecoveryCodesLeft)
	}
}

func testCodeLockout(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	ctx := context.Background()
	alice := e.user(t, "alice@example.com", pwAlice)
	secret, codes := e.enrol(t, alice)
	g := e.signIn(t, alice.Email, pwAlice)
	for i := range maxCodeFailures {
		_, err := e.svc.SecondStep(ctx, g.Challenge.Token, "999999", "", meta)
		want := apperr.KindUnauthorized
		if i == maxCodeFailures-1 {
			want = apperr.KindRateLimited
		}
		wantKind(t, err, want, "")
	}
	e.clk.Advance(30 * time.Second)
	// Locked: even the right code and a recovery code are refused.
	_, err := e.svc.SecondStep(ctx, g.Challenge.Token, e.codeAt(t, secret, 0), "", meta)
	wantKind(t, err, apperr.KindRateLimited, "")
	_, err = e.svc.SecondStep(ctx, g.Challenge.Token, "", codes[0], meta)
	wantKind(t, err, apperr.KindRateLimited, "")
	e.clk.Advance(codeLockout)
	g = e.signIn(t, alice.Email, pwAlice) // the first token has expired by now
	if _, err := e.svc.SecondStep(ctx, g.Challenge.Token, e.codeAt(t, secret, 0), "", meta); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
}

// testConcurrentCodeGuesses sends many wrong codes at once: each takes
// one of the maxCodeFailures attempts, so exactly maxCodeFailures-1 are
// answered 401 and all the others 429, and the right code is then locked
// out too.
func testConcurrentCodeGuesses(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	ctx := context.Background()
	alice := e.user(t, "alice@example.com", pwAlice)
	secret, _ := e.enrol(t, alice)
	g := e.signIn(t, alice.Email, pwAlice)
	const guesses = 4 * maxCodeFailures
	errs := make(chan error, guesses)
	var wg sync.WaitGroup
	for i := range guesses {
		wg.Go(func() {
			_, err := e.svc.SecondStep(ctx, g.Challenge.Token, fmt.Sprintf("%06d", 100000+i), "", meta)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	kinds := map[apperr.Kind]int{}
	for err := range errs {
		kinds[apperr.KindOf(err)]++
	}
	if kinds[apperr.KindUnauthorized] != maxCodeFailures-1 || kinds[apperr.KindRateLimited] != guesses-maxCodeFailures+1 {
		t.Fatalf("answers to %d concurrent wrong codes: %v, want %d unauthorized and the rest rate limited",
			guesses, kinds, maxCodeFailures-1)
	}
	_, err := e.svc.SecondStep(ctx, g.Challenge.Token, e.codeAt(t, secret, 0), "", meta)
	wantKind(t, err, apperr.KindRateLimited, "")
}

func testStepToken(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	ctx := context.Background()
	alice := e.user(t, "alice@example.com", pwAlice)
	bob := e.user(t, "bob@example.com", pwBob)
	secret, _ := e.enrol(t, alice)
	e.enrol(t, bob)
	g := e.signIn(t, alice.Email, pwAlice)
	tok := g.Challenge.Token
	e.clk.Advance(30 * time.Second)
	for _, bad := range []string{"", "garbage", tok[:len(tok)-2] + "AA", e.signIn(t, bob.Email, pwBob).Challenge.Token[:10]} {
		_, err := e.svc.SecondStep(ctx, bad, e.codeAt(t, secret, 0), "", meta)
		wantKind(t, err, apperr.KindUnauthorized, "")
	}
	// An enrol token is no code token.
	_, err := e.svc.EnrolWithToken(ctx, tok)
	wantKind(t, err, apperr.KindUnauthorized, "")
	// A logout-all in between kills it.
	if err := e.svc.LogoutAll(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.SecondStep(ctx, tok, e.codeAt(t, secret, 0), "", meta)
	wantKind(t, err, apperr.KindUnauthorized, "")
	// And it expires.
	tok = e.signIn(t, alice.Email, pwAlice).Challenge.Token
	e.clk.Advance(secondStepTTL)
	_, err = e.svc.SecondStep(ctx, tok, e.codeAt(t, secret, 0), "", meta)
	wantKind(t, err, apperr.KindUnauthorized, "")
}

func testDisableTOTP(t *testing.T, open opener) {
	e := newEnv(t, open, nil)
	ctx := context.Background()
	alice := e.user(t, "alice@example.com", pwAlice)
	secret, _ := e.enrol(t, alice)
	p := Principal{UserID: alice.ID, SessionID: 1}
	e.clk.Advance(30 * time.Second)
	wantKind(t, e.svc.DisableTOTP(ctx, p, "wrong password", e.codeAt(t, secret, 0), ""), apperr.KindInvalid, "")
	wantKind(t, e.svc.DisableTOTP(ctx, p, pwAlice, "000000", ""), apperr.KindUnauthorized, "")
	if err := e.svc.DisableTOTP(ctx, p, pwAlice, e.codeAt(t, secret, 0), ""); err != nil {
		t.Fatalf("disable: %v", err)
	}
	if g := e.signIn(t, alice.Email, pwAlice); g.Challenge != nil {
		t.Fatal("sign-in still asks for a code after disabling")
	}
	st, _ := e.svc.TwoFactor(ctx, alice.ID)
	if st.TOTP || st.RecoveryCodesLeft != 0 {
		t.Fatalf("status after disable = %+v", st)
	}
}

func testRequiredEnrolment(t *testing.T, open opener) {
	e := newEnv(t, open, func(c *Config) { c.Require2FA = true })
	ctx := context.Background()
	alice := e.user(t, "alice@example.com", pwAlice)
	g := e.signIn(t, alice.Email, pwAlice)
	if g.Challenge == nil || !g.Challenge.Enrol || g.AccessToken != "" {
		t.Fatalf("sign-in of an account that must enrol = %+v", g)
	}
	_, err := e.svc.SecondStep(ctx, g.Challenge.Token, "123456", "", meta)
	wantKind(t, err, apperr.KindUnauthorized, "") // an enrol token is no code token
	en, err := e.svc.EnrolWithToken(ctx, g.Challenge.Token)
	if err != nil {
		t.Fatalf("enrol with token: %v", err)
	}
	s, codes, err := e.svc.ConfirmWithToken(ctx, g.Challenge.Token, e.codeAt(t, en.Secret, 0), meta)
	if err != nil || s.AccessToken == "" || len(codes) != 10 {
		t.Fatalf("confirm with token: %+v %v %v", s, codes, err)
	}
	// Required: it cannot be turned off.
	e.clk.Advance(30 * time.Second)
	err = e.svc.DisableTOTP(ctx, Principal{UserID: alice.ID, SessionID: s.SessionID}, pwAlice, e.codeAt(t, en.Secret, 0), "")
	wantKind(t, err, apperr.KindForbidden, "")
	if g := e.signIn(t, alice.Email, pwAlice); g.Challenge == nil || g.Challenge.Enrol {
		t.Fatalf("enrolled account must get a code challenge: %+v", g)
	}
}

func testSSOOnlyPasswords(t *testing.T, open opener) {
	e := newEnv(t, open, func(c *Config) { c.SSOOnly = true })
	ctx := context.Background()
	e.user(t, "alice@example.com", pwAlice)
	admin := e.user(t, "root@example.com", pwBob)
	if err := e.st.SetUserAdmin(ctx, admin.ID, true); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.SignIn(ctx, "alice@example.com", pwAlice, meta)
	wantKind(t, err, apperr.KindForbidden, "")
	_, err = e.svc.SignIn(ctx, "alice@example.com", "not her password", meta)
	wantKind(t, err, apperr.KindUnauthorized, "") // says nothing before the password is right
	if g := e.signIn(t, admin.Email, pwBob); g.AccessToken == "" {
		t.Fatal("an instance admin must keep password sign-in")
	}
	wantKind(t, e.svc.AllowPasswordSignUp(), apperr.KindForbidden, "")
}
