package auth

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/fechatter/fechatter/internal/apperr"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock {
	return &testClock{t: time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func testIssuer(clk *testClock, mod func(*Config)) *tokenIssuer {
	cfg := Config{SigningKey: testKey, Now: clk.Now}
	if mod != nil {
		mod(&cfg)
	}
	return newTokenIssuer(cfg.withDefaults())
}

// forge signs claims with any method, key and typ header.
func forge(t *testing.T, m jwt.SigningMethod, key any, typ string, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if typ == "" {
		delete(tok.Header, "typ")
	} else {
		tok.Header["typ"] = typ
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("forge: %v", err)
	}
	return s
}

func TestAccessTokenRoundTrip(t *testing.T) {
	clk := newTestClock()
	ti := testIssuer(clk, nil)
	at := issueTime(clk.Now(), time.Time{})
	tok, err := ti.sign(42, 7, at)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ti.verify(tok)
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if p.UserID != 42 || p.SessionID != 7 || !p.IssuedAt.Equal(clk.Now().Truncate(time.Millisecond)) {
		t.Fatalf("principal = %+v", p)
	}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, &accessClaims{})
	if err != nil {
		t.Fatal(err)
	}
	c := parsed.Claims.(*accessClaims)
	if parsed.Header["typ"] != "at+jwt" || parsed.Header["alg"] != "HS256" || c.ID == "" ||
		c.Issuer != "fechatter" || c.Audience[0] != "fechatter-api" || c.Subject != "42" ||
		c.ExpiresAt.Sub(c.IssuedAt.Time) != 15*time.Minute {
		t.Fatalf("header %v claims %+v", parsed.Header, c)
	}
}

func TestAccessTokenRejects(t *testing.T) {
	clk := newTestClock()
	ti := testIssuer(clk, nil)
	now := clk.Now()
	good := func() jwt.MapClaims {
		return jwt.MapClaims{
			"iss": "fechatter", "aud": "fechatter-api", "sub": "42", "sid": 7,
			"iat": now.Unix(), "iat_ms": now.UnixMilli(), "exp": now.Add(time.Minute).Unix(), "jti": "x",
		}
	}
	with := func(k string, v any) jwt.MapClaims {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	otherKey := []byte("ffffffffffffffffffffffffffffffff")
	// A baseline forged with the real key must pass, or the cases prove nothing.
	if _, err := ti.verify(forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", good())); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	for _, tc := range []struct{ name, tok string }{
		{"empty", ""},
		{"garbage", "not.a.jwt"},
		{"oversized", strings.Repeat("a", maxAccessTokenLen+1)},
		{"wrong key", forge(t, jwt.SigningMethodHS256, otherKey, "at+jwt", good())},
		{"HS512", forge(t, jwt.SigningMethodHS512, testKey, "at+jwt", good())},
		{"alg none", forge(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "at+jwt", good())},
		{"typ JWT", forge(t, jwt.SigningMethodHS256, testKey, "JWT", good())},
		{"no typ", forge(t, jwt.SigningMethodHS256, testKey, "", good())},
		{"expired", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("exp", now.Add(-time.Minute).Unix()))},
		{"no exp", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("exp", nil))},
		{"iat in future", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("iat", now.Add(time.Hour).Unix()))},
		{"wrong iss", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("iss", "evil"))},
		{"no iss", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("iss", nil))},
		{"wrong aud", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("aud", "other-api"))},
		{"no aud", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("aud", nil))},
		{"bad sub", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("sub", "admin"))},
		{"zero sub", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("sub", "0"))},
		{"no sid", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("sid", nil))},
		{"no iat_ms", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("iat_ms", nil))},
		{"string sid", forge(t, jwt.SigningMethodHS256, testKey, "at+jwt", with("sid", "7"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ti.verify(tc.tok)
			if apperr.KindOf(err) != apperr.KindUnauthorized {
				t.Fatalf("verify = %v, want unauthorized", err)
			}
		})
	}
}

func TestAccessTokenExpiry(t *testing.T) {
	clk := newTestClock()
	ti := testIssuer(clk, func(c *Config) { c.AccessTTL = time.Minute })
	tok, err := ti.sign(1, 1, clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute - time.Second)
	if _, err := ti.verify(tok); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	clk.Advance(time.Second + clockSkew + time.Second)
	if _, err := ti.verify(tok); apperr.KindOf(err) != apperr.KindUnauthorized {
		t.Fatalf("after expiry: %v, want unauthorized", err)
	}
}

