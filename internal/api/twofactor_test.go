package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

// totpCode is the authenticator app's code for secret at now plus d.
func totpCodeAt(t *testing.T, secret string, d time.Duration) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, time.Now().Add(d))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolTOTP turns 2FA on for s over the API; it returns the secret and
// the recovery codes.
func (h *harness) enrolTOTP(s session) (string, []string) {
	h.t.Helper()
	r := h.do(req{method: "POST", path: "/api/me/2fa/totp", token: s.token})
	if r.status != http.StatusOK {
		h.t.Fatalf("enrol: %d %s", r.status, r.body)
	}
	v := r.json(h.t)
	secret := v["secret"].(string)
	if !strings.HasPrefix(v["qr_code"].(string), "data:image/png;base64,") || !strings.HasPrefix(v["otpauth_url"].(string), "otpauth://totp/") {
		h.t.Fatalf("enrolment = %v", v)
	}
	r = h.do(req{method: "POST", path: "/api/me/2fa/totp/confirm", token: s.token, body: map[string]any{"code": totpCodeAt(h.t, secret, 0)}})
	if r.status != http.StatusOK {
		h.t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	var codes []string
	for _, c := range r.json(h.t)["recovery_codes"].([]any) {
		codes = append(codes, c.(string))
	}
	return secret, codes
}

// passwordStep signs in with a password and returns the second step.
func (h *harness) passwordStep(email string) map[string]any {
	h.t.Helper()
	r := h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{"email": email, "password": "correct horse battery"}})
	if r.status != http.StatusOK {
		h.t.Fatalf("sign in: %d %s", r.status, r.body)
	}
	step, _ := r.json(h.t)["second_step"].(map[string]any)
	if step == nil || r.json(h.t)["access_token"] != nil {
		h.t.Fatalf("want a second step and no session: %s", r.body)
	}
	return step
}

func TestTwoFactorSignIn(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	// Without 2FA the answer is the session, as before.
	r := h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{"email": "bob@example.com", "password": "correct horse battery"}})
	if r.status != http.StatusOK || r.json(t)["access_token"] == nil {
		t.Fatalf("sign-in without 2FA: %d %s", r.status, r.body)
	}
	secret, codes := h.enrolTOTP(bob)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes", len(codes))
	}
	st := h.do(req{method: "GET", path: "/api/me/2fa", token: bob.token}).json(t)
	if st["totp_enabled"] != true || st["recovery_codes_left"] != float64(10) || st["required"] != false {
		t.Fatalf("status = %v", st)
	}
	step := h.passwordStep("bob@example.com")
	if step["required_action"] != "code" {
		t.Fatalf("second step = %v", step)
	}
	tok := step["token"].(string)
	second := func(body map[string]any) resp {
		body["token"] = tok
		return h.do(req{method: "POST", path: "/api/auth/2fa", body: body})
	}
	if r := second(map[string]any{"code": "000000"}); r.status != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d %s", r.status, r.body)
	}
	if r := second(map[string]any{}); r.status != http.StatusBadRequest {
		t.Fatalf("no code: %d %s", r.status, r.body)
	}
	// The enrolment used the current step; the next one is accepted.
	r = second(map[string]any{"code": totpCodeAt(t, secret, 30*time.Second), "refresh_in_body": true})
	if r.status != http.StatusOK || r.json(t)["refresh_token"] == nil {
		t.Fatalf("second step: %d %s", r.status, r.body)
	}
	s := sessionOf(t, r)
	if s.id != bob.id {
		t.Fatalf("signed in as %d", s.id)
	}
	// A recovery code works once.
	if r := second(map[string]any{"recovery_code": strings.ToUpper(codes[0])}); r.status != http.StatusOK {
		t.Fatalf("recovery code: %d %s", r.status, r.body)
	}
	if r := second(map[string]any{"recovery_code": codes[0]}); r.status != http.StatusUnauthorized {
		t.Fatalf("recovery code again: %d %s", r.status, r.body)
	}
	// Disabling needs the password and a code.
	if r := h.do(req{method: "POST", path: "/api/me/2fa/disable", token: s.token, body: map[string]any{"password": "wrong password!", "recovery_code": codes[1]}}); r.status != http.StatusBadRequest {
		t.Fatalf("disable with a wrong password: %d %s", r.status, r.body)
	}
	if r := h.do(req{method: "POST", path: "/api/me/2fa/disable", token: s.token, body: map[string]any{"password": "correct horse battery", "recovery_code": codes[1]}}); r.status != http.StatusNoContent {
		t.Fatalf("disable: %d %s", r.status, r.body)
	}
	if r := h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{"email": "bob@example.com", "password": "correct horse battery"}}); r.json(t)["access_token"] == nil {
		t.Fatalf("after disable: %s", r.body)
	}
}

