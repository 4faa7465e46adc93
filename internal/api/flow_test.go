package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// idOf reads the id of a JSON object answer.
func idOf(t *testing.T, r resp) int64 {
	t.Helper()
	id, ok := r.json(t)["id"].(float64)
	if !ok {
		t.Fatalf("answer has no id: %s", r.body)
	}
	return int64(id)
}

// want fails unless r has status.
func want(t *testing.T, r resp, status int) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("got %d %s, want %d", r.status, r.body, status)
	}
	return r
}

// TestWorkspaceAndChatFlow walks the setup, workspace, invite and chat
// endpoints end to end; every answer is also checked against the OpenAPI
// document by the harness.
func TestWorkspaceAndChatFlow(t *testing.T) {
	h := newHarness(t, nil, nil)
	if v := want(t, h.do(req{method: "GET", path: "/api/setup"}), 200).json(t); v["needed"] != true {
		t.Fatalf("setup needed = %v before setup", v["needed"])
	}
	admin, ws := h.setup()
	if v := want(t, h.do(req{method: "GET", path: "/api/setup"}), 200).json(t); v["needed"] != false {
		t.Fatalf("setup needed = %v after setup", v["needed"])
	}
	wsPath := "/api/workspaces/" + itoa(ws)
	w := want(t, h.do(req{method: "GET", path: wsPath, token: admin.token}), 200).json(t)
	if w["role"] != "owner" || w["name"] != "Acme" {
		t.Errorf("workspace %v", w)
	}
	want(t, h.do(req{method: "PATCH", path: wsPath, token: admin.token, body: map[string]any{"name": "Acme Inc"}}), 200)
	want(t, h.do(req{method: "PATCH", path: "/api/me", token: admin.token, body: map[string]any{"display_name": "The Admin"}}), 200)
	newWS := want(t, h.do(req{method: "POST", path: "/api/workspaces", token: admin.token, body: map[string]any{"name": "Side"}}), 201)
	want(t, h.do(req{method: "DELETE", path: "/api/workspaces/" + itoa(idOf(t, newWS)), token: admin.token}), 204)

	inv := want(t, h.do(req{method: "POST", path: wsPath + "/invites", token: admin.token, body: map[string]any{"max_uses": 5}}), 201).json(t)
	code := inv["code"].(string)
	preview := want(t, h.do(req{method: "GET", path: "/api/invites/" + url.PathEscape(code)}), 200).json(t)
	if preview["workspace"].(map[string]any)["name"] != "Acme Inc" {
		t.Errorf("invite preview %v", preview)
	}
	bob := h.join(admin, ws, "bob")
	carol := h.join(admin, ws, "carol")
	members := want(t, h.do(req{method: "GET", path: wsPath + "/members", token: admin.token}), 200).json(t)["members"].([]any)
	if len(members) < 3 {
		t.Fatalf("members %v", members)
	}
	want(t, h.do(req{method: "PATCH", path: wsPath + "/members/" + itoa(carol.id), token: admin.token, body: map[string]any{"role": "admin"}}), 200)

	// Chats: a direct chat is 201 once and 200 after; a public channel can be joined.
	chats := wsPath + "/chats"
	direct := map[string]any{"type": "direct", "member_ids": []int64{bob.id}}
	d1 := want(t, h.do(req{method: "POST", path: chats, token: admin.token, body: direct}), 201)
	d2 := want(t, h.do(req{method: "POST", path: chats, token: admin.token, body: direct}), 200)
	if idOf(t, d1) != idOf(t, d2) {
		t.Errorf("second direct chat %d, want the first %d", idOf(t, d2), idOf(t, d1))
	}
	ch := want(t, h.do(req{method: "POST", path: chats, token: admin.token, body: map[string]any{"type": "public_channel", "name": "lobby", "topic": "all"}}), 201)
	chatPath := "/api/chats/" + itoa(idOf(t, ch))
	channels := want(t, h.do(req{method: "GET", path: wsPath + "/channels", token: bob.token}), 200).json(t)["chats"].([]any)
	if len(channels) != 1 {
		t.Errorf("joinable channels for bob: %v", channels)
	}
	want(t, h.do(req{method: "POST", path: chatPath + "/join", token: bob.token}), 200)
	want(t, h.do(req{method: "POST", path: chatPath + "/members", token: admin.token, body: map[string]any{"user_ids": []int64{carol.id}}}), 200)
	cm := want(t, h.do(req{method: "GET", path: chatPath + "/members", token: admin.token}), 200).json(t)["members"].([]any)
	if len(cm) != 3 {
		t.Errorf("chat members %v", cm)
	}
	want(t, h.do(req{method: "DELETE", path: chatPath + "/members/" + itoa(carol.id), token: carol.token}), 204)
	want(t, h.do(req{method: "PATCH", path: chatPath, token: admin.token, body: map[string]any{"topic": "everything"}}), 200)
	want(t, h.do(req{method: "GET", path: chatPath, token: bob.token}), 200)
	list := want(t, h.do(req{method: "GET", path: chats, token: admin.token}), 200).json(t)["chats"].([]any)
	if len(list) != 4 { // #general, #random, the direct chat, #lobby
		t.Errorf("admin's chats: %v", list)
	}
	want(t, h.do(req{method: "POST", path: chatPath + "/typing", token: bob.token}), 204)
	want(t, h.do(req{method: "DELETE", path: "/api/chats/" + itoa(idOf(t, d1)), token: admin.token}), 204)
	want(t, h.do(req{method: "DELETE", path: wsPath + "/members/" + itoa(carol.id), token: admin.token}), 204)
	want(t, h.do(req{method: "POST", path: "/api/me/password", token: bob.token, body: map[string]any{
		"current_password": "correct horse battery", "new_password": "a better password",
	}}), 204)
}

