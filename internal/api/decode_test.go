package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
)

// TestBadRequestBodies: every kind of broken body is a 4xx with a code,
// never a 500, through the real server and services.
func TestBadRequestBodies(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	chats := fmt.Sprintf("/api/workspaces/%d/chats", ws)
	for _, tc := range []struct {
		name, path, body, ctype string
		status                  int
		code, field             string
	}{
		{"malformed", "/api/workspaces", `{"name":`, "application/json", 400, "invalid_request", ""},
		{"syntax error", "/api/workspaces", `{"name" "x"}`, "application/json", 400, "invalid_request", ""},
		{"wrong type", "/api/workspaces", `{"name": 5}`, "application/json", 400, "invalid_request", "name"},
		{"unknown field", "/api/workspaces", `{"name": "x", "owner_id": 1}`, "application/json", 400, "invalid_request", "owner_id"},
		{"trailing object", "/api/workspaces", `{"name": "x"} {"name": "y"}`, "application/json", 400, "invalid_request", ""},
		{"trailing garbage", "/api/workspaces", `{"name": "x"} garbage`, "application/json", 400, "invalid_request", ""},
		{"empty body", "/api/workspaces", ``, "application/json", 400, "invalid_request", ""},
		{"whitespace body", "/api/workspaces", "  \n ", "application/json", 400, "invalid_request", ""},
		{"array", "/api/workspaces", `[{"name": "x"}]`, "application/json", 400, "invalid_request", ""},
		{"null", "/api/workspaces", `null`, "application/json", 400, "invalid_request", ""},
		{"string", "/api/workspaces", `"x"`, "application/json", 400, "invalid_request", ""},
		{"text/plain", "/api/workspaces", `{"name": "x"}`, "text/plain", 415, "unsupported_media_type", ""},
		{"form", "/api/workspaces", `name=x`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
		{"no content type", "/api/workspaces", `{"name": "x"}`, "", 415, "unsupported_media_type", ""},
		{"latin1 charset", "/api/workspaces", `{"name": "x"}`, "application/json; charset=latin1", 415, "unsupported_media_type", ""},
		{"oversize", "/api/workspaces", `{"name": "` + strings.Repeat("x", testMaxBody) + `"}`, "application/json", 413, "payload_too_large", ""},
		{"nested wrong type", chats, `{"type": "group", "member_ids": ["a"]}`, "application/json", 400, "invalid_request", "member_ids"},
		{"integer overflow", chats, `{"type": "group", "member_ids": [1e30]}`, "application/json", 400, "invalid_request", "member_ids"},
		{"fraction for id", chats, `{"type": "group", "member_ids": [1.5]}`, "application/json", 400, "invalid_request", "member_ids"},
		{"bad chat type", chats, `{"type": "secret", "name": "x"}`, "application/json", 400, "invalid_request", "type"},
		{"missing seq", "/api/chats/1/read", `{}`, "application/json", 400, "invalid_request", "seq"},
		{"bad role", fmt.Sprintf("/api/workspaces/%d/members/1", ws), `{"role": "king"}`, "application/json", 400, "invalid_request", "role"},
		{"signin wrong type", "/api/auth/signin", `{"email": ["a"], "password": "x"}`, "application/json", 400, "invalid_request", "email"},
		{"setup done", "/api/setup", `{"email": "a@b.c", "password": "12345678", "username": "x", "workspace_name": "w"}`, "application/json", 409, "conflict", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if strings.Contains(tc.path, "/members/") {
				method = "PATCH"
			}
			r := h.do(req{method: method, path: tc.path, token: admin.token, body: tc.body, contentType: tc.ctype})
			if r.status != tc.status || r.errCode(t) != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.status, r.body, tc.status, tc.code)
			}
			if tc.field == "" {
				return
			}
			fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
			if !hasFieldPrefix(fields, tc.field) {
				t.Errorf("fields %v do not name %q", fields, tc.field)
			}
		})
	}
}

// hasFieldPrefix reports whether a field error names field (or an element of it).
func hasFieldPrefix(fields map[string]any, field string) bool {
	for k := range fields {
		if k == field || strings.HasPrefix(k, field+".") || strings.HasPrefix(k, field+"[") {
			return true
		}
	}
	return false
}

// TestOversizeChunkedBody: a body without Content-Length is cut at the
// limit while it is read, still answering 413.
func TestOversizeChunkedBody(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, _ := h.setup()
	pr, pw := io.Pipe()
	go func() {
		_, _ = io.WriteString(pw, `{"name": "`+strings.Repeat("x", 2*testMaxBody)+`"}`)
		_ = pw.Close()
	}()
	rq, err := http.NewRequest("POST", h.srv.URL+"/api/workspaces", pr)
	if err != nil {
		t.Fatal(err)
	}
	rq.Header.Set("Content-Type", "application/json")
	rq.Header.Set("Authorization", "Bearer "+admin.token)
	res, err := h.srv.Client().Do(rq)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, pr) // let the writer finish if the server stopped reading
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("got %d %s, want 413", res.StatusCode, body)
	}
}

