package bot

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"
)

type labelled struct{ lang, text string }

// labelledSet reads testdata/languages.tsv: short chat messages, ten in
// each of fifteen languages.
func labelledSet(t testing.TB) (set []labelled, codes []string) {
	f, err := os.Open("testdata/languages.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lang, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		set = append(set, labelled{lang, text})
		if !seen[lang] {
			seen[lang] = true
			codes = append(codes, lang)
		}
	}
	sort.Strings(codes)
	return set, codes
}

// accuracy is the share of the set detected as labelled; an undetected
// message counts as a miss.
func accuracy(t *testing.T, d *Detector, set []labelled) float64 {
	ok := 0
	for _, e := range set {
		if got := d.Detect(e.text); got == e.lang {
			ok++
		} else {
			t.Logf("%s detected as %q: %s", e.lang, got, e.text)
		}
	}
	return float64(ok) / float64(len(set))
}

// The floors are what the detector measured on the set (it is
// deterministic); a change that detects worse fails here.
func TestDetectionAccuracy(t *testing.T) {
	set, codes := labelledSet(t)
	if len(codes) < 10 || len(set) < 100 {
		t.Fatalf("the set has %d languages and %d messages", len(codes), len(set))
	}
	for _, tc := range []struct {
		name  string
		codes []string
		floor float64
	}{
		{"the set's languages (bot.languages)", codes, 0.90},
		{"every language", nil, 0.75},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := accuracy(t, NewDetector(tc.codes), set)
			t.Logf("accuracy %.1f%% over %d messages", 100*got, len(set))
			if got < tc.floor {
				t.Errorf("accuracy %.1f%%, want at least %.0f%%", 100*got, 100*tc.floor)
			}
		})
	}
}

func TestDetectLeavesShortAndNonProseUndetected(t *testing.T) {
	d := NewDetector(nil)
	for _, text := range []string{"", "ok", "lol 👍", "+1", ":tada: :rocket:", "@alice @bob", "https://example.com/a/very/long/path", "`go test ./...`", "12:30?"} {
		if got := d.Detect(text); got != "" {
			t.Errorf("Detect(%q) = %q, want undetected", text, got)
		}
	}
	if got := d.Detect("@alice kannst du bitte https://example.com prüfen, bevor wir es veröffentlichen?"); got != "de" {
		t.Errorf("German with a mention and a link: %q", got)
	}
}

func TestKnownLanguage(t *testing.T) {
	for code, want := range map[string]bool{"de": true, "zh": true, "en": true, "xx": false, "": false, "deu": false} {
		if KnownLanguage(code) != want {
			t.Errorf("KnownLanguage(%q) = %v", code, !want)
		}
	}
	if LanguageName("de") != "German" {
		t.Errorf("LanguageName(de) = %q", LanguageName("de"))
	}
}

// BenchmarkDetect is the cost of detecting one message of the labelled
// set (run on the language consumer, never on the send path).
func BenchmarkDetect(b *testing.B) {
	set, codes := labelledSet(b)
	for _, bc := range []struct {
		name  string
		codes []string
	}{{"configured-15", codes}, {"all", nil}} {
		b.Run(bc.name, func(b *testing.B) {
			d := NewDetector(bc.codes)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				d.Detect(set[i%len(set)].text)
			}
		})
	}
}
