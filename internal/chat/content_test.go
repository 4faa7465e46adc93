package chat

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
)

func TestValidateMessageContent(t *testing.T) {
	for _, tc := range []struct {
		name        string
		content     string
		attachments bool
		ok          bool
	}{
		{"plain", "hello", false, true},
		{"newline and tab", "a\n\tb", false, true},
		{"markup kept as text", "<script>alert(1)</script>", false, true},
		{"emoji", "👍🏽 ok", false, true},
		{"max length", strings.Repeat("é", maxContentRunes), false, true},
		{"too long", strings.Repeat("a", maxContentRunes+1), false, false},
		{"empty", "", false, false},
		{"blank", " \n\t ", false, false},
		{"empty with attachment", "", true, true},
		{"too long with attachment", strings.Repeat("a", maxContentRunes+1), true, false},
		{"carriage return", "a\r\nb", false, false},
		{"nul", "a\x00b", false, false},
		{"escape", "\x1b[31mred", false, false},
		{"del", "a\x7f", false, false},
		{"c1 control", "a\u0085b", false, false},
		{"invalid utf-8", "a\xffb", false, false},
		{"invalid utf-8 with attachment", "\xc3", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := validateMessageContent(tc.content, tc.attachments)
			if tc.ok {
				if err != nil {
					t.Fatalf("got %v, want ok", err)
				}
				return
			}
			requireFieldErr(t, err, "content")
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

func FuzzValidateContent(f *testing.F) {
	for _, s := range []string{"", "hello", "a\r\n", "\x00", "\xff\xfe", "👍🏽", strings.Repeat("a", maxContentRunes+1)} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, attachments bool) {
		err := validateMessageContent(s, attachments)
		if err != nil {
			requireFieldErr(t, err, "content")
			return
		}
		if !utf8.ValidString(s) {
			t.Fatalf("accepted invalid UTF-8 %q", s)
		}
		if n := utf8.RuneCountInString(s); n > maxContentRunes {
			t.Fatalf("accepted %d characters", n)
		}
		if !attachments && strings.TrimSpace(s) == "" {
			t.Fatalf("accepted empty content %q", s)
		}
		for _, r := range s {
			if unicode.IsControl(r) && r != '\n' && r != '\t' {
				t.Fatalf("accepted control character %U", r)
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
