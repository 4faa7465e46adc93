// Shared input validation helpers for every use case in package chat (accounts, workspaces, chats, messages).

package chat

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
	// Embedded zone data so that timezone validation gives the same answer
	// on a minimal image without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/fechatter/fechatter/internal/apperr"
)

// Input limits. They are part of the API's behaviour: changing one changes
// what clients may send.
const (
	maxEmailLen         = 254 // RFC 5321 §4.5.3.1.3 path limit, minus the brackets
	maxDisplayNameRunes = 64
	maxWorkspaceRunes   = 80
	maxAvatarURLLen     = 2048
	maxLocaleLen        = 35 // BCP 47 (RFC 5646 §4.4.1) recommends 35
	maxTimezoneLen      = 64
)

// usernamePattern is the allowlist for usernames (after case folding).
var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{1,31}$`)

// localePattern is a bounded BCP 47-like tag: "en", "pt-BR", "zh_Hant_TW".
var localePattern = regexp.MustCompile(`^[A-Za-z]{2,3}([_-][A-Za-z0-9]{1,8}){0,4}$`)

// reservedUsernames cannot be taken by people: "channel", "here" and
// "everyone" are mention keywords, "assistant" is the workspace bot and
// "system" the bot that sends alerts (EnsureBot).
var reservedUsernames = map[string]bool{
	"assistant": true,
	"system":    true,
	"channel":   true,
	"here":      true,
	"everyone":  true,
}

// inputErrors collects field errors so that one response names every bad
// field at once.
type inputErrors map[string]string

// add records err under its apperr fields, or under field when err carries
// none. A nil err is ignored.
func (e inputErrors) add(field string, err error) {
	if err == nil {
		return
	}
	var ae *apperr.Error
	if errors.As(err, &ae) && len(ae.Fields) > 0 {
		for k, v := range ae.Fields {
			e[k] = v
		}
		return
	}
	e[field] = err.Error()
}

// err returns one validation error naming every collected field, or nil.
func (e inputErrors) err() error {
	if len(e) == 0 {
		return nil
	}
	return apperr.Invalid("invalid input", map[string]string(e))
}

// hasUnsafeRunes reports whether s is not valid UTF-8 or holds a control
// character, a bidirectional override/isolate (used to spoof names) or
// another format character that hides text. Other format characters such
// as the zero-width joiner stay allowed: emoji sequences need them.
func hasUnsafeRunes(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if unicode.IsControl(r) || isBidiControl(r) || isHidingFormat(r) {
			return true
		}
	}
	return false
}

// isBidiControl reports whether r is a bidirectional embedding, override or
// isolate character (Unicode TR9 §2), or the BOM.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) || r == 0xFEFF
}

// isHidingFormat reports whether r is a format character with no use in
// chat text that can change or hide what is shown: the deprecated format
// characters U+206A–U+206F (symmetric swapping, shaping, digit shapes) and
// the interlinear annotation characters U+FFF9–U+FFFB (text between them
// may not be displayed).
func isHidingFormat(r rune) bool {
	return (r >= 0x206A && r <= 0x206F) || (r >= 0xFFF9 && r <= 0xFFFB)
}

// validateNameField trims s and checks that it is 1..maxRunes characters of
// safe text; errors are reported under field.
func validateNameField(field, s string, maxRunes int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case hasUnsafeRunes(s):
		return "", apperr.Field(field, "must not contain control characters")
	case s == "":
		return "", apperr.Field(field, "is required")
	case utf8.RuneCountInString(s) > maxRunes:
		return "", apperr.Field(field, fmt.Sprintf("must be at most %d characters", maxRunes))
	}
	return s, nil
}

// validateWorkspaceName returns the trimmed workspace name (1..80 characters).
func validateWorkspaceName(field, s string) (string, error) {
	return validateNameField(field, s, maxWorkspaceRunes)
}

// validateDisplayName returns the trimmed display name (1..64 characters);
// an empty one becomes fallback (the username).
func validateDisplayName(s, fallback string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return fallback, nil
	}
	return validateNameField("display_name", s, maxDisplayNameRunes)
}

// normalizeUsername folds s to lower case and checks it against the allowlist
// and the reserved names.
func normalizeUsername(s string) (string, error) {
	u := strings.ToLower(strings.TrimSpace(s))
	switch {
	case u == "":
		return "", apperr.Field("username", "is required")
	case !usernamePattern.MatchString(u):
		return "", apperr.Field("username", "must be 2 to 32 characters: a-z, 0-9, '_', '.', '-', starting with a letter or digit")
	case reservedUsernames[u]:
		return "", apperr.Field("username", "is reserved")
	}
	return u, nil
}

// normalizeEmail trims and lower-cases s and checks its basic shape: one
// local part and one domain around an "@", no spaces or control characters,
// at most 254 bytes. Deliverability is not checked.
func normalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s)) // ToLower would hide invalid UTF-8
	at := strings.LastIndexByte(e, '@')
	switch {
	case !utf8.ValidString(s):
		return "", apperr.Field("email", "must not contain spaces or control characters")
	case e == "":
		return "", apperr.Field("email", "is required")
	case len(e) > maxEmailLen:
		return "", apperr.Field("email", fmt.Sprintf("must be at most %d characters", maxEmailLen))
	case hasUnsafeRunes(e) || strings.ContainsFunc(e, unicode.IsSpace):
		return "", apperr.Field("email", "must not contain spaces or control characters")
	case at <= 0 || at == len(e)-1:
		return "", apperr.Field("email", "must be an email address")
	}
	return e, nil
}

// ownAvatarURL matches the URLs this server gives avatars (AvatarURL), which
// a client may send back unchanged.
var ownAvatarURL = regexp.MustCompile(`^/api/users/[0-9]+/avatar\?v=[0-9a-f]{1,64}$`)

// validateAvatarURL accepts an empty string, one of our avatar URLs, or an
// absolute http(s) URL of at most 2048 bytes. It checks the form only:
// UpdateProfile then refuses any value but "" and the current one.
func validateAvatarURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || ownAvatarURL.MatchString(s) {
		return s, nil
	}
	if len(s) > maxAvatarURLLen {
		return "", apperr.Field("avatar_url", fmt.Sprintf("must be at most %d characters", maxAvatarURLLen))
	}
	u, err := url.Parse(s)
	if err != nil || hasUnsafeRunes(s) || strings.ContainsFunc(s, unicode.IsSpace) ||
		(u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", apperr.Field("avatar_url", "must be an http or https URL")
	}
	return s, nil
}

// validateLocale accepts an empty string or a language tag such as "en" or
// "pt-BR".
func validateLocale(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > maxLocaleLen || !localePattern.MatchString(s) {
		return "", apperr.Field("locale", "must be a language tag such as en or pt-BR")
	}
	return s, nil
}

// validateTimezone accepts an empty string or an IANA time zone name that
// loads ("Europe/Paris", "UTC"). "Local" is refused: it means the server's
// zone, not the user's.
func validateTimezone(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > maxTimezoneLen || s == "Local" || hasUnsafeRunes(s) {
		return "", apperr.Field("timezone", "must be an IANA time zone such as Europe/Paris")
	}
	if _, err := time.LoadLocation(s); err != nil {
		return "", apperr.Field("timezone", "must be an IANA time zone such as Europe/Paris")
	}
	return s, nil
}
