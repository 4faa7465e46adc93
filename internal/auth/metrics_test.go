package auth

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// TestSignInFailuresCounted: a wrong password counts as bad_credentials,
// a good sign-in counts nothing.
func TestSignInFailuresCounted(t *testing.T) {
	e := newEnv(t, openSQLite, nil)
	e.user(t, "ada@example.com", "correct horse battery")
	bad := telemetry.SignInFailures.WithLabelValues("bad_credentials")
	before := testutil.ToFloat64(bad)
	if _, err := e.svc.SignIn(context.Background(), "ada@example.com", "wrong password", ClientMeta{IP: "192.0.2.9"}); err == nil {
		t.Fatal("a wrong password signed in")
	}
	if got := testutil.ToFloat64(bad) - before; got != 1 {
		t.Fatalf("bad_credentials grew by %v, want 1", got)
	}
	e.signIn(t, "ada@example.com", "correct horse battery")
	if got := testutil.ToFloat64(bad) - before; got != 1 {
		t.Fatalf("a good sign-in counted as a failure (grew by %v)", got)
	}
}
