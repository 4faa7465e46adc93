package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// The instance settings routes: only an instance administrator reads and
// changes them, bad values are 400, every change is audit-logged, and
// GET /api/instance tells anyone signed in what they may do.
func TestInstanceSettingsRoutes(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")

	want(t, h.do(req{method: "GET", path: "/api/admin/settings"}), http.StatusUnauthorized)
	want(t, h.do(req{method: "GET", path: "/api/admin/settings", token: bob.token}), http.StatusForbidden)
	want(t, h.do(req{method: "PATCH", path: "/api/admin/settings", token: bob.token,
		body: map[string]any{"workspace_creation": "admins"}}), http.StatusForbidden)
	want(t, h.do(req{method: "GET", path: "/api/instance"}), http.StatusUnauthorized)

	got := h.do(req{method: "GET", path: "/api/admin/settings", token: admin.token})
	want(t, got, http.StatusOK)
	if v := got.json(t); v["workspace_creation"] != "everyone" || v["show_member_emails"] != false || v["updated_at"] != nil {
		t.Fatalf("default settings = %s", got.body)
	}
	for _, body := range []map[string]any{
		{"workspace_creation": "nobody"}, {"workspace_creation": 3}, {"show_member_emails": "yes"}, {"colour": "red"},
	} {
		r := h.do(req{method: "PATCH", path: "/api/admin/settings", token: admin.token, body: body})
		want(t, r, http.StatusBadRequest)
	}
	r := h.do(req{method: "PATCH", path: "/api/admin/settings", token: admin.token,
		body: map[string]any{"workspace_creation": "admins", "show_member_emails": true}})
	want(t, r, http.StatusOK)
	if v := r.json(t); v["workspace_creation"] != "admins" || v["show_member_emails"] != true || v["updated_at"] == nil {
		t.Fatalf("changed settings = %s", r.body)
	}
	// Saving the same values again changes nothing and logs nothing.
	want(t, h.do(req{method: "PATCH", path: "/api/admin/settings", token: admin.token,
		body: map[string]any{"workspace_creation": "admins"}}), http.StatusOK)
	audit := h.do(req{method: "GET", path: "/api/admin/audit?action=instance.settings", token: admin.token}).json(t)["entries"].([]any)
	if len(audit) != 1 {
		t.Fatalf("instance.settings audit entries = %v", audit)
	}
	detail := audit[0].(map[string]any)["detail"].(map[string]any)
	if fmt.Sprint(detail["workspace_creation"]) != "map[from:everyone to:admins]" ||
		fmt.Sprint(detail["show_member_emails"]) != "map[from:false to:true]" {
		t.Fatalf("audit detail = %v", detail)
	}

	info := func(s session) map[string]any {
		t.Helper()
		r := h.do(req{method: "GET", path: "/api/instance", token: s.token})
		want(t, r, http.StatusOK)
		return r.json(t)
	}
	if v := info(bob); v["can_create_workspace"] != false || v["workspace_creation"] != "admins" {
		t.Fatalf("bob's instance info = %v", v)
	}
	if v := info(admin); v["can_create_workspace"] != true {
		t.Fatalf("admin's instance info = %v", v)
	}
}

// Who may create workspaces: everyone by default (as before the setting
// existed); with "admins", a non-admin gets 403 and an admin still may.
func TestWorkspaceCreationSetting(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	create := func(s session, status int) resp {
		t.Helper()
		r := h.do(req{method: "POST", path: "/api/workspaces", token: s.token, body: map[string]any{"name": "New"}})
		want(t, r, status)
		return r
	}
	create(bob, http.StatusCreated)
	want(t, h.do(req{method: "PATCH", path: "/api/admin/settings", token: admin.token,
		body: map[string]any{"workspace_creation": "admins"}}), http.StatusOK)
	r := create(bob, http.StatusForbidden)
	if r.errCode(t) != "forbidden" || !strings.Contains(string(r.body), "only instance administrators may create workspaces") {
		t.Fatalf("refusal = %s", r.body)
	}
	create(admin, http.StatusCreated)
	want(t, h.do(req{method: "PATCH", path: "/api/admin/settings", token: admin.token,
		body: map[string]any{"workspace_creation": "everyone"}}), http.StatusOK)
	create(bob, http.StatusCreated)
}

