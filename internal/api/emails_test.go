package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
)

// TestUserJSONPrefix pins what redactEmails relies on: a user's JSON
// starts with its id and then its email.
func TestUserJSONPrefix(t *testing.T) {
	b, _ := json.Marshal(model.User{ID: 7, Email: "a@b"})
	if !strings.HasPrefix(string(b), `{"id":7,"email":"a@b",`) {
		t.Fatalf("model.User JSON starts %s", b)
	}
}

func TestRedactEmails(t *testing.T) {
	for _, tc := range []struct{ name, in, out string }{
		{"others blanked", `{"users":[{"id":1,"email":"a@x","u":1},{"id":2,"email":"b@x"}]}`,
			`{"users":[{"id":1,"email":"","u":1},{"id":2,"email":"b@x"}]}`},
		{"own kept", `{"id":2,"email":"b@x"}`, `{"id":2,"email":"b@x"}`},
		{"escaped address", `[{"id":3,"email":"q\"x@y"}]`, `[{"id":3,"email":""}]`},
		{"look-alike in a string", `{"content":"{\"id\":1,\"email\":\"a@x\"}"}`, `{"content":"{\"id\":1,\"email\":\"a@x\"}"}`},
		{"not a user", `{"id":1,"name":"x","email":"a@x"}`, `{"id":1,"name":"x","email":"a@x"}`},
		{"nothing", `{}`, `{}`},
	} {
		calls := 0
		got := redactEmails([]byte(tc.in), 2, func() bool { calls++; return false })
		if string(got) != tc.out || calls > 1 {
			t.Errorf("%s: got %s (%d gate calls), want %s", tc.name, got, calls, tc.out)
		}
	}
	calls := 0
	in := `[{"id":1,"email":"a@x"},{"id":3,"email":"c@x"}]`
	if got := redactEmails([]byte(in), 2, func() bool { calls++; return true }); string(got) != in || calls != 1 {
		t.Fatalf("a viewer who sees emails got %s after %d gate calls", got, calls)
	}
	if redactEmails([]byte(`{"id":2,"email":"b@x"}`), 2, func() bool { t.Fatal("gate asked for the viewer's own address"); return false }) == nil {
		t.Fatal("nil")
	}
}

// BenchmarkRedactEmails measures the rule on a page of 50 messages from
// two senders (what GET /api/chats/{chat}/messages answers by default).
func BenchmarkRedactEmails(b *testing.B) {
	msgs := make([]model.Message, 50)
	for i := range msgs {
		id := int64(1 + i%2)
		msgs[i] = model.Message{ID: int64(i + 1), Seq: int64(i + 1), Content: strings.Repeat("words ", 20),
			Sender: model.User{ID: id, Email: "user" + string(rune('a'+id)) + "@example.com", Username: "u"}}
	}
	body, _ := json.Marshal(map[string]any{"messages": msgs, "has_more": true})
	b.Logf("body %d bytes", len(body))
	b.Run("redact", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			redactEmails(body, 1, func() bool { return false })
		}
	})
	// The encoding every answer pays anyway, for scale.
	b.Run("marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(map[string]any{"messages": msgs, "has_more": true})
		}
	})
}
