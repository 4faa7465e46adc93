package chat

import (
	"strings"
	"unicode"
)

// ParseCommand reads a slash command at the start of a message's content:
// "/name rest" gives name (lower-cased) and the trimmed rest. ok is false
// when content does not start with a valid command name. The assistant's
// commands and slash-command integrations read messages the same way.
func ParseCommand(content string) (name, input string, ok bool) {
	s := strings.TrimSpace(content)
	if !strings.HasPrefix(s, "/") {
		return "", "", false
	}
	end := strings.IndexFunc(s, unicode.IsSpace)
	if end < 0 {
		end = len(s)
	}
	name = strings.ToLower(s[1:end])
	if !ValidCommandName(name) {
		return "", "", false
	}
	return name, strings.TrimSpace(s[end:]), true
}

// ValidCommandName reports whether name can be a slash command: 1 to 32
// of a-z, 0-9, - and _, starting with a letter.
func ValidCommandName(name string) bool {
	if name == "" || len(name) > 32 || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, c := range []byte(name) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