func TestAccessTokenOtherIssuerOrAudience(t *testing.T) {
	clk := newTestClock()
	ours := testIssuer(clk, nil)
	for _, mod := range []func(*Config){
		func(c *Config) { c.Issuer = "someone-else" },
		func(c *Config) { c.Audience = "another-api" },
	} {
		tok, err := testIssuer(clk, mod).sign(1, 1, clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ours.verify(tok); apperr.KindOf(err) != apperr.KindUnauthorized {
			t.Fatalf("verify = %v, want unauthorized", err)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	clk := newTestClock()
	ti := testIssuer(clk, func(c *Config) { c.SigningKey = []byte("short") })
	if _, err := ti.sign(1, 1, clk.Now()); err == nil {
		t.Fatal("sign with a short key succeeded")
	}
	tok := forge(t, jwt.SigningMethodHS256, []byte("short"), "at+jwt", jwt.MapClaims{})
	if _, err := ti.verify(tok); apperr.KindOf(err) != apperr.KindUnauthorized {
		t.Fatalf("verify with a short key = %v, want unauthorized", err)
	}
	if err := (Config{SigningKey: []byte("short")}).Validate(); err == nil {
		t.Fatal("Validate accepted a short key")
	}
	if err := (Config{SigningKey: testKey}).Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for _, p := range []ArgonParams{fastArgon, {Memory: 19455, Time: 2, Threads: 1}, {Memory: 47103, Time: 1, Threads: 1}, {Memory: 12287, Time: 4, Threads: 1}, {Memory: 4, Time: 2, Threads: 1}} {
		if err := (Config{SigningKey: testKey, Argon: p}).Validate(); err == nil {
			t.Errorf("Validate accepted argon %+v", p)
		}
	}
	for _, p := range []ArgonParams{{Memory: 47104, Time: 1, Threads: 1}, {Memory: 12288, Time: 3, Threads: 1}, {Memory: 65536, Time: 3, Threads: 4}} {
		if err := (Config{SigningKey: testKey, Argon: p}).Validate(); err != nil {
			t.Errorf("Validate rejected argon %+v: %v", p, err)
		}
	}
}

// TestCutArithmetic pins the millisecond rules behind tokens_valid_after:
// a token issued before a cut is rejected, one issued after it (even in the
// same millisecond, with a frozen clock) is accepted, and two cuts in the
// same millisecond still move forward.
func TestCutArithmetic(t *testing.T) {
	base := time.Date(2030, 1, 1, 0, 0, 0, 500_600_700, time.UTC)
	valid := func(issued, cut time.Time) bool { return issued.UnixMilli() >= cutMillis(cut) }
	for _, tc := range []struct {
		name                 string
		before, cutAt, after time.Duration // offsets from base
	}{
		{"same instant", 0, 0, 0},
		{"same millisecond", 0, 100 * time.Microsecond, 200 * time.Microsecond},
		{"same second", 0, 300 * time.Millisecond, 301 * time.Millisecond},
		{"across a second", 0, 499 * time.Millisecond, 500 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := issueTime(base.Add(tc.before), time.Time{})
			cut := nextCut(base.Add(tc.cutAt), time.Time{})
			fresh := issueTime(base.Add(tc.after), cut)
			if valid(old, cut) {
				t.Errorf("token issued at %v valid after cut %v", old, cut)
			}
			if !valid(fresh, cut) {
				t.Errorf("token issued at %v (after the cut) invalid against cut %v", fresh, cut)
			}
			// A second logout-all in the same millisecond invalidates fresh too.
			cut2 := nextCut(base.Add(tc.after), cut)
			if valid(fresh, cut2) || !cut2.After(cut) {
				t.Errorf("second cut %v does not invalidate token %v", cut2, fresh)
			}
		})
	}
	// A cut written by someone else at sub-millisecond precision rounds up.
	odd := base.Add(250 * time.Microsecond)
	if valid(issueTime(odd.Add(-time.Microsecond), time.Time{}), odd) {
		t.Error("token issued just before a sub-millisecond cut is valid")
	}
	if !valid(issueTime(odd, odd), odd) {
		t.Error("token issued at a sub-millisecond cut is invalid")
	}
}
