package api

import (
	"fmt"
	"net/http"
	"testing"
)

// The admin routes: only the instance administrator reads the audit log
// and changes accounts; role changes and bans by workspace admins are
// audited with their actor and address; a disabled account's token stops
// at once and it cannot sign in; the last administrator stays.
func TestAdminRoutesAndAudit(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	carol := h.join(admin, ws, "carol")

	want(t, h.do(req{method: "GET", path: "/api/admin/audit", token: bob.token}), http.StatusForbidden)
	want(t, h.do(req{method: "GET", path: "/api/admin/users", token: bob.token}), http.StatusForbidden)
	want(t, h.do(req{method: "PATCH", path: fmt.Sprintf("/api/admin/users/%d", carol.id), token: bob.token,
		body: map[string]any{"disabled": true}}), http.StatusForbidden)

	member := fmt.Sprintf("/api/workspaces/%d/members/", ws)
	want(t, h.do(req{method: "PATCH", path: member + fmt.Sprint(bob.id), token: admin.token,
		body: map[string]any{"role": "admin"}}), http.StatusOK)
	want(t, h.do(req{method: "DELETE", path: member + fmt.Sprint(carol.id) + "?ban=true", token: bob.token}), http.StatusNoContent)

	users := h.do(req{method: "GET", path: "/api/admin/users?limit=2", token: admin.token})
	want(t, users, http.StatusOK)
	if list := users.json(t)["users"].([]any); len(list) != 2 {
		t.Fatalf("users page of 2 = %d users", len(list))
	}

	patch := func(id int64, body map[string]any, status int) resp {
		t.Helper()
		r := h.do(req{method: "PATCH", path: fmt.Sprintf("/api/admin/users/%d", id), token: admin.token, body: body})
		want(t, r, status)
		return r
	}
	patch(admin.id, map[string]any{"is_admin": false}, http.StatusConflict) // the last one
	patch(bob.id, map[string]any{"disabled": true, "is_admin": true}, http.StatusBadRequest)
	patch(bob.id, map[string]any{}, http.StatusBadRequest)
	patch(999, map[string]any{"disabled": true}, http.StatusNotFound)
	if r := patch(bob.id, map[string]any{"disabled": true}, http.StatusOK); r.json(t)["disabled_at"] == nil {
		t.Fatalf("disabled user shows no disabled_at: %s", r.body)
	}
	want(t, h.do(req{method: "GET", path: "/api/me", token: bob.token}), http.StatusUnauthorized)
	signIn := func() resp {
		return h.do(req{method: "POST", path: "/api/auth/signin",
			body: map[string]any{"email": "bob@example.com", "password": "correct horse battery"}})
	}
	want(t, signIn(), http.StatusForbidden)
	patch(bob.id, map[string]any{"disabled": false}, http.StatusOK)
	want(t, signIn(), http.StatusOK)

	r := h.do(req{method: "GET", path: "/api/admin/audit", token: admin.token})
	want(t, r, http.StatusOK)
	entries := r.json(t)["entries"].([]any)
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	wantActions := []string{"user.enable", "user.disable", "member.ban", "member.role"}
	if fmt.Sprint(actions) != fmt.Sprint(wantActions) {
		t.Fatalf("audit actions = %v, want %v", actions, wantActions)
	}
	ban := entries[2].(map[string]any)
	if ban["actor"] != "bob" || ban["source"] == "" || int64(ban["target_user_id"].(float64)) != carol.id ||
		int64(ban["workspace_id"].(float64)) != ws {
		t.Fatalf("ban record = %v", ban)
	}
	older := h.do(req{method: "GET", path: fmt.Sprintf("/api/admin/audit?before=%v&limit=1",
		entries[1].(map[string]any)["id"]), token: admin.token}).json(t)["entries"].([]any)
	if len(older) != 1 || older[0].(map[string]any)["action"] != "member.ban" {
		t.Fatalf("page before the disable = %v", older)
	}
	roles := h.do(req{method: "GET", path: "/api/admin/audit?action=member.role", token: admin.token}).json(t)["entries"].([]any)
	if len(roles) != 1 || roles[0].(map[string]any)["detail"].(map[string]any)["to"] != "admin" {
		t.Fatalf("member.role entries = %v", roles)
	}
	want(t, h.do(req{method: "GET", path: "/api/admin/audit?before=0", token: admin.token}), http.StatusBadRequest)
}
