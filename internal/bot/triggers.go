package bot

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Built-in commands.
const (
	cmdAsk       = "ask"
	cmdSummarize = "summarize"
	cmdTranslate = "translate"
	cmdHelp      = "help"
)

// builtins describe the built-in commands for /help and the API, in order.
var builtins = []CommandInfo{
	{Name: cmdAsk, Description: "Ask the assistant a question about this chat or anything else.", Usage: "/ask <question>", BuiltIn: true},
	{Name: cmdSummarize, Description: "Summarize the chat, or the thread when sent in one.", Usage: "/summarize [n | since <time>]", BuiltIn: true},
	{Name: cmdTranslate, Description: "Translate the previous message.", Usage: "/translate <language>", BuiltIn: true},
	{Name: cmdHelp, Description: "List the assistant's commands.", Usage: "/help", BuiltIn: true},
}

// trigger is what a message asks of the assistant.
type trigger struct {
	// command is a built-in or custom command name; "" for a mention or a
	// direct-chat message (an implicit /ask).
	command string
	// input is the text after the command (or the message without the
	// mention).
	input string
	// sources are what retrieval found for an /ask or a mention (set by
	// compose), sent with the question and cited by the answer.
	sources []source
}

// mentions reports whether content mentions @username at a word boundary,
// and returns content without the mention.
func mentions(content, username string) (bool, string) {
	lower := strings.ToLower(content)
	at := "@" + username
	for i := 0; ; {
		j := strings.Index(lower[i:], at)
		if j < 0 {
			return false, content
		}
		j += i
		end := j + len(at)
		before, _ := utf8.DecodeLastRuneInString(content[:j])
		after, _ := utf8.DecodeRuneInString(content[end:])
		if (j == 0 || !isWordRune(before)) && (end == len(content) || !isWordRune(after)) {
			return true, strings.TrimSpace(content[:j] + content[end:])
		}
		i = end
	}
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-'
}

// summaryRange is what /summarize covers: the last n messages, or those
// since a time.
type summaryRange struct {
	n     int
	since time.Time
}

// defaultSummaryN is how many messages /summarize covers without a range.
const defaultSummaryN = 50

// parseSummaryRange reads "", "<n>", "since <duration>" (2h, 30m, 3d) or
// "since <date>" (YYYY-MM-DD or RFC 3339).
func parseSummaryRange(input string, now time.Time) (summaryRange, bool) {
	f := strings.Fields(strings.ToLower(input))
	switch {
	case len(f) == 0:
		return summaryRange{n: defaultSummaryN}, true
	case len(f) == 1:
		n, err := strconv.Atoi(f[0])
		if err != nil || n < 1 {
			return summaryRange{}, false
		}
		return summaryRange{n: min(n, 200)}, true
	case len(f) == 2 && f[0] == "since":
		if t, ok := parseSince(f[1], now); ok {
			return summaryRange{n: 200, since: t}, true
		}
	}
	return summaryRange{}, false
}

func parseSince(s string, now time.Time) (time.Time, bool) {
	if strings.HasSuffix(s, "d") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && n > 0 {
			return now.Add(-time.Duration(n) * 24 * time.Hour), true
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d), true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.RFC3339, strings.ToUpper(s)); err == nil {
		return t, true
	}
	return time.Time{}, false
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