// Members do not see each other's email addresses unless the instance
// shows them; a user always sees their own, an instance administrator
// everyone's; a workspace admin is no exception.
func TestMemberEmailsHidden(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	carol := h.join(admin, ws, "carol")
	want(t, h.do(req{method: "PATCH", path: fmt.Sprintf("/api/workspaces/%d/members/%d", ws, carol.id), token: admin.token,
		body: map[string]any{"role": "admin"}}), http.StatusOK)
	dm := h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/chats", ws), token: admin.token,
		body: map[string]any{"type": "group", "name": "trio", "member_ids": []int64{bob.id, carol.id}}})
	want(t, dm, http.StatusCreated)
	chatID := int64(dm.json(t)["id"].(float64))
	want(t, h.do(req{method: "POST", path: fmt.Sprintf("/api/chats/%d/messages", chatID), token: admin.token,
		body: map[string]any{"content": `hi {"id":1,"email":"fake@x"} @bob`}}), http.StatusCreated)
	want(t, h.do(req{method: "POST", path: fmt.Sprintf("/api/chats/%d/messages", chatID), token: bob.token,
		body: map[string]any{"content": "hello"}}), http.StatusCreated)

	// emails returns every address the viewer's answers show, by path.
	paths := []string{
		fmt.Sprintf("/api/workspaces/%d/members", ws),
		fmt.Sprintf("/api/chats/%d/members", chatID),
		fmt.Sprintf("/api/chats/%d/messages", chatID),
		"/api/mentions",
	}
	shows := func(s session, addr string) map[string]bool {
		t.Helper()
		out := map[string]bool{}
		for _, p := range paths {
			r := h.do(req{method: "GET", path: p, token: s.token})
			want(t, r, http.StatusOK)
			out[p] = strings.Contains(string(r.body), `"email":"`+addr+`"`)
		}
		return out
	}
	for _, tc := range []struct {
		who    session
		addr   string
		expect bool
	}{
		{bob, "admin@example.com", false},
		{carol, "bob@example.com", false}, // a workspace admin
		{bob, "bob@example.com", true},    // their own
		{admin, "bob@example.com", true},  // the instance administrator
	} {
		for p, seen := range shows(tc.who, tc.addr) {
			if p == "/api/mentions" && tc.who.id != bob.id {
				continue // only bob is mentioned
			}
			if p == "/api/mentions" && tc.addr == "bob@example.com" {
				continue // the mention's sender is the admin
			}
			if seen != tc.expect {
				t.Errorf("%s on %s sees %s: %v, want %v", tc.who.user["username"], p, tc.addr, seen, tc.expect)
			}
		}
	}
	// The content that only looks like a user is left as it was.
	msgs := h.do(req{method: "GET", path: fmt.Sprintf("/api/chats/%d/messages", chatID), token: bob.token})
	if !strings.Contains(string(msgs.body), `\"email\":\"fake@x\"`) {
		t.Fatalf("message content changed: %s", msgs.body)
	}

	want(t, h.do(req{method: "PATCH", path: "/api/admin/settings", token: admin.token,
		body: map[string]any{"show_member_emails": true}}), http.StatusOK)
	for p, seen := range shows(bob, "admin@example.com") {
		if !seen {
			t.Errorf("with emails shown, bob on %s does not see the admin's address", p)
		}
	}
}

// An instance administrator ends every session of a user: their access
// and refresh tokens stop at once, and it is audit-logged.
func TestAdminRevokeSessions(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	path := fmt.Sprintf("/api/admin/users/%d/sessions/revoke", bob.id)

	want(t, h.do(req{method: "POST", path: path}), http.StatusUnauthorized)
	want(t, h.do(req{method: "POST", path: path, token: bob.token}), http.StatusForbidden)
	want(t, h.do(req{method: "POST", path: "/api/admin/users/999/sessions/revoke", token: admin.token}), http.StatusNotFound)
	want(t, h.do(req{method: "POST", path: "/api/admin/users/x/sessions/revoke", token: admin.token}), http.StatusNotFound)
	signin := h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{
		"email": "bob@example.com", "password": "correct horse battery", "refresh_in_body": true}})
	want(t, signin, http.StatusOK)
	second := sessionOf(t, signin)
	rt, _ := signin.json(t)["refresh_token"].(string)
	want(t, h.do(req{method: "GET", path: "/api/me", token: bob.token}), http.StatusOK)

	want(t, h.do(req{method: "POST", path: path, token: admin.token}), http.StatusNoContent)
	want(t, h.do(req{method: "GET", path: "/api/me", token: second.token}), http.StatusUnauthorized)
	want(t, h.do(req{method: "GET", path: "/api/me", token: bob.token}), http.StatusUnauthorized)
	refresh := h.do(req{method: "POST", path: "/api/auth/refresh", body: map[string]any{
		"refresh_token": rt, "refresh_in_body": true}})
	want(t, refresh, http.StatusUnauthorized)
	want(t, h.do(req{method: "GET", path: "/api/me", token: admin.token}), http.StatusOK)
	audit := h.do(req{method: "GET", path: "/api/admin/audit?action=user.sessions_revoke", token: admin.token}).json(t)["entries"].([]any)
	if len(audit) != 1 || int64(audit[0].(map[string]any)["target_user_id"].(float64)) != bob.id {
		t.Fatalf("sessions_revoke audit = %v", audit)
	}
}
