package auth

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
)

func TestClientKey(t *testing.T) {
	for _, tc := range []struct{ ip, want string }{
		{"192.0.2.1", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
		{"2001:db8:1:2::ffff", "2001:db8:1:2::/64"},
		{"fe80::1%eth0", "fe80::/64"},
		{"not an ip", "not an ip"},
	} {
		if got := ClientKey(tc.ip); got != tc.want {
			t.Errorf("ClientKey(%q) = %q, want %q", tc.ip, got, tc.want)
		}
	}
}

// attemptSignIn signs in from ip and returns the error kind ("" on success).
func (e *env) attemptSignIn(t *testing.T, email, pw, ip string) string {
	t.Helper()
	_, err := e.svc.SignIn(context.Background(), email, pw, ClientMeta{IP: ip})
	if err == nil {
		return ""
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("sign in %s from %s: %v", email, ip, err)
	}
	if ae.Kind == apperr.KindRateLimited && ae.RetryAfter <= 0 {
		t.Fatalf("429 without a Retry-After: %+v", ae)
	}
	return ae.Kind.Code()
}

const (
	unauthorized = "unauthorized"
	rateLimited  = "rate_limited"
)

func TestSignInLockout(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  func(*Config)
		run  func(t *testing.T, e *env)
	}{
		{"an attacker's failures do not lock the owner out", func(c *Config) {
			c.SignInPerAccountIP = RateSpec{Burst: 3, Per: time.Hour}
		}, func(t *testing.T, e *env) {
			for range 3 {
				wantCode(t, e.attemptSignIn(t, "alice@example.com", "guess", "192.0.2.66"), unauthorized)
			}
			// The attacker is out of guesses, even with the right password...
			wantCode(t, e.attemptSignIn(t, "ALICE@example.com", pwAlice, "192.0.2.66"), rateLimited)
			// ...while the owner, elsewhere, signs in.
			wantCode(t, e.attemptSignIn(t, "alice@example.com", pwAlice, "198.51.100.7"), "")
			wantCode(t, e.attemptSignIn(t, "alice@example.com", pwAlice, "2001:db8::7"), "")
		}},
		{"one client spraying many accounts runs out", func(c *Config) {
			c.SignInPerIP = RateSpec{Burst: 4, Per: time.Minute}
		}, func(t *testing.T, e *env) {
			for i := range 4 {
				wantCode(t, e.attemptSignIn(t, fmt.Sprintf("u%d@example.com", i), "guess", "192.0.2.66"), unauthorized)
			}
			wantCode(t, e.attemptSignIn(t, "u9@example.com", "guess", "192.0.2.66"), rateLimited)
			wantCode(t, e.attemptSignIn(t, "alice@example.com", pwAlice, "192.0.2.67"), "")
			e.clk.Advance(time.Minute) // budgets refill
			wantCode(t, e.attemptSignIn(t, "u9@example.com", "guess", "192.0.2.66"), unauthorized)
		}},
		{"the global budget slows failing pairs only", func(c *Config) {
			c.SignInGlobal = RateSpec{Burst: 3, Per: time.Hour}
			c.SignInPerAccountIP = RateSpec{Burst: 10, Per: time.Hour}
			c.SignInPerIP = RateSpec{Burst: 10, Per: time.Hour}
		}, func(t *testing.T, e *env) {
			for i := range 3 { // a flood from many clients spends it
				wantCode(t, e.attemptSignIn(t, "alice@example.com", "guess", fmt.Sprintf("203.0.113.%d", i)), unauthorized)
			}
			// A client that failed before must wait, though its own budgets
			// have room.
			wantCode(t, e.attemptSignIn(t, "alice@example.com", "guess", "203.0.113.0"), rateLimited)
			wantCode(t, e.attemptSignIn(t, "alice@example.com", pwAlice, "203.0.113.1"), rateLimited)
			// A pair without failures may still try: the owner gets in, and
			// a new guesser gets one try, then waits too.
			wantCode(t, e.attemptSignIn(t, "alice@example.com", pwAlice, "198.51.100.7"), "")
			wantCode(t, e.attemptSignIn(t, "alice@example.com", "guess", "203.0.113.9"), unauthorized)
			wantCode(t, e.attemptSignIn(t, "alice@example.com", "guess", "203.0.113.9"), rateLimited)
		}},
		{"IPv6 addresses of one /64 share a budget", func(c *Config) {
			c.SignInPerAccountIP = RateSpec{Burst: 2, Per: time.Hour}
		}, func(t *testing.T, e *env) {
			wantCode(t, e.attemptSignIn(t, "alice@example.com", "guess", "2001:db8:0:1::1"), unauthorized)
			wantCode(t, e.attemptSignIn(t, "alice@example.com", "guess", "2001:db8:0:1::2"), unauthorized)
			wantCode(t, e.attemptSignIn(t, "alice@example.com", "guess", "2001:db8:0:1:ffff::3"), rateLimited)
			wantCode(t, e.attemptSignIn(t, "alice@example.com", "guess", "2001:db8:0:2::1"), unauthorized)
		}},
		{"successes cost nothing and clear the pair's failures", func(c *Config) {
			c.SignInPerAccountIP = RateSpec{Burst: 2, Per: time.Hour}
			c.SignInPerIP = RateSpec{Burst: 3, Per: time.Hour}
			c.SignInGlobal = RateSpec{Burst: 3, Per: time.Hour}
		}, func(t *testing.T, e *env) {
			wantCode(t, e.attemptSignIn(t, "alice@example.com", "typo", "192.0.2.1"), unauthorized)
			for range 5 {
				wantCode(t, e.attemptSignIn(t, "alice@example.com", pwAlice, "192.0.2.1"), "")
			}
			wantCode(t, e.attemptSignIn(t, "alice@example.com", "typo", "192.0.2.1"), unauthorized)
			wantCode(t, e.attemptSignIn(t, "alice@example.com", pwAlice, "192.0.2.1"), "")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, openSQLite, tc.cfg)
			e.user(t, "alice@example.com", pwAlice)
			tc.run(t, e)
		})
	}
}

func wantCode(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Fatalf("answer %q, want %q", got, want)
	}
}

func TestAllowSignUp(t *testing.T) {
	e := newEnv(t, openSQLite, func(c *Config) { c.SignUpPerIP = RateSpec{Burst: 2, Per: time.Hour} })
	for _, ip := range []string{"2001:db8::1", "2001:db8::2"} {
		if err := e.svc.AllowSignUp(ip); err != nil {
			t.Fatalf("sign-up from %s: %v", ip, err)
		}
	}
	err := e.svc.AllowSignUp("2001:db8::ffff") // the same /64
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.KindRateLimited || ae.RetryAfter != 30*time.Minute {
		t.Fatalf("third sign-up from one /64: %v, want 429 after 30m", err)
	}
	if err := e.svc.AllowSignUp("192.0.2.1"); err != nil {
		t.Fatalf("another client: %v", err)
	}
	e.clk.Advance(30 * time.Minute)
	if err := e.svc.AllowSignUp("2001:db8::3"); err != nil {
		t.Fatalf("after the refill: %v", err)
	}
}
