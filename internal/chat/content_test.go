package chat

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
)

func TestNormalizeMessageContent(t *testing.T) {
	for _, tc := range []struct {
		name        string
		content     string
		attachments bool
		want        string // stored content; "" with ok false means refused
		ok          bool
	}{
		{"plain", "hello", false, "hello", true},
		{"newline and tab", "a\n\tb", false, "a\n\tb", true},
		{"markup kept as text", "<script>alert(1)</script>", false, "<script>alert(1)</script>", true},
		{"emoji", "👍🏽 ok", false, "👍🏽 ok", true},
		{"zwj family", "👩\u200d👩\u200d👧", false, "👩\u200d👩\u200d👧", true},
		{"zwj profession with skin tone", "🧑🏽\u200d💻", false, "🧑🏽\u200d💻", true},
		{"flag tag sequence", "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", false, "🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", true},
		{"keycap", "1\ufe0f\u20e3", false, "1\ufe0f\u20e3", true},
		{"persian zwnj", "می\u200cخواهم", false, "می\u200cخواهم", true},
		{"thai zwsp", "สวัสดี\u200bครับ", false, "สวัสดี\u200bครับ", true},
		{"directional marks", "שלום\u200f (abc)\u200e \u061c", false, "שלום\u200f (abc)\u200e \u061c", true},
		{"crlf becomes lf", "a\r\nb\r\n", false, "a\nb\n", true},
		{"lone cr becomes lf", "a\rb", false, "a\nb", true},
		{"max length", strings.Repeat("é", maxContentRunes), false, strings.Repeat("é", maxContentRunes), true},
		{"max length after crlf", strings.Repeat("a\r\n", maxContentRunes/2), false, strings.Repeat("a\n", maxContentRunes/2), true},
		{"empty with attachment", "", true, "", true},
		{"too long", strings.Repeat("a", maxContentRunes+1), false, "", false},
		{"empty", "", false, "", false},
		{"blank", " \n\t\r ", false, "", false},
		{"only zero-width space", "\u200b", false, "", false},
		{"only joiners and marks", "\u200d\u200c\u200e", false, "", false},
		{"only variation selector", "\ufe0f", false, "", false},
		{"only hangul filler", "\u3164", false, "", false},
		{"too long with attachment", strings.Repeat("a", maxContentRunes+1), true, "", false},
		{"nul", "a\x00b", false, "", false},
		{"escape", "\x1b[31mred", false, "", false},
		{"del", "a\x7f", false, "", false},
		{"c1 next line", "a\u0085b", false, "", false},
		{"c1 csi", "a\u009b31mb", false, "", false},
		{"right-to-left override", "abc\u202edcba", false, "", false},
		{"left-to-right embedding", "\u202aabc\u202c", false, "", false},
		{"right-to-left isolate", "a\u2067b\u2069", false, "", false},
		{"first strong isolate", "a\u2068b", false, "", false},
		{"bom", "\ufeffhello", false, "", false},
		{"deprecated format", "a\u206bb", false, "", false},
		{"interlinear annotation", "a\ufff9hidden\ufffbb", false, "", false},
		{"override with attachment", "\u202e", true, "", false},
		{"invalid utf-8", "a\xffb", false, "", false},
		{"invalid utf-8 with attachment", "\xc3", true, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeMessageContent(tc.content, tc.attachments)
			if !tc.ok {
				requireFieldErr(t, err, "content")
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestValidateClientID(t *testing.T) {
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"", true},
		{"b7e1c1f2-0d7a-4c1e-9a57-2f6a1d1f3a01", true},
		{strings.Repeat("x", maxClientIDLen), true},
		{strings.Repeat("x", maxClientIDLen+1), false},
		{"a\nb", false},
		{"\xff", false},
	} {
		err := validateClientID(tc.id)
		if tc.ok != (err == nil) {
			t.Errorf("validateClientID(%q) = %v, want ok=%v", tc.id, err, tc.ok)
		}
		if err != nil {
			requireFieldErr(t, err, "client_id")
		}
	}
}

func TestParseMentions(t *testing.T) {
	for _, tc := range []struct {
		text  string
		names []string
		all   bool
	}{
		{"hi @bob", []string{"bob"}, false},
		{"@Bob and @ALICE", []string{"bob", "alice"}, false},
		{"thanks @bob.", []string{"bob.", "bob"}, false},
		{"@bob, @bob and @bob!", []string{"bob"}, false},
		{"mail bob@example.com", nil, false},
		{"@@bob", nil, false},
		{"(@bob)", []string{"bob"}, false},
		{"é@bob", nil, false},
		{"@channel please", nil, true},
		{"@here.", nil, true},
		{"@HERE", nil, true},
		{"@everyone", nil, false},
		{"@assistant help", nil, false},
		{"@b", nil, false},
		{"@_bob", nil, false},
		{"@" + strings.Repeat("a", 33), nil, false},
		{"@first.last-name_2", []string{"first.last-name_2"}, false},
		{"@bob\n@carol", []string{"bob", "carol"}, false},
		{"no mentions", nil, false},
		{"@", nil, false},
	} {
		t.Run(tc.text, func(t *testing.T) {
			got := parseMentions(tc.text)
			if !slices.Equal(got.Usernames, tc.names) || got.All != tc.all {
				t.Fatalf("parseMentions(%q) = %+v, want names %v all %v", tc.text, got, tc.names, tc.all)
			}
		})
	}
}

func TestParseMentionsBounded(t *testing.T) {
	var b strings.Builder
	for i := range 3 * maxMentionNames {
		b.WriteString("@user")
		b.WriteString(strings.Repeat("x", i%20))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString(" ")
	}
	if got := parseMentions(b.String()); len(got.Usernames) > maxMentionNames {
		t.Fatalf("got %d usernames, want at most %d", len(got.Usernames), maxMentionNames)
	}
}

// FuzzNormalizeContent: whatever is accepted is stored as sent up to line
// endings, and holds nothing the rules refuse, checked against the ranges
// written out here rather than the code's own predicates.
func FuzzNormalizeContent(f *testing.F) {
	for _, s := range []string{"", "hello", "a\r\n", "\r", "\x00", "\xff\xfe", "👍🏽", "👩\u200d👩\u200d👧",
		"abc\u202edcba", "\u2066x\u2069", "\ufeff", "\u200b", "\u0085", "\ufff9", strings.Repeat("a", maxContentRunes+1)} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, attachments bool) {
		out, err := normalizeMessageContent(s, attachments)
		if err != nil {
			requireFieldErr(t, err, "content")
			return
		}
		if want := strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"); out != want {
			t.Fatalf("stored %q for %q, want %q", out, s, want)
		}
		if again, err := normalizeMessageContent(out, attachments); err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q, %v", out, again, err)
		}
		if !utf8.ValidString(out) {
			t.Fatalf("accepted invalid UTF-8 %q", s)
		}
		if n := utf8.RuneCountInString(out); n > maxContentRunes {
			t.Fatalf("accepted %d characters", n)
		}
		if !attachments && strings.TrimSpace(out) == "" {
			t.Fatalf("accepted empty content %q", s)
		}
		for _, r := range out {
			if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) ||
				(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x206f) || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb) {
				t.Fatalf("accepted %U in %q", r, s)
			}
		}
	})
}