// TestQueryValidation: out-of-range and malformed query parameters are 400.
func TestQueryValidation(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	ch := h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/chats", ws), token: admin.token,
		body: map[string]any{"type": "public_channel", "name": "lobby"}})
	if ch.status != http.StatusCreated {
		t.Fatalf("create chat: %d %s", ch.status, ch.body)
	}
	msgs := fmt.Sprintf("/api/chats/%d/messages", int64(ch.json(t)["id"].(float64)))
	for _, tc := range []struct {
		query  string
		status int
		field  string
	}{
		{"", 200, ""},
		{"?limit=1", 200, ""},
		{"?limit=200", 200, ""},
		{"?limit=0", 400, "limit"},
		{"?limit=201", 400, "limit"},
		{"?limit=-3", 400, "limit"},
		{"?limit=ten", 400, "limit"},
		{"?limit=", 400, "limit"},
		{"?before_seq=0", 200, ""},
		{"?before_seq=-1", 400, "before_seq"},
		{"?before_seq=0&after_seq=0", 400, "before_seq"},
		{"?after_seq=", 400, "after_seq"},
		{"?before_seq=5&after_seq=1", 400, "before_seq"},
		{"?after_seq=-1", 400, "after_seq"},
		{"?after_seq=0", 200, ""},
		{"?thread=x", 400, "thread"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			r := h.do(req{method: "GET", path: msgs + tc.query, token: admin.token})
			if r.status != tc.status {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tc.status)
			}
			if tc.field != "" {
				fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
				if _, ok := fields[tc.field]; !ok {
					t.Errorf("fields %v do not name %s", fields, tc.field)
				}
			}
		})
	}
	for _, q := range []string{"?unread=maybe", "?limit=999"} {
		if r := h.do(req{method: "GET", path: "/api/mentions" + q, token: admin.token}); r.status != 400 {
			t.Errorf("mentions%s: %d, want 400", q, r.status)
		}
	}
}

// decodeTarget stands for a request body with the field kinds the API uses.
type decodeTarget struct {
	Name   string  `json:"name"`
	Seq    *int64  `json:"seq"`
	IDs    []int64 `json:"ids"`
	On     bool    `json:"on"`
	Nested struct {
		A int `json:"a"`
	} `json:"nested"`
	Pointer *string `json:"pointer"`
}

// TestDecodeBody covers the decoder's verdicts directly.
func TestDecodeBody(t *testing.T) {
	for _, tc := range []struct {
		name, ctype, body string
		required          bool
		kind              apperr.Kind // KindInternal here means "no error"
	}{
		{"ok", "application/json", `{"name": "x", "seq": 3, "ids": [1, 2]}`, true, apperr.KindInternal},
		{"ok utf-8 charset", "application/json; charset=UTF-8", `{"name": "x"}`, true, apperr.KindInternal},
		{"optional empty", "", ``, false, apperr.KindInternal},
		{"optional empty with other type", "text/plain", ``, false, apperr.KindInternal},
		{"required empty", "application/json", ``, true, apperr.KindInvalid},
		{"bad content type", "application/jsonx", `{}`, false, apperr.KindUnsupportedMedia},
		{"malformed content type", "application/json; ;;", `{}`, false, apperr.KindUnsupportedMedia},
		{"nested wrong type", "application/json", `{"nested": {"a": "x"}}`, true, apperr.KindInvalid},
		{"unknown nested", "application/json", `{"nested": {"b": 1}}`, true, apperr.KindInvalid},
		{"bool as string", "application/json", `{"on": "true"}`, true, apperr.KindInvalid},
		{"truncated", "application/json", `{"ids": [1, 2`, true, apperr.KindInvalid},
		{"two objects", "application/json", `{}{}`, true, apperr.KindInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var dst decodeTarget
			err := decodeBody(tc.ctype, []byte(tc.body), &dst, tc.required)
			if tc.kind == apperr.KindInternal {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if got := apperr.KindOf(err); got != tc.kind {
				t.Fatalf("got %v (%s), want %s", err, got.Code(), tc.kind.Code())
			}
		})
	}
}

// FuzzDecodeJSON: whatever arrives, the decoder answers nil or a 4xx
// apperr (never a panic or an internal error), and what it accepts is one
// valid JSON object.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"name": "x", "seq": 3, "ids": [1, 2], "on": true, "nested": {"a": 1}, "pointer": null}`,
		`{"name": 5}`, `{"bogus": 1}`, `{} {}`, `[1]`, `null`, ``, `{"seq": 1e400}`, `{"ids": [-1, 9223372036854775808]}`,
		"{\"name\": \"\xff\"}", `{"nested": {"a": 1, "b": 2}}`, `{"name": "x"`,
	} {
		f.Add("application/json", []byte(seed))
	}
	f.Add("text/plain", []byte(`{}`))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		var dst decodeTarget
		err := decodeBody(ctype, body, &dst, true)
		if err == nil {
			if !json.Valid(body) || !strings.HasPrefix(strings.TrimLeft(string(body), " \t\r\n"), "{") {
				t.Fatalf("accepted %q, which is not one JSON object", body)
			}
			return
		}
		kind := apperr.KindOf(err)
		if kind != apperr.KindInvalid && kind != apperr.KindUnsupportedMedia {
			t.Fatalf("%q (%q) gave %v (%s), want invalid_request or unsupported_media_type", body, ctype, err, kind.Code())
		}
	})
}
