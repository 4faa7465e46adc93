package api

import "testing"

// chatByName finds a chat by name in a list answer.
func chatByName(t *testing.T, r resp, name string) map[string]any {
	t.Helper()
	for _, c := range r.json(t)["chats"].([]any) {
		if m := c.(map[string]any); m["name"] == name {
			return m
		}
	}
	return nil
}

func TestNewWorkspaceHasGeneralAndRandom(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	wsPath := "/api/workspaces/" + itoa(ws)
	bob := h.join(admin, ws, "bob")
	for _, name := range []string{"general", "random"} {
		c := chatByName(t, want(t, h.do(req{method: "GET", path: wsPath + "/chats", token: bob.token}), 200), name)
		if c == nil || c["auto_join"] != true || c["type"] != "public_channel" {
			t.Fatalf("bob's #%s: %v", name, c)
		}
		if c["member_count"] != float64(2) {
			t.Errorf("#%s member_count %v, want 2", name, c["member_count"])
		}
	}
	// A workspace made later gets its own #general; a member accepting an
	// invite (no sign-up) lands in it too.
	side := idOf(t, want(t, h.do(req{method: "POST", path: "/api/workspaces", token: admin.token, body: map[string]any{"name": "Side"}}), 201))
	inv := want(t, h.do(req{method: "POST", path: "/api/workspaces/" + itoa(side) + "/invites", token: admin.token}), 201).json(t)
	want(t, h.do(req{method: "POST", path: "/api/invites/" + inv["code"].(string) + "/accept", token: bob.token}), 200)
	if chatByName(t, want(t, h.do(req{method: "GET", path: "/api/workspaces/" + itoa(side) + "/chats", token: bob.token}), 200), "general") == nil {
		t.Fatal("bob is not in Side's #general after accepting the invite")
	}
}

func TestChannelSettings(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	wsPath := "/api/workspaces/" + itoa(ws)
	bob := h.join(admin, ws, "bob")
	carol := h.join(admin, ws, "carol")
	side := idOf(t, want(t, h.do(req{method: "POST", path: "/api/workspaces", token: admin.token, body: map[string]any{"name": "Side"}}), 201))
	eve := h.join(admin, side, "eve") // another workspace only

	ch := want(t, h.do(req{method: "POST", path: wsPath + "/chats", token: admin.token,
		body: map[string]any{"type": "public_channel", "name": "design", "member_ids": []int64{bob.id, carol.id}}}), 201)
	chatPath := "/api/chats/" + itoa(idOf(t, ch))

	// Description: channel admins only; control characters refused.
	want(t, h.do(req{method: "PATCH", path: chatPath, token: bob.token, body: map[string]any{"description": "x"}}), 403)
	want(t, h.do(req{method: "PATCH", path: chatPath, token: admin.token, body: map[string]any{"description": "a\x01b"}}), 400)
	d := want(t, h.do(req{method: "PATCH", path: chatPath, token: admin.token, body: map[string]any{"description": "Line one\nline two"}}), 200).json(t)
	if d["description"] != "Line one\nline two" {
		t.Errorf("description %v", d["description"])
	}

	// Roles: a plain member cannot promote; an admin can, and the new
	// admin may then archive.
	role := func(tok string, user int64, r string) resp {
		return h.do(req{method: "PATCH", path: chatPath + "/members/" + itoa(user), token: tok, body: map[string]any{"role": r}})
	}
	want(t, role(bob.token, carol.id, "admin"), 403)
	want(t, role(admin.token, bob.id, "owner"), 400)
	want(t, role(admin.token, eve.id, "admin"), 404)
	want(t, role(eve.token, bob.id, "admin"), 404)
	if m := want(t, role(admin.token, bob.id, "admin"), 200).json(t); m["role"] != "admin" {
		t.Errorf("bob's role %v", m["role"])
	}

	// Archive: read-only, hidden from the browser; carol (member) cannot.
	want(t, h.do(req{method: "PUT", path: chatPath + "/archive", token: carol.token}), 403)
	want(t, h.do(req{method: "PUT", path: chatPath + "/archive", token: eve.token}), 404)
	a := want(t, h.do(req{method: "PUT", path: chatPath + "/archive", token: bob.token}), 200).json(t)
	if a["archived_at"] == nil {
		t.Fatalf("archived chat has no archived_at: %v", a)
	}
	send := func(tok string) resp {
		return h.do(req{method: "POST", path: chatPath + "/messages", token: tok, body: map[string]any{"content": "hi"}})
	}
	want(t, send(carol.token), 403)
	want(t, h.do(req{method: "PATCH", path: chatPath, token: admin.token, body: map[string]any{"topic": "t"}}), 403)
	want(t, h.do(req{method: "DELETE", path: chatPath + "/members/" + itoa(carol.id), token: carol.token}), 204) // leaving still works
	if chatByName(t, want(t, h.do(req{method: "GET", path: wsPath + "/channels", token: carol.token}), 200), "design") != nil {
		t.Error("an archived channel is offered in the browser")
	}
	want(t, h.do(req{method: "POST", path: chatPath + "/join", token: carol.token}), 403)
	u := want(t, h.do(req{method: "DELETE", path: chatPath + "/archive", token: bob.token}), 200).json(t)
	if _, ok := u["archived_at"]; ok {
		t.Errorf("unarchived chat still has archived_at: %v", u)
	}
	want(t, send(bob.token), 201)
	if chatByName(t, want(t, h.do(req{method: "GET", path: wsPath + "/channels", token: carol.token}), 200), "design") == nil {
		t.Error("the unarchived channel is not offered again")
	}

	// Direct chats cannot be archived.
	dm := want(t, h.do(req{method: "POST", path: wsPath + "/chats", token: admin.token, body: map[string]any{"type": "direct", "member_ids": []int64{bob.id}}}), 201)
	want(t, h.do(req{method: "PUT", path: "/api/chats/" + itoa(idOf(t, dm)) + "/archive", token: admin.token}), 403)
}

