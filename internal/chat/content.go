package chat

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
)

// Message content limits. They are part of the API's behaviour.
const (
	maxContentRunes   = 10000
	maxClientIDLen    = 64
	maxAttachments    = 10
	maxMentionNames   = 50 // distinct @usernames resolved per message
	maxMentionToken   = 32 // the longest username (see usernamePattern)
	mentionAllChannel = "channel"
	mentionAllHere    = "here"
)

// normalizeMessageContent checks message text and returns it as stored
// (RULES.md "Messages"): valid UTF-8; line breaks stored as "\n" (a
// "\r\n" or lone "\r" becomes "\n", so no client sees a bare carriage
// return that could overprint a line); no other control character than
// newline and tab; no bidirectional embedding, override or isolate, BOM,
// deprecated format character or interlinear annotation (they reorder or
// hide text: CVE-2021-42574, "Trojan Source"); at most 10,000 characters;
// and at least one visible character unless the message carries
// attachments. Invisible characters with a use in writing stay: the
// zero-width space, non-joiner and joiner (U+200B–U+200D: Thai line breaks,
// Persian spelling, emoji sequences), the directional marks U+200E, U+200F
// and U+061C, variation selectors and tag characters (flag sequences).
// Refusing rather than stripping keeps what is stored what was sent.
// Markup is kept as text; escaping is the renderer's job.
func normalizeMessageContent(content string, hasAttachments bool) (string, error) {
	if !utf8.ValidString(content) {
		return "", apperr.Field("content", "must be valid UTF-8")
	}
	content = normalizeNewlines(content)
	n := 0
	for _, r := range content {
		if refusedInContent(r) {
			return "", apperr.Field("content", fmt.Sprintf("must not contain control or bidirectional formatting characters (found %U)", r))
		}
		n++
	}
	switch {
	case n > maxContentRunes:
		return "", apperr.Field("content", fmt.Sprintf("must be at most %d characters", maxContentRunes))
	case !hasAttachments && isBlank(content):
		return "", apperr.Field("content", "must not be empty")
	}
	return content, nil
}

// normalizeNewlines turns "\r\n" and a lone "\r" into "\n".
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// refusedInContent reports whether message text may not hold r: a control
// character other than newline and tab (C0, DEL, C1), or an invisible
// format character that reorders or hides text (see hasUnsafeRunes).
func refusedInContent(r rune) bool {
	if r == '\n' || r == '\t' {
		return false
	}
	return unicode.IsControl(r) || isBidiControl(r) || isHidingFormat(r)
}

// isBlank reports whether s shows nothing: only white space, format
// characters (zero-width ones, marks, joiners), variation selectors and
// other default-ignorable code points such as the Hangul fillers.
func isBlank(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.In(r, unicode.Cf, unicode.Variation_Selector,
			unicode.Other_Default_Ignorable_Code_Point)
	}) == ""
}

// validateClientID checks an idempotency key: empty (none), or at most 64
// bytes of printable text.
func validateClientID(id string) error {
	if len(id) > maxClientIDLen {
		return apperr.Field("client_id", fmt.Sprintf("must be at most %d characters", maxClientIDLen))
	}
	if hasUnsafeRunes(id) {
		return apperr.Field("client_id", "must not contain control characters")
	}
	return nil
}

// parsedMentions is what a message's text asks to notify.
type parsedMentions struct {
	// Usernames are lower-cased candidate usernames, distinct, in order of
	// first appearance. Storage resolves them against the chat's members.
	Usernames []string
	// All is set by @channel or @here: everyone in the chat but the sender.
	All bool
}

// parseMentions finds "@name" tokens in text. A token starts after the
// beginning of the text or a character that cannot be part of a word (so an
// email address is not a mention) and runs over ASCII letters, digits, '_',
// '.' and '-'. Trailing '.' and '-' are usually punctuation ("thanks @bob."),
// but usernames may end with them, so both spellings are candidates.
func parseMentions(text string) parsedMentions {
	var pm parsedMentions
	seen := make(map[string]bool)
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || !mentionBoundaryBefore(text, i) {
			continue
		}
		end := i + 1
		for end < len(text) && isMentionByte(text[end]) {
			end++
		}
		token := asciiLower(text[i+1 : end])
		i = end - 1
		if isMentionAll(token) {
			pm.All = true
			continue
		}
		for _, cand := range mentionCandidates(token) {
			if !seen[cand] && len(pm.Usernames) < maxMentionNames {
				seen[cand] = true
				pm.Usernames = append(pm.Usernames, cand)
			}
		}
	}
	return pm
}

// mentionCandidates returns the usernames token may stand for: itself, and
// itself without trailing sentence punctuation; only well-formed ones that
// are not mention keywords.
func mentionCandidates(token string) []string {
	var out []string
	trimmed := strings.TrimRight(token, ".-")
	for _, c := range []string{token, trimmed} {
		if len(c) <= maxMentionToken && usernamePattern.MatchString(c) && !reservedUsernames[c] &&
			(len(out) == 0 || out[0] != c) {
			out = append(out, c)
		}
	}
	return out
}

// isMentionAll reports whether token is @channel or @here, possibly followed
// by sentence punctuation.
func isMentionAll(token string) bool {
	t := strings.TrimRight(token, ".-")
	return t == mentionAllChannel || t == mentionAllHere
}

// mentionBoundaryBefore reports whether the '@' at i starts a mention: it is
// at the start, or follows a rune that is neither a letter, a digit, '_' nor
// one of the username punctuation characters.
func mentionBoundaryBefore(text string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	if r == '@' || r == '_' || r == '.' || r == '-' {
		return false
	}
	return !unicode.IsLetter(r) && !unicode.IsDigit(r)
}

// isMentionByte reports whether b may appear inside a mention token.
func isMentionByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' ||
		b == '_' || b == '.' || b == '-'
}

// asciiLower lower-cases ASCII letters only (tokens are ASCII by construction).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}
