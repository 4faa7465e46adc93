package auth

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// testDisabled: the disabled flag alone, with the session left live,
// refuses every credential: the access token, the refresh token (rotated
// or used for a cookie stream) and sign-in, which answers 403 only to the
// right password and counts the reason. Enabling restores sign-in.
func testDisabled(t *testing.T, open opener) {
	ctx := context.Background()
	e := newEnv(t, open, nil)
	alice := e.user(t, "alice@example.com", pwAlice)
	g := e.signIn(t, "alice@example.com", pwAlice)
	now := e.svc.now()
	if err := e.st.SetUserDisabled(ctx, alice.ID, &now); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Authenticate(ctx, g.AccessToken)
	wantKind(t, err, apperr.KindUnauthorized, "")
	_, err = e.svc.SessionFromRefresh(ctx, g.RefreshToken)
	wantKind(t, err, apperr.KindUnauthorized, "")
	_, err = e.svc.Refresh(ctx, g.RefreshToken, ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "")
	disabled := telemetry.SignInFailures.WithLabelValues("disabled")
	before := counterValue(t, disabled)
	_, err = e.svc.SignIn(ctx, "alice@example.com", "wrong password!", ClientMeta{})
	wantKind(t, err, apperr.KindUnauthorized, "invalid email or password")
	_, err = e.svc.SignIn(ctx, "alice@example.com", pwAlice, ClientMeta{})
	wantKind(t, err, apperr.KindForbidden, "")
	if got := counterValue(t, disabled) - before; got < 1 {
		t.Fatalf("signin_failures_total{reason=disabled} grew by %v", got)
	}
	if err := e.st.SetUserDisabled(ctx, alice.ID, nil); err != nil {
		t.Fatal(err)
	}
	e.signIn(t, "alice@example.com", pwAlice)
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