func TestPinsAndSaved(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	wsPath := "/api/workspaces/" + itoa(ws)
	bob := h.join(admin, ws, "bob")
	carol := h.join(admin, ws, "carol")
	side := idOf(t, want(t, h.do(req{method: "POST", path: "/api/workspaces", token: admin.token, body: map[string]any{"name": "Side"}}), 201))
	eve := h.join(admin, side, "eve")

	priv := want(t, h.do(req{method: "POST", path: wsPath + "/chats", token: admin.token,
		body: map[string]any{"type": "private_channel", "name": "core", "member_ids": []int64{bob.id}}}), 201)
	chatPath := "/api/chats/" + itoa(idOf(t, priv))
	msg := want(t, h.do(req{method: "POST", path: chatPath + "/messages", token: admin.token, body: map[string]any{"content": "the plan"}}), 201)
	pin := chatPath + "/messages/" + itoa(idOf(t, msg)) + "/pin"

	// Non-members (same workspace or another) see nothing.
	for _, tok := range []string{carol.token, eve.token} {
		want(t, h.do(req{method: "PUT", path: pin, token: tok}), 404)
		want(t, h.do(req{method: "GET", path: chatPath + "/pins", token: tok}), 404)
		want(t, h.do(req{method: "PUT", path: chatPath + "/messages/" + itoa(idOf(t, msg)) + "/saved", token: tok}), 404)
	}
	want(t, h.do(req{method: "PUT", path: pin, token: bob.token}), 204)
	want(t, h.do(req{method: "PUT", path: pin, token: bob.token}), 204) // twice is harmless
	want(t, h.do(req{method: "PUT", path: chatPath + "/messages/999999/pin", token: bob.token}), 404)
	pins := want(t, h.do(req{method: "GET", path: chatPath + "/pins", token: admin.token}), 200).json(t)["messages"].([]any)
	if len(pins) != 1 || pins[0].(map[string]any)["content"] != "the plan" {
		t.Fatalf("pins %v", pins)
	}
	want(t, h.do(req{method: "DELETE", path: pin, token: admin.token}), 204)
	if pins := want(t, h.do(req{method: "GET", path: chatPath + "/pins", token: bob.token}), 200).json(t)["messages"].([]any); len(pins) != 0 {
		t.Fatalf("pins after unpin %v", pins)
	}

	// Saved messages are per user and vanish with membership.
	want(t, h.do(req{method: "PUT", path: chatPath + "/messages/" + itoa(idOf(t, msg)) + "/saved", token: bob.token}), 204)
	saved := func(tok string) []any {
		return want(t, h.do(req{method: "GET", path: "/api/me/saved", token: tok}), 200).json(t)["messages"].([]any)
	}
	if s := saved(bob.token); len(s) != 1 {
		t.Fatalf("bob's saved %v", s)
	}
	if s := saved(admin.token); len(s) != 0 {
		t.Fatalf("admin's saved %v", s)
	}
	want(t, h.do(req{method: "DELETE", path: chatPath + "/members/" + itoa(bob.id), token: admin.token}), 204)
	if s := saved(bob.token); len(s) != 0 {
		t.Fatalf("bob still sees a saved message of a chat he left: %v", s)
	}
}
