package api

import (
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/integ"
	"github.com/fechatter/fechatter/storage"
)

// TestMembersListSlashCommands: every member of a workspace reads its
// slash-command integrations for the composer, with name, description
// and usage only; the URL and the signing secret never appear. Members
// of another workspace, and anyone when integrations are off, get 404
// for a workspace they are not in.
func TestMembersListSlashCommands(t *testing.T) {
	h := newHarnessStore(t, nil, func(d *Deps, st storage.Store) {
		d.Integrations = integ.New(integ.Config{}, st, d.Chat.(*chat.Service), nil, nil)
	}, nil)
	admin, ws := h.setup()
	wsPath := "/api/workspaces/" + itoa(ws)
	bob := h.join(admin, ws, "bob")
	side := idOf(t, want(t, h.do(req{method: "POST", path: "/api/workspaces", token: admin.token, body: map[string]any{"name": "Side"}}), 201))
	eve := h.join(admin, side, "eve")

	if got := want(t, h.do(req{method: "GET", path: wsPath + "/commands", token: bob.token}), 200).json(t)["commands"].([]any); len(got) != 0 {
		t.Fatalf("commands before any: %v", got)
	}
	var secrets []string
	for _, c := range []map[string]any{
		{"name": "/deploy", "description": "Deploy a branch to staging", "url": "https://ci.example.com/hooks/deploy-7f3a"},
		{"name": "lunch", "description": "", "url": "https://lunch.example.com/order"},
	} {
		it := want(t, h.do(req{method: "POST", path: wsPath + "/slash-commands", token: admin.token, body: c}), 201).json(t)
		secrets = append(secrets, it["secret"].(string))
	}
	r := want(t, h.do(req{method: "GET", path: wsPath + "/commands", token: bob.token}), 200)
	got := r.json(t)["commands"].([]any)
	if len(got) != 2 {
		t.Fatalf("commands %v, want deploy and lunch", got)
	}
	first := got[0].(map[string]any)
	if len(first) != 3 || first["name"] != "deploy" || first["description"] != "Deploy a branch to staging" || first["usage"] != "/deploy [text]" {
		t.Fatalf("first command %v", first)
	}
	body := string(r.body)
	for _, leak := range append(secrets, "example.com", "https:", "secret", "url", "bot_id") {
		if strings.Contains(body, leak) {
			t.Fatalf("member listing contains %q: %s", leak, body)
		}
	}
	// Admins read the same list; non-members and outsiders get 404.
	want(t, h.do(req{method: "GET", path: wsPath + "/commands", token: admin.token}), 200)
	want(t, h.do(req{method: "GET", path: wsPath + "/commands", token: eve.token}), 404)
	want(t, h.do(req{method: "GET", path: "/api/workspaces/999999/commands", token: bob.token}), 404)
	want(t, h.do(req{method: "GET", path: wsPath + "/commands"}), 401)
	// The admin listing stays admin-only.
	want(t, h.do(req{method: "GET", path: wsPath + "/slash-commands", token: bob.token}), 403)

	off := newHarness(t, nil, nil)
	offAdmin, offWS := off.setup()
	outsider := off.join(offAdmin, idOf(t, want(t, off.do(req{method: "POST", path: "/api/workspaces", token: offAdmin.token, body: map[string]any{"name": "Other"}}), 201)), "olga")
	if got := want(t, off.do(req{method: "GET", path: "/api/workspaces/" + itoa(offWS) + "/commands", token: offAdmin.token}), 200).json(t)["commands"].([]any); len(got) != 0 {
		t.Fatalf("integrations off: %v", got)
	}
	want(t, off.do(req{method: "GET", path: "/api/workspaces/" + itoa(offWS) + "/commands", token: outsider.token}), 404)
}
