package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/chat"
)

// TestInviteListAndRevoke: admins see the live invites (never their codes)
// and revoke them; a revoked code stops working at once.
func TestInviteListAndRevoke(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	invites := fmt.Sprintf("/api/workspaces/%d/invites", ws)

	created := want(t, h.do(req{method: "POST", path: invites, token: admin.token}), 201).json(t)
	expires, err := time.Parse(time.RFC3339, created["expires_at"].(string))
	if err != nil || created["max_uses"] != float64(25) || created["id"] == nil {
		t.Fatalf("default invite %v (%v): want 25 uses and an id", created, err)
	}
	if d := time.Until(expires); d < 167*time.Hour || d > 169*time.Hour {
		t.Fatalf("default invite expires in %v, want 7 days", d)
	}
	code := created["code"].(string)

	list := want(t, h.do(req{method: "GET", path: invites, token: admin.token}), 200)
	if strings.Contains(string(list.body), code) || strings.Contains(string(list.body), "code") {
		t.Fatalf("the list shows codes: %s", list.body)
	}
	items := list.json(t)["invites"].([]any)
	first := items[0].(map[string]any)
	if len(items) != 2 || first["id"] != created["id"] || first["created_by"] != float64(admin.id) || first["uses"] != float64(0) {
		t.Fatalf("invites %s: want the new one first, made by the admin, unused", list.body)
	}

	other := want(t, h.do(req{method: "POST", path: "/api/workspaces", token: bob.token, body: map[string]any{"name": "Bob's"}}), 201).json(t)
	elsewhere := fmt.Sprintf("/api/workspaces/%v/invites", other["id"])
	one := fmt.Sprintf("%s/%v", invites, created["id"])
	for _, tc := range []struct {
		name, method, path, token string
		status                    int
		code                      string
	}{
		{"member lists", "GET", invites, bob.token, 403, "forbidden"},
		{"member revokes", "DELETE", one, bob.token, 403, "forbidden"},
		{"outsider lists", "GET", elsewhere, admin.token, 404, "not_found"},
		{"revoke through another workspace", "DELETE", fmt.Sprintf("/api/workspaces/%v/invites/%v", other["id"], created["id"]), bob.token, 404, "not_found"},
		{"bad id", "DELETE", invites + "/abc", admin.token, 404, "not_found"},
		{"unknown id", "DELETE", invites + "/99999", admin.token, 404, "not_found"},
	} {
		r := h.do(req{method: tc.method, path: tc.path, token: tc.token})
		if r.status != tc.status || r.errCode(t) != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.body, tc.status, tc.code)
		}
	}

	want(t, h.do(req{method: "GET", path: "/api/invites/" + url.PathEscape(code)}), 200)
	want(t, h.do(req{method: "DELETE", path: one, token: admin.token}), 204)
	want(t, h.do(req{method: "GET", path: "/api/invites/" + url.PathEscape(code)}), 404)
	want(t, h.do(req{method: "POST", path: "/api/invites/" + url.PathEscape(code) + "/accept", token: bob.token}), 404)
	r := h.do(req{method: "POST", path: "/api/auth/signup", body: map[string]any{
		"email": "carol@example.com", "password": "correct horse battery", "username": "carol", "invite_code": code,
	}})
	want(t, r, 403)
	want(t, h.do(req{method: "DELETE", path: one, token: admin.token}), 404)
	left := want(t, h.do(req{method: "GET", path: invites, token: admin.token}), 200).json(t)["invites"].([]any)
	if len(left) != 1 {
		t.Fatalf("after revoking, %d invites listed, want 1", len(left))
	}
}