func TestTwoFactorLockout(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, _ := h.setup()
	secret, _ := h.enrolTOTP(admin)
	tok := h.passwordStep("admin@example.com")["token"]
	for i := range 5 {
		r := h.do(req{method: "POST", path: "/api/auth/2fa", body: map[string]any{"token": tok, "code": "111111"}})
		want := http.StatusUnauthorized
		if i == 4 {
			want = http.StatusTooManyRequests
		}
		if r.status != want {
			t.Fatalf("attempt %d: %d, want %d", i+1, r.status, want)
		}
	}
	r := h.do(req{method: "POST", path: "/api/auth/2fa", body: map[string]any{"token": tok, "code": totpCodeAt(t, secret, 30*time.Second)}})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("right code while locked: %d %v", r.status, r.header)
	}
}

func TestWorkspaceRequires2FA(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	path := fmt.Sprintf("/api/workspaces/%d/2fa-policy", ws)
	if r := h.do(req{method: "PUT", path: path, token: bob.token, body: map[string]any{"required": true}}); r.status != http.StatusForbidden {
		t.Fatalf("member sets the policy: %d", r.status)
	}
	if r := h.do(req{method: "PUT", path: path, token: admin.token, body: map[string]any{"required": true}}); r.status != http.StatusOK {
		t.Fatalf("admin sets the policy: %d %s", r.status, r.body)
	}
	if v := h.do(req{method: "GET", path: path, token: bob.token}).json(t); v["required"] != true {
		t.Fatalf("policy = %v", v)
	}
	// Bob has no second factor: his sign-in only lets him enrol.
	step := h.passwordStep("bob@example.com")
	if step["required_action"] != "enrol" {
		t.Fatalf("second step = %v", step)
	}
	tok := step["token"]
	r := h.do(req{method: "POST", path: "/api/auth/2fa/enrol", body: map[string]any{"token": tok}})
	if r.status != http.StatusOK {
		t.Fatalf("enrol with token: %d %s", r.status, r.body)
	}
	secret := r.json(t)["secret"].(string)
	r = h.do(req{method: "POST", path: "/api/auth/2fa/enrol/confirm", body: map[string]any{"token": tok, "code": totpCodeAt(t, secret, 0)}})
	if r.status != http.StatusOK || len(r.json(t)["recovery_codes"].([]any)) != 10 {
		t.Fatalf("confirm with token: %d %s", r.status, r.body)
	}
	s := sessionOf(t, r)
	if st := h.do(req{method: "GET", path: "/api/me/2fa", token: s.token}).json(t); st["required"] != true || st["totp_enabled"] != true {
		t.Fatalf("status = %v", st)
	}
	if r := h.do(req{method: "POST", path: "/api/me/2fa/disable", token: s.token, body: map[string]any{"password": "correct horse battery", "code": totpCodeAt(t, secret, 30*time.Second)}}); r.status != http.StatusForbidden {
		t.Fatalf("disable while required: %d %s", r.status, r.body)
	}
}
