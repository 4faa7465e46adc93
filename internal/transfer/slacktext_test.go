package transfer

import (
	"testing"
	"time"
)

func TestSlackToText(t *testing.T) {
	names := map[string]string{"U1": "alice", "U2": "bob-2"}
	channels := map[string]string{"C1": "general"}
	for _, tc := range []struct{ in, want string }{
		{"hi <@U1>", "hi @alice"},
		{"hi <@U2|bob>", "hi @bob-2"},
		{"hi <@U9|zed>", "hi @zed"},
		{"hi <@U9>", "hi @U9"},
		{"see <#C1>", "see #general"},
		{"see <#C2|random>", "see #random"},
		{"<!here> and <!channel> and <!everyone>", "@here and @channel and @channel"},
		{"<!subteam^S1|@devs> ping", "@devs ping"},
		{"<https://example.com>", "https://example.com"},
		{"<https://example.com/?a=1&amp;b=2|the site>", "the site (https://example.com/?a=1&b=2)"},
		{"<mailto:a@example.com|a@example.com>", "a@example.com"},
		{"1 &lt; 2 &amp;&amp; 3 &gt; 2", "1 < 2 && 3 > 2"},
		{"&amp;lt; stays literal", "&lt; stays literal"},
		{"no markup <", "no markup <"},
	} {
		if got := slackToText(tc.in, names, channels); got != tc.want {
			t.Errorf("slackToText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzSlackToText(f *testing.F) {
	for _, s := range []string{"<@U1>", "<#C1|x>", "<!here>", "<http://x|y>", "&amp;&lt;", "<<@U1>>", "<>", "<|>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = slackToText(s, map[string]string{"U1": "alice"}, map[string]string{"C1": "general"})
	})
}

func TestParseTS(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"1512085950.000216", time.Unix(1512085950, 216_000).UTC(), true},
		{"1512085950.5", time.Unix(1512085950, 500_000_000).UTC(), true},
		{"1512085950", time.Unix(1512085950, 0).UTC(), true},
		{"", time.Time{}, false},
		{"x.1", time.Time{}, false},
		{"1.1234567", time.Time{}, false},
	} {
		got, err := parseTS(tc.in)
		if (err == nil) != tc.ok || tc.ok && !got.Equal(tc.want) {
			t.Errorf("parseTS(%q) = %v, %v", tc.in, got, err)
		}
	}
}