func FuzzParseMentions(f *testing.F) {
	for _, s := range []string{"@bob", "hi @Bob.", "a@b.c", "@channel", "@@x", "@é", "\xff@bob", "@bob-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		pm := parseMentions(s)
		lower := asciiLower(s)
		seen := map[string]bool{}
		if len(pm.Usernames) > maxMentionNames {
			t.Fatalf("%d usernames", len(pm.Usernames))
		}
		for _, u := range pm.Usernames {
			if !strings.Contains(lower, "@"+u) {
				t.Fatalf("username %q does not follow an @ in %q", u, s)
			}
			if !usernamePattern.MatchString(u) || reservedUsernames[u] || seen[u] {
				t.Fatalf("bad or repeated username %q from %q", u, s)
			}
			seen[u] = true
		}
		if pm.All && !strings.Contains(lower, "@channel") && !strings.Contains(lower, "@here") {
			t.Fatalf("All without @channel or @here in %q", s)
		}
	})
}

// requireFieldErr fails unless err is a 400 naming field.
func requireFieldErr(t testing.TB, err error, field string) {
	t.Helper()
	if apperr.KindOf(err) != apperr.KindInvalid {
		t.Fatalf("got %v, want a validation error", err)
	}
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Fields[field] == "" {
		t.Fatalf("got %v, want a field error for %q", err, field)
	}
}