// TestInvitePreviewRevealsOnlyTheWorkspace: the unauthenticated lookup and
// the accept answer say nothing about members or the inviter.
func TestInvitePreviewRevealsOnlyTheWorkspace(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	h.join(admin, ws, "bob")
	code := want(t, h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/invites", ws), token: admin.token}), 201).json(t)["code"].(string)
	r := want(t, h.do(req{method: "GET", path: "/api/invites/" + url.PathEscape(code)}), 200)
	if got := strings.TrimSpace(string(r.body)); got != fmt.Sprintf(`{"workspace":{"id":%d,"name":"Acme"}}`, ws) {
		t.Fatalf("preview %s: want only the workspace id and name", got)
	}
	want(t, h.do(req{method: "POST", path: "/api/auth/signup", body: map[string]any{
		"email": "carol@example.com", "password": "correct horse battery", "username": "carol", "invite_code": code,
	}}), 201)
	dave := h.join(admin, ws, "dave")
	h.do(req{method: "DELETE", path: fmt.Sprintf("/api/workspaces/%d/members/%d", ws, dave.id), token: dave.token})
	code2 := want(t, h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/invites", ws), token: admin.token}), 201).json(t)["code"].(string)
	acc := want(t, h.do(req{method: "POST", path: "/api/invites/" + url.PathEscape(code2) + "/accept", token: dave.token}), 200)
	for _, secret := range []string{"admin@example.com", "bob", "carol", `"admin"`} {
		if strings.Contains(string(acc.body), secret) {
			t.Fatalf("accept answer %s reveals %s", acc.body, secret)
		}
	}
}

// TestBanAndUnban: a member removed with ban=true cannot come back with any
// invite until an admin lifts the ban.
func TestBanAndUnban(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob, carol := h.join(admin, ws, "bob"), h.join(admin, ws, "carol")
	code := want(t, h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/invites", ws), token: admin.token}), 201).json(t)["code"].(string)
	accept := "/api/invites/" + url.PathEscape(code) + "/accept"
	member := fmt.Sprintf("/api/workspaces/%d/members/%d", ws, bob.id)
	bans := fmt.Sprintf("/api/workspaces/%d/bans", ws)

	if r := h.do(req{method: "DELETE", path: member + "?ban=maybe", token: admin.token}); r.status != 400 || r.errCode(t) != "invalid_request" {
		t.Fatalf("ban=maybe: %d %s", r.status, r.body)
	}
	want(t, h.do(req{method: "DELETE", path: member + "?ban=true", token: carol.token}), 403)
	want(t, h.do(req{method: "DELETE", path: member + "?ban=true", token: admin.token}), 204)
	r := want(t, h.do(req{method: "POST", path: accept, token: bob.token}), 403)
	if msg := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "banned") {
		t.Fatalf("refusal %q does not say why", msg)
	}
	list := want(t, h.do(req{method: "GET", path: bans, token: admin.token}), 200).json(t)["bans"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["user"].(map[string]any)["username"] != "bob" ||
		list[0].(map[string]any)["banned_by"] != float64(admin.id) {
		t.Fatalf("bans %v", list)
	}
	want(t, h.do(req{method: "GET", path: bans, token: carol.token}), 403)
	want(t, h.do(req{method: "GET", path: bans, token: bob.token}), 404)
	want(t, h.do(req{method: "DELETE", path: fmt.Sprintf("%s/%d", bans, bob.id), token: carol.token}), 403)
	want(t, h.do(req{method: "DELETE", path: fmt.Sprintf("%s/%d", bans, bob.id), token: admin.token}), 204)
	want(t, h.do(req{method: "DELETE", path: fmt.Sprintf("%s/%d", bans, bob.id), token: admin.token}), 404)
	back := want(t, h.do(req{method: "POST", path: accept, token: bob.token}), 200).json(t)
	if back["role"] != "member" {
		t.Fatalf("rejoined as %v", back)
	}
	// Removal without ban: the same link brings them back at once.
	want(t, h.do(req{method: "DELETE", path: fmt.Sprintf("/api/workspaces/%d/members/%d", ws, carol.id), token: admin.token}), 204)
	want(t, h.do(req{method: "POST", path: accept, token: carol.token}), 200)
}

// TestUploadQuotaAndUsage: uploads past a quota answer 413 and store
// nothing; admins see the numbers.
func TestUploadQuotaAndUsage(t *testing.T) {
	h := newHarnessChat(t, func(c *chat.Config) { c.QuotaPerUser, c.QuotaPerWorkspace = 100, 150 }, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	upload := func(s session, n int, fill string) resp {
		body, ctype := multipartBody(t, "f.bin", map[string][]byte{"file": []byte(strings.Repeat(fill, n))})
		return h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/files", ws), token: s.token, body: body, contentType: ctype})
	}
	usagePath := fmt.Sprintf("/api/workspaces/%d/usage", ws)
	want(t, upload(admin, 90, "a"), 201)
	r := want(t, upload(admin, 11, "b"), http.StatusRequestEntityTooLarge)
	if r.errCode(t) != "payload_too_large" || !strings.Contains(string(r.body), "quota") {
		t.Fatalf("over the user quota: %s", r.body)
	}
	want(t, upload(bob, 50, "c"), 201)
	want(t, upload(bob, 11, "d"), http.StatusRequestEntityTooLarge) // workspace: 140 of 150
	want(t, upload(bob, 10, "e"), 201)

	u := want(t, h.do(req{method: "GET", path: usagePath, token: admin.token}), 200).json(t)
	top := u["top_users"].([]any)
	if u["used_bytes"] != float64(150) || u["files"] != float64(3) || u["quota_bytes"] != float64(150) ||
		u["user_quota_bytes"] != float64(100) || len(top) != 2 {
		t.Fatalf("usage %v", u)
	}
	first := top[0].(map[string]any)
	if first["user"].(map[string]any)["username"] != "admin" || first["used_bytes"] != float64(90) ||
		top[1].(map[string]any)["used_bytes"] != float64(60) || top[1].(map[string]any)["files"] != float64(2) {
		t.Fatalf("top users %v", top)
	}
	want(t, h.do(req{method: "GET", path: usagePath, token: bob.token}), 403)
	other := want(t, h.do(req{method: "POST", path: "/api/workspaces", token: bob.token, body: map[string]any{"name": "Bob's"}}), 201).json(t)
	want(t, h.do(req{method: "GET", path: fmt.Sprintf("/api/workspaces/%v/usage", other["id"]), token: admin.token}), 404)
}
