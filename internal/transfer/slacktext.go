package transfer

import (
	"regexp"
	"strings"
)

// slackToken is one "<...>" of Slack's message markup.
var slackToken = regexp.MustCompile(`<([^<>\n]*)>`)

// slackToText turns Slack's message markup into plain text as people
// type it here: "<@U123>" becomes "@username" (so it is a mention),
// "<#C123|general>" "#general", "<!here>" "@here", "<http://x|label>"
// "label (http://x)", and the escapes &lt; &gt; &amp; their characters.
// names and channels map Slack ids to our usernames and channel names.
func slackToText(s string, names, channels map[string]string) string {
	s = slackToken.ReplaceAllStringFunc(s, func(tok string) string {
		inner := tok[1 : len(tok)-1]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(target, "@"):
			if n, ok := names[target[1:]]; ok {
				return "@" + n
			}
			if hasLabel {
				return "@" + strings.TrimPrefix(label, "@")
			}
			return target
		case strings.HasPrefix(target, "#"):
			if hasLabel && label != "" {
				return "#" + label
			}
			if n, ok := channels[target[1:]]; ok && n != "" {
				return "#" + n
			}
			return target
		case strings.HasPrefix(target, "!"):
			return specialMention(target[1:], label)
		case strings.HasPrefix(target, "mailto:"):
			return firstNonEmpty(label, strings.TrimPrefix(target, "mailto:"))
		case hasLabel && label != "" && label != target:
			return label + " (" + target + ")"
		}
		return target
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// specialMention renders "<!here>", "<!channel>", "<!everyone>" and
// "<!subteam^ID|@team>".
func specialMention(cmd, label string) string {
	switch {
	case cmd == "here":
		return "@here"
	case cmd == "channel" || cmd == "everyone":
		return "@channel"
	case label != "":
		return label
	}
	return "@" + cmd
}
