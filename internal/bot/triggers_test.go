package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		in, name, input string
		ok              bool
	}{
		{"/ask what now?", "ask", "what now?", true},
		{"  /Summarize 20", "summarize", "20", true},
		{"/help", "help", "", true},
		{"/translate\nGerman", "translate", "German", true},
		{"ask /ask", "", "", false},
		{"/", "", "", false},
		{"/1abc", "", "", false},
		{"/path/to/file", "", "", false},
		{"//ask", "", "", false},
	} {
		name, input, ok := chat.ParseCommand(tc.in)
		if name != tc.name || input != tc.input || ok != tc.ok {
			t.Errorf("parseCommand(%q) = %q, %q, %v; want %q, %q, %v", tc.in, name, input, ok, tc.name, tc.input, tc.ok)
		}
	}
}

func TestMentions(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ok   bool
		rest string
	}{
		{"@assistant hi", true, "hi"},
		{"hey @Assistant, what's up", true, "hey , what's up"},
		{"ping @assistant", true, "ping"},
		{"@assistants are many", false, ""},
		{"mail me@assistant.org", false, ""},
		{"@assistant_bot", false, ""},
		{"no mention", false, ""},
	} {
		ok, rest := mentions(tc.in, "assistant")
		if ok != tc.ok || ok && rest != tc.rest {
			t.Errorf("mentions(%q) = %v, %q; want %v, %q", tc.in, ok, rest, tc.ok, tc.rest)
		}
	}
}

func TestParseSummaryRange(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in    string
		n     int
		since time.Time
		ok    bool
	}{
		{"", defaultSummaryN, time.Time{}, true},
		{"20", 20, time.Time{}, true},
		{"5000", 200, time.Time{}, true},
		{"since 2h", 200, now.Add(-2 * time.Hour), true},
		{"since 3d", 200, now.Add(-72 * time.Hour), true},
		{"since 2026-12-01", 200, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), true},
		{"0", 0, time.Time{}, false},
		{"-3", 0, time.Time{}, false},
		{"since yesterday", 0, time.Time{}, false},
		{"lots", 0, time.Time{}, false},
	} {
		r, ok := parseSummaryRange(tc.in, now)
		if ok != tc.ok || ok && (r.n != tc.n || !r.since.Equal(tc.since)) {
			t.Errorf("parseSummaryRange(%q) = %+v, %v; want n %d since %v, %v", tc.in, r, ok, tc.n, tc.since, tc.ok)
		}
	}
}

// TestTranscriptDropsOldestFirst: within the context budget the newest
// messages are kept, in order.
func TestTranscriptDropsOldestFirst(t *testing.T) {
	s := &Service{cfg: Config{ContextTokens: 45}}
	var msgs []model.Message
	for _, text := range []string{"first old message here", "second message", "third message", "newest message"} {
		msgs = append(msgs, model.Message{Content: text, Sender: model.User{Username: "u", DisplayName: "U"}})
	}
	got := s.transcript(msgs)
	if strings.Contains(got, "first old") || !strings.Contains(got, "newest message") {
		t.Fatalf("transcript kept the wrong end:\n%s", got)
	}
	if strings.Index(got, "third") > strings.Index(got, "newest") {
		t.Fatalf("transcript out of order:\n%s", got)
	}
}

func TestCheckCommand(t *testing.T) {
	good, err := checkCommand(CommandInput{Name: " /Standup ", Description: "d", Template: " t "})
	if err != nil || good.Name != "standup" || good.Template != "t" {
		t.Fatalf("checkCommand = %+v, %v", good, err)
	}
	for _, in := range []CommandInput{
		{Name: "help", Template: "t"},
		{Name: "two words", Template: "t"},
		{Name: "ok", Template: "  "},
		{Name: "ok", Template: strings.Repeat("x", maxTemplate+1)},
		{Name: "ok", Template: "t", Description: strings.Repeat("x", maxDescription+1)},
	} {
		if _, err := checkCommand(in); err == nil {
			t.Errorf("checkCommand(%+v) accepted", in)
		}
	}
}
