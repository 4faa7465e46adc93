package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"
)

// TestBotTokenScope: a bot's token acts in its own workspace only, even
// when the bot account is a member of another workspace too: the scope is
// the token's, checked for every route before membership.
func TestBotTokenScope(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, wsA := h.setup()
	ctx := context.Background()

	r := h.do(req{method: "POST", path: "/api/workspaces", token: admin.token, body: map[string]any{"name": "Other"}})
	wsB := idOf(t, r)
	chatB := idOf(t, h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/chats", wsB), token: admin.token,
		body: map[string]any{"type": "public_channel", "name": "elsewhere"}}))
	chatA := idOf(t, h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/chats", wsA), token: admin.token,
		body: map[string]any{"type": "public_channel", "name": "hall"}}))

	created := h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/bots", wsA), token: admin.token,
		body: map[string]any{"username": "ci-bot"}})
	if created.status != http.StatusCreated {
		t.Fatalf("create bot: %d %s", created.status, created.body)
	}
	v := created.json(t)
	token := v["token"].(string)
	botID := int64(v["bot"].(map[string]any)["user"].(map[string]any)["id"].(float64))

	// The bot account joins workspace B by the use case itself (no route
	// lets a token do it): membership alone would now let it in.
	inv := h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/invites", wsB), token: admin.token}).json(t)
	if _, err := h.s.chat.AcceptInvite(ctx, botID, inv["code"].(string)); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", fmt.Sprintf("/api/workspaces/%d/chats", wsA), http.StatusOK},
		{"POST", fmt.Sprintf("/api/chats/%d/join", chatA), http.StatusOK},
		{"GET", fmt.Sprintf("/api/workspaces/%d/chats", wsB), http.StatusNotFound},
		{"GET", fmt.Sprintf("/api/workspaces/%d/members", wsB), http.StatusNotFound},
		{"POST", fmt.Sprintf("/api/chats/%d/join", chatB), http.StatusNotFound},
		{"GET", fmt.Sprintf("/api/chats/%d/messages", chatB), http.StatusNotFound},
		{"POST", "/api/workspaces", http.StatusForbidden},
		{"POST", "/api/events/ticket", http.StatusForbidden},
		{"GET", "/api/auth/sessions", http.StatusForbidden},
		{"GET", fmt.Sprintf("/api/workspaces/%d/bots", wsA), http.StatusForbidden}, // a member, not an admin
	} {
		var body any
		if tc.path == "/api/workspaces" {
			body = map[string]any{"name": "Bots only"}
		}
		if r := h.do(req{method: tc.method, path: tc.path, token: token, body: body}); r.status != tc.want {
			t.Errorf("%s %s with the bot token: %d %s, want %d", tc.method, tc.path, r.status, r.body, tc.want)
		}
	}

	// Revoked: 401 at once.
	list := h.do(req{method: "GET", path: fmt.Sprintf("/api/workspaces/%d/bots", wsA), token: admin.token}).json(t)
	tok := list["bots"].([]any)[0].(map[string]any)["tokens"].([]any)[0].(map[string]any)
	path := fmt.Sprintf("/api/workspaces/%d/bots/%d/tokens/%d", wsA, botID, int64(tok["id"].(float64)))
	if r := h.do(req{method: "DELETE", path: path, token: admin.token}); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := h.do(req{method: "GET", path: "/api/me", token: token}); r.status != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d, want 401", r.status)
	}
	if r := h.do(req{method: "GET", path: "/api/me", token: "fcb_forged"}); r.status != http.StatusUnauthorized {
		t.Fatalf("unknown token: %d, want 401", r.status)
	}
}
