package api

import (
	"fmt"
	"strings"
	"testing"
)

// TestMessageContentRules: send and edit refuse control and bidi
// formatting characters with a 400 naming content, keep tabs, newlines
// and emoji joiner sequences, and store CRLF as LF (internal/chat/RULES.md).
func TestMessageContentRules(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	ch := want(t, h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/chats", ws), token: admin.token,
		body: map[string]any{"type": "public_channel", "name": "lobby"}}), 201)
	msgs := "/api/chats/" + itoa(idOf(t, ch)) + "/messages"
	orig := want(t, h.do(req{method: "POST", path: msgs, token: admin.token, body: map[string]any{"content": "first"}}), 201)
	msg := msgs + "/" + itoa(idOf(t, orig))

	for _, tc := range []struct {
		name, content, stored string
		ok                    bool
	}{
		{"tabs and newlines", "a\tb\nc", "a\tb\nc", true},
		{"emoji zwj sequence", "👩\u200d👩\u200d👧 🧑🏽\u200d💻", "👩\u200d👩\u200d👧 🧑🏽\u200d💻", true},
		{"crlf", "one\r\ntwo", "one\ntwo", true},
		{"right-to-left override", "invoice_\u202Efdp.exe", "", false},
		{"isolate", "a\u2066b\u2069", "", false},
		{"c0 control", "bell\x07", "", false},
		{"c1 control", "a\u009bb", "", false},
	} {
		for _, op := range []struct{ method, path string }{{"POST", msgs}, {"PATCH", msg}} {
			t.Run(tc.name+" "+op.method, func(t *testing.T) {
				r := h.do(req{method: op.method, path: op.path, token: admin.token, body: map[string]any{"content": tc.content}})
				if !tc.ok {
					want(t, r, 400)
					fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
					if _, ok := fields["content"]; !ok {
						t.Fatalf("fields %v do not name content", fields)
					}
					return
				}
				if r.status != 200 && r.status != 201 {
					t.Fatalf("got %d %s", r.status, r.body)
				}
				got := want(t, h.do(req{method: "GET", path: msgs + "/" + itoa(idOf(t, r)), token: admin.token}), 200).json(t)
				if got["content"] != tc.stored {
					t.Fatalf("stored %q, want %q", got["content"], tc.stored)
				}
			})
		}
	}
}

// TestContentRulesDocumented: the OpenAPI description of message content
// states the rule for both send and edit.
func TestContentRulesDocumented(t *testing.T) {
	h := newHarness(t, nil, nil)
	schemas := h.doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range []string{"MessageCreate", "MessagePatch"} {
		props := schemas[name].(map[string]any)["properties"].(map[string]any)
		desc, _ := props["content"].(map[string]any)["description"].(string)
		for _, want := range []string{"U+202A–U+202E", "U+2066–U+2069", "U+200D", "newline and tab"} {
			if !strings.Contains(desc, want) {
				t.Errorf("%s content description lacks %q: %q", name, want, desc)
			}
		}
	}
}
