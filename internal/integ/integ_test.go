package integ

import (
	"testing"

	"github.com/fechatter/fechatter/internal/chat"
)

func TestSignVerify(t *testing.T) {
	body := []byte(`{"text":"hi"}`)
	sig := Sign("s3cret", 1700000000, body)
	// echo -n '1700000000.{"text":"hi"}' | openssl dgst -sha256 -hmac s3cret
	const want = "v1=a4abab2c9ec335a751cf8c3848e413a84a4e0eef17a9660d993911fafacadb66"
	if sig != want {
		t.Fatalf("signature %q, want %q (as openssl computes it)", sig, want)
	}
	if !Verify("s3cret", 1700000000, body, sig) {
		t.Fatal("own signature does not verify")
	}
	for name, ok := range map[string]bool{
		"other secret": Verify("other", 1700000000, body, sig),
		"other time":   Verify("s3cret", 1700000001, body, sig),
		"other body":   Verify("s3cret", 1700000000, []byte(`{"text":"hi!"}`), sig),
	} {
		if ok {
			t.Errorf("%s verifies", name)
		}
	}
}

func TestTriggered(t *testing.T) {
	for _, tc := range []struct {
		words   []string
		content string
		word    string
		ok      bool
	}{
		{nil, "anything", "", true},
		{[]string{"deploy"}, "deploy main", "deploy", true},
		{[]string{"deploy"}, "  Deploy: main", "deploy", true},
		{[]string{"deploy"}, "deploy", "deploy", true},
		{[]string{"deploy"}, "deployment soon", "", false},
		{[]string{"deploy"}, "please deploy", "", false},
		{[]string{"build", "deploy"}, "build it", "build", true},
	} {
		word, ok := triggered(tc.words, tc.content)
		if word != tc.word || ok != tc.ok {
			t.Errorf("triggered(%v, %q) = %q, %v; want %q, %v", tc.words, tc.content, word, ok, tc.word, tc.ok)
		}
	}
}

func TestIncomingContent(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    IncomingPayload
		want string
	}{
		{"text", IncomingPayload{Text: " hello "}, "hello"},
		{"username", IncomingPayload{Text: "up", Username: "mon*itor"}, "**monitor**\nup"},
		{"slack attachments", IncomingPayload{Text: "Deploy", Attachments: []slackAttachment{{Fallback: "v1"}, {Pretext: "p", Text: "t", Fallback: "f"}}}, "Deploy\n\nv1\n\np\n\nt"},
		{"only attachments", IncomingPayload{Attachments: []slackAttachment{{Text: "x"}}}, "x"},
		{"nothing", IncomingPayload{Username: "x", Blocks: []byte(`[{}]`)}, ""},
	} {
		if got := tc.p.content(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseCommand(t *testing.T) {
	for _, tc := range []struct {
		in, name, input string
		ok              bool
	}{
		{"/deploy main now", "deploy", "main now", true},
		{"  /Deploy", "deploy", "", true},
		{"/ deploy", "", "", false},
		{"deploy", "", "", false},
		{"/9lives", "", "", false},
		{"/path/to/file", "", "", false},
	} {
		name, input, ok := chat.ParseCommand(tc.in)
		if name != tc.name || input != tc.input || ok != tc.ok {
			t.Errorf("ParseCommand(%q) = %q, %q, %v", tc.in, name, input, ok)
		}
	}
}
