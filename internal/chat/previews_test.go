package chat

import "testing"

func TestFirstLink(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"see https://example.org/a?b=1.", "https://example.org/a?b=1"},
		{"(https://example.org/x)", "https://example.org/x"},
		{"[docs](https://example.org/doc)!", "https://example.org/doc"},
		{"https://en.wikipedia.org/wiki/Go_(language), nice", "https://en.wikipedia.org/wiki/Go_(language)"},
		{"`https://in.code/` then http://second.example/", "http://second.example/"},
		{"```\nhttps://in.block/\n``` none", ""},
		{"ftp://example.org/ and mailto:x@y", ""},
		{"http://user:pw@example.org/ https://ok.example/", "https://ok.example/"},
		{"<https://angle.example/>", "https://angle.example/"},
		{"no links", ""},
	} {
		if got := FirstLink(tc.in); got != tc.want {
			t.Errorf("FirstLink(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
