package chat

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
)

// checkValidator runs one validator over a table: want "" means rejected
// with a field error on field.
func checkValidator(t *testing.T, field string, f func(string) (string, error), cases map[string]string, rejected []string) {
	t.Helper()
	for in, want := range cases {
		got, err := f(in)
		if err != nil || got != want {
			t.Errorf("%s(%q) = %q, %v; want %q", field, in, got, err, want)
		}
	}
	for _, in := range rejected {
		_, err := f(in)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.KindInvalid || ae.Fields[field] == "" {
			t.Errorf("%s(%q): err = %v, want a field error on %s", field, in, err, field)
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	checkValidator(t, "email", normalizeEmail, map[string]string{
		"a@b":                             "a@b",
		" Alice@Example.COM  ":            "alice@example.com",
		"first.last+tag@x.io":             "first.last+tag@x.io",
		`"odd@local"@x.io`:                `"odd@local"@x.io`,
		strings.Repeat("a", 250) + "@b.c": strings.Repeat("a", 250) + "@b.c",
	}, []string{
		"", "   ", "alice", "@example.com", "alice@", "al ice@example.com", "alice@exa\tmple.com",
		"a\x00@b.c", "\xff@b.c", strings.Repeat("a", 251) + "@b.c",
	})
}

func TestNormalizeUsername(t *testing.T) {
	checkValidator(t, "username", normalizeUsername, map[string]string{
		"ab":                    "ab",
		"Alice":                 "alice",
		" bob_1.x-y ":           "bob_1.x-y",
		"9lives":                "9lives",
		strings.Repeat("a", 32): strings.Repeat("a", 32),
		"ASSISTANT2":            "assistant2",
	}, []string{
		"", "a", "_ab", ".ab", "-ab", "a b", "a@b", "ünï", strings.Repeat("a", 33),
		"assistant", "Channel", "here", "everyone", "a\x00b",
	})
}

func TestValidateDisplayName(t *testing.T) {
	f := func(s string) (string, error) { return validateDisplayName(s, "fallback") }
	checkValidator(t, "display_name", f, map[string]string{
		"":                      "fallback",
		"   ":                   "fallback",
		" Ada Lovelace ":        "Ada Lovelace",
		"家族 👨‍👩‍👧":              "家族 👨‍👩‍👧", // the zero-width joiner of emoji sequences stays allowed
		strings.Repeat("é", 64): strings.Repeat("é", 64),
	}, []string{
		strings.Repeat("é", 65), "a\nb", "a\x7fb", "right\u202eleft", "iso\u2066late", "\ufeffbom", "\xff",
		"a\u206eb", "a\ufff9hidden\ufffbb", // deprecated format, interlinear annotation
	})
}

func TestValidateWorkspaceName(t *testing.T) {
	f := func(s string) (string, error) { return validateWorkspaceName("name", s) }
	checkValidator(t, "name", f, map[string]string{
		" Team ":                "Team",
		strings.Repeat("w", 80): strings.Repeat("w", 80),
	}, []string{"", " \t ", strings.Repeat("w", 81), "a\rb", "\u202e"})
}

func TestValidateAvatarURL(t *testing.T) {
	checkValidator(t, "avatar_url", validateAvatarURL, map[string]string{
		"":                            "",
		"  ":                          "",
		"https://img.example/a.png":   "https://img.example/a.png",
		"http://localhost:8080/a?b=c": "http://localhost:8080/a?b=c",
		"/api/users/7/avatar?v=0a1b":  "/api/users/7/avatar?v=0a1b",
	}, []string{"/api/users/7/avatar?v=x&y", "/api/users/x/avatar?v=1",
		"ftp://x/a", "javascript:alert(1)", "data:image/png;base64,AAAA", "//x/a.png", "https://", "/relative.png",
		"https://x/a b", "https://x/\x00", "https://x/" + strings.Repeat("a", 2040),
	})
}

func TestValidateLocaleAndTimezone(t *testing.T) {
	checkValidator(t, "locale", validateLocale, map[string]string{
		"": "", "en": "en", "pt-BR": "pt-BR", "zh_Hant_TW": "zh_Hant_TW", "de-DE-1996": "de-DE-1996",
	}, []string{"e", "english", "en-", "en--US", "12", "en US", strings.Repeat("en-abcdefgh", 5)})
	checkValidator(t, "timezone", validateTimezone, map[string]string{
		"": "", "UTC": "UTC", "Europe/Paris": "Europe/Paris", " America/New_York ": "America/New_York",
	}, []string{"Local", "Mars/Olympus", "../etc/passwd", "/etc/localtime", "Europe/Paris\x00", strings.Repeat("A", 65)})
}

func TestInputErrorsCollects(t *testing.T) {
	errs := inputErrors{}
	errs.add("a", nil)
	if errs.err() != nil {
		t.Fatal("no errors gave an error")
	}
	errs.add("email", apperr.Field("email", "bad"))
	errs.add("other", errors.New("plain"))
	var ae *apperr.Error
	if !errors.As(errs.err(), &ae) || ae.Kind != apperr.KindInvalid || ae.Fields["email"] != "bad" || ae.Fields["other"] != "plain" {
		t.Fatalf("err = %#v", errs.err())
	}
}

// FuzzValidators checks that no input makes a validator panic or accept
// something outside its rules.
func FuzzValidators(f *testing.F) {
	for _, s := range []string{"", "a@b", "Alice", "https://x/y", "Europe/Paris", "en-US", "\u202e", "\xff\xfe", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e, err := normalizeEmail(s); err == nil && (len(e) > maxEmailLen || !strings.Contains(e, "@") || e != strings.ToLower(e)) {
			t.Fatalf("email %q accepted as %q", s, e)
		}
		if u, err := normalizeUsername(s); err == nil && !usernamePattern.MatchString(u) {
			t.Fatalf("username %q accepted as %q", s, u)
		}
		if d, err := validateDisplayName(s, "x"); err == nil && (hasUnsafeRunes(d) || utf8.RuneCountInString(d) > maxDisplayNameRunes || d == "") {
			t.Fatalf("display name %q accepted as %q", s, d)
		}
		if a, err := validateAvatarURL(s); err == nil && a != "" && !strings.HasPrefix(a, "http") && !ownAvatarURL.MatchString(a) {
			t.Fatalf("avatar %q accepted as %q", s, a)
		}
		_, _ = validateTimezone(s)
		_, _ = validateLocale(s)
	})
}
