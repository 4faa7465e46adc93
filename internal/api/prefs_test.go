package api

import (
	"net/http"
	"testing"
)

// TestDraftAndNotificationEndpoints runs the draft and notification
// routes over HTTP: decoding, status codes, membership and the answers'
// shape (checked against the OpenAPI document by the harness). The rules
// themselves are tested on both engines in internal/chat (prefs_test.go).
func TestDraftAndNotificationEndpoints(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	chats := "/api/workspaces/" + itoa(ws) + "/chats"
	ch := want(t, h.do(req{method: "POST", path: chats, token: admin.token, body: map[string]any{"type": "private_channel", "name": "plans"}}), 201)
	chatPath := "/api/chats/" + itoa(idOf(t, ch))
	msg := want(t, h.do(req{method: "POST", path: chatPath + "/messages", token: admin.token, body: map[string]any{"content": "root"}}), 201)

	want(t, h.do(req{method: "PUT", path: chatPath + "/draft", token: admin.token, body: map[string]any{"text": "half a thought"}}), 204)
	want(t, h.do(req{method: "PUT", path: chatPath + "/draft", token: admin.token, body: map[string]any{"text": "reply", "thread_id": idOf(t, msg)}}), 204)
	drafts := want(t, h.do(req{method: "GET", path: "/api/me/drafts", token: admin.token}), 200).json(t)["drafts"].([]any)
	if len(drafts) != 2 {
		t.Fatalf("drafts %v", drafts)
	}
	if got := want(t, h.do(req{method: "GET", path: "/api/me/drafts", token: bob.token}), 200).json(t)["drafts"].([]any); len(got) != 0 {
		t.Fatalf("bob sees drafts %v", got)
	}
	// Not a member of the private channel: 404, as for any read of it.
	if c := want(t, h.do(req{method: "PUT", path: chatPath + "/draft", token: bob.token, body: map[string]any{"text": "x"}}), 404).errCode(t); c == "" {
		t.Fatal("no error code")
	}
	want(t, h.do(req{method: "PUT", path: chatPath + "/draft", token: admin.token, body: map[string]any{}}), 400)
	want(t, h.do(req{method: "PUT", path: chatPath + "/draft", token: admin.token, body: map[string]any{"text": "x", "thread_id": 999999}}), 400)
	want(t, h.do(req{method: "PUT", path: chatPath + "/draft", token: admin.token, body: map[string]any{"text": "x", "extra": 1}}), 400)
	want(t, h.do(req{method: "PUT", path: chatPath + "/draft", token: admin.token, body: map[string]any{"text": ""}}), 204)
	if got := want(t, h.do(req{method: "GET", path: "/api/me/drafts", token: admin.token}), 200).json(t)["drafts"].([]any); len(got) != 1 {
		t.Fatalf("after dropping one: %v", got)
	}

	want(t, h.do(req{method: "PUT", path: chatPath + "/notifications", token: bob.token, body: map[string]any{"muted": true}}), 404)
	want(t, h.do(req{method: "PUT", path: chatPath + "/notifications", token: admin.token, body: map[string]any{}}), 400)
	if v := want(t, h.do(req{method: "PUT", path: chatPath + "/notifications", token: admin.token, body: map[string]any{"muted": true}}), 200).json(t); v["muted"] != true {
		t.Fatalf("mute answer %v", v)
	}
	ns := want(t, h.do(req{method: "GET", path: "/api/me/notifications", token: admin.token}), 200).json(t)
	if ids := ns["muted_chat_ids"].([]any); len(ids) != 1 || int64(ids[0].(float64)) != idOf(t, ch) || ns["sound"] != true || ns["dnd_until"] != nil {
		t.Fatalf("settings %v", ns)
	}
	ns = want(t, h.do(req{method: "PATCH", path: "/api/me/notifications", token: admin.token, body: map[string]any{
		"dnd_until": "2031-01-02T03:04:05Z", "schedule_enabled": true, "schedule_start": "22:30", "sound": false,
	}}), 200).json(t)
	if ns["dnd_until"] != "2031-01-02T03:04:05Z" || ns["schedule_enabled"] != true || ns["schedule_start"] != "22:30" || ns["sound"] != false {
		t.Fatalf("after patch %v", ns)
	}
	ns = want(t, h.do(req{method: "PATCH", path: "/api/me/notifications", token: admin.token, body: map[string]any{"dnd_until": nil}}), 200).json(t)
	if ns["dnd_until"] != nil || ns["schedule_enabled"] != true {
		t.Fatalf("after clearing the snooze %v", ns)
	}
	for _, bad := range []map[string]any{{"dnd_until": "tomorrow"}, {"schedule_end": "7:00"}, {"sound": "yes"}} {
		if r := h.do(req{method: "PATCH", path: "/api/me/notifications", token: admin.token, body: bad}); r.status != http.StatusBadRequest {
			t.Fatalf("%v: %d %s", bad, r.status, r.body)
		}
	}
}