// TestMessageFlow covers messages, idempotent retries, paging, threads,
// reactions with an encoded emoji, mentions and the read marker.
func TestMessageFlow(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	ch := want(t, h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/chats", ws), token: admin.token,
		body: map[string]any{"type": "public_channel", "name": "lobby"}}), 201)
	chatPath := "/api/chats/" + itoa(idOf(t, ch))
	want(t, h.do(req{method: "POST", path: chatPath + "/join", token: bob.token}), 200)

	send := map[string]any{"content": "hello @bob", "client_id": "c-1"}
	m1 := want(t, h.do(req{method: "POST", path: chatPath + "/messages", token: admin.token, body: send}), 201)
	again := want(t, h.do(req{method: "POST", path: chatPath + "/messages", token: admin.token, body: send}), 200)
	if idOf(t, m1) != idOf(t, again) {
		t.Fatalf("retry created message %d, want %d", idOf(t, again), idOf(t, m1))
	}
	msgPath := chatPath + "/messages/" + itoa(idOf(t, m1))
	for i := range 3 {
		want(t, h.do(req{method: "POST", path: chatPath + "/messages", token: bob.token, body: map[string]any{"content": "msg " + itoa(int64(i))}}), 201)
	}
	want(t, h.do(req{method: "POST", path: chatPath + "/messages", token: bob.token,
		body: map[string]any{"content": "a reply", "reply_to": idOf(t, m1)}}), 201)

	page := want(t, h.do(req{method: "GET", path: chatPath + "/messages?limit=2", token: admin.token}), 200).json(t)
	if n := len(page["messages"].([]any)); n != 2 || page["has_more"] != true {
		t.Errorf("latest page: %d messages, has_more %v", n, page["has_more"])
	}
	for _, tc := range []struct {
		query string
		seqs  []float64
		more  bool
	}{
		{"after_seq=0&limit=2", []float64{1, 2}, true},
		{"after_seq=0&limit=5", []float64{1, 2, 3, 4, 5}, false},
		{"after_seq=3", []float64{4, 5}, false},
		{"before_seq=0", nil, false},
		{"before_seq=1", nil, false},
	} {
		p := want(t, h.do(req{method: "GET", path: chatPath + "/messages?" + tc.query, token: admin.token}), 200).json(t)
		var seqs []float64
		for _, m := range p["messages"].([]any) {
			seqs = append(seqs, m.(map[string]any)["seq"].(float64))
		}
		if !slices.Equal(seqs, tc.seqs) || p["has_more"] != tc.more {
			t.Errorf("%s: seqs %v has_more %v, want %v %v", tc.query, seqs, p["has_more"], tc.seqs, tc.more)
		}
	}
	older := want(t, h.do(req{method: "GET", path: chatPath + "/messages?before_seq=2", token: admin.token}), 200).json(t)
	if n := len(older["messages"].([]any)); n != 1 {
		t.Errorf("before_seq=2: %d messages, want 1", n)
	}
	thread := want(t, h.do(req{method: "GET", path: chatPath + "/messages?thread=" + itoa(idOf(t, m1)), token: admin.token}), 200).json(t)
	if n := len(thread["messages"].([]any)); n != 1 {
		t.Errorf("thread: %d replies, want 1", n)
	}

	emoji := "👍"
	want(t, h.do(req{method: "PUT", path: msgPath + "/reactions/" + url.PathEscape(emoji), token: bob.token}), 204)
	want(t, h.do(req{method: "PUT", path: msgPath + "/reactions/" + url.PathEscape(emoji), token: bob.token}), 204)
	got := want(t, h.do(req{method: "GET", path: msgPath, token: bob.token}), 200).json(t)
	rs := got["reactions"].([]any)
	if len(rs) != 1 || rs[0].(map[string]any)["emoji"] != emoji || rs[0].(map[string]any)["count"] != 1.0 || rs[0].(map[string]any)["me"] != true {
		t.Errorf("reactions %v, want one 👍 by me", rs)
	}
	want(t, h.do(req{method: "DELETE", path: msgPath + "/reactions/" + url.PathEscape(emoji), token: bob.token}), 204)

	mentions := want(t, h.do(req{method: "GET", path: "/api/mentions?unread=true", token: bob.token}), 200).json(t)["messages"].([]any)
	if len(mentions) != 1 {
		t.Errorf("bob's unread mentions: %v", mentions)
	}
	want(t, h.do(req{method: "POST", path: chatPath + "/read", token: bob.token, body: map[string]any{"seq": 5}}), 204)

	want(t, h.do(req{method: "PATCH", path: msgPath, token: bob.token, body: map[string]any{"content": "not mine"}}), 403)
	edited := want(t, h.do(req{method: "PATCH", path: msgPath, token: admin.token, body: map[string]any{"content": "hello again"}}), 200).json(t)
	if edited["content"] != "hello again" || edited["edited_at"] == nil {
		t.Errorf("edited %v", edited)
	}
	want(t, h.do(req{method: "DELETE", path: msgPath, token: admin.token}), 204)
	gone := want(t, h.do(req{method: "GET", path: msgPath, token: admin.token}), 200).json(t)
	if gone["deleted"] != true || gone["content"] != "" {
		t.Errorf("deleted message %v", gone)
	}
	if r := h.do(req{method: "GET", path: "/api/chats/999999/messages", token: admin.token}); r.status != http.StatusNotFound {
		t.Errorf("messages of a missing chat: %d, want 404", r.status)
	}
}
