package auth

import (
	"context"
	"testing"
	"time"
)

// benchEnv is a service over temp-file SQLite with production argon2id
// parameters and no sign-in limits, on the real clock.
func benchEnv(b *testing.B) *env {
	b.Helper()
	e := &env{st: openSQLite(b)}
	e.svc = New(e.st, Config{
		SigningKey: testKey, Argon: DefaultArgon(),
		SignInPerAccountIP: RateSpec{Burst: -1}, SignInPerIP: RateSpec{Burst: -1}, SignInGlobal: RateSpec{Burst: -1},
	})
	e.user(b, "alice@example.com", pwAlice)
	return e
}

// BenchmarkSignIn measures one sign-in: lookup, argon2id verify at
// m=19456,t=2,p=1, session insert, token signing.
func BenchmarkSignIn(b *testing.B) {
	e := benchEnv(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.svc.SignIn(ctx, "alice@example.com", pwAlice, ClientMeta{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRefresh measures one rotation: a write transaction plus signing.
func BenchmarkRefresh(b *testing.B) {
	e := benchEnv(b)
	ctx := context.Background()
	g := e.signIn(b, "alice@example.com", pwAlice)
	for b.Loop() {
		next, err := e.svc.Refresh(ctx, g.RefreshToken, ClientMeta{})
		if err != nil {
			b.Fatal(err)
		}
		g = next
	}
}

// BenchmarkAuthenticate measures the per-request cost: JWT verification
// plus one user read.
func BenchmarkAuthenticate(b *testing.B) {
	e := benchEnv(b)
	ctx := context.Background()
	g := e.signIn(b, "alice@example.com", pwAlice)
	for b.Loop() {
		if _, err := e.svc.Authenticate(ctx, g.AccessToken); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyAccessToken measures JWT verification alone.
func BenchmarkVerifyAccessToken(b *testing.B) {
	ti := newTokenIssuer(Config{SigningKey: testKey}.withDefaults())
	tok, err := ti.sign(1, 1, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ti.verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}
