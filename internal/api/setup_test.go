package api

import (
	"net/http"
	"testing"

	"github.com/fechatter/fechatter/internal/auth"
)

// TestSetupNeedsToken: setup answers 403 without the setup token or with a
// wrong one, 201 with it; then the token is retired and every setup is 409.
func TestSetupNeedsToken(t *testing.T) {
	retired := 0
	h := newHarness(t, func(d *Deps) {
		d.Setup = auth.NewSetupToken(testSetupToken, func() { retired++ })
	}, nil)
	form := func(token any) map[string]any {
		b := map[string]any{"email": "admin@example.com", "password": "correct horse battery",
			"username": "admin", "workspace_name": "Acme"}
		if token != nil {
			b["setup_token"] = token
		}
		return b
	}
	for _, tc := range []struct {
		name   string
		token  any
		status int
		code   string
	}{
		{"no token", nil, http.StatusForbidden, "forbidden"},
		{"empty token", "", http.StatusForbidden, "forbidden"},
		{"wrong token", testSetupToken + "x", http.StatusForbidden, "forbidden"},
		{"right token", testSetupToken, http.StatusCreated, ""},
		{"right token again", testSetupToken, http.StatusConflict, "conflict"},
		{"no token after setup", nil, http.StatusConflict, "conflict"},
	} {
		r := h.do(req{method: "POST", path: "/api/setup", body: form(tc.token)})
		if r.status != tc.status || (tc.code != "" && r.errCode(t) != tc.code) {
			t.Fatalf("%s: %d %s, want %d %s", tc.name, r.status, r.body, tc.status, tc.code)
		}
		if tc.status == http.StatusCreated && retired != 1 {
			t.Fatalf("setup did not retire the token (%d)", retired)
		}
	}
	if retired != 1 {
		t.Fatalf("token retired %d times, want once", retired)
	}
}

// TestSetupWithoutGate: a server given no setup gate refuses setup.
func TestSetupWithoutGate(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Setup = nil }, nil)
	r := h.do(req{method: "POST", path: "/api/setup", body: map[string]any{
		"email": "admin@example.com", "password": "correct horse battery", "username": "admin",
		"workspace_name": "Acme", "setup_token": "anything",
	}})
	if r.status != http.StatusForbidden {
		t.Fatalf("setup without a gate: %d %s, want 403", r.status, r.body)
	}
}
