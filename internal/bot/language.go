package bot

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
)

// LanguageDurable is the consumer that detects each message's language
// after it is sent (never on the send path), shared across nodes.
const LanguageDurable = "languages"

// LanguageSubjects are the events language detection consumes: a new
// message and an edited one.
var LanguageSubjects = []string{
	events.SubjectPrefix + ".*.*." + model.EventMessageCreated,
	events.SubjectPrefix + ".*.*." + model.EventMessageUpdated,
}

// Detection thresholds, measured on testdata/languages.tsv: below them a
// guess is more often wrong than right, and the message keeps lang ”.
const (
	// minLetterWeight is how much text it takes: a letter of an
	// alphabet weighs 1, a Han, Kana or Hangul character 3.
	minLetterWeight = 9
	// minConfidence is whatlanggo's confidence (0 to 1) below which a
	// guess is dropped.
	minConfidence = 0.05
)

// byCode maps ISO 639-1 codes to whatlanggo's languages.
var byCode = func() map[string]whatlanggo.Lang {
	m := make(map[string]whatlanggo.Lang, len(whatlanggo.Langs))
	for l := range whatlanggo.Langs {
		if code := whatlanggo.LangToStringShort(l); code != "" {
			m[code] = l
		}
	}
	return m
}()

// KnownLanguage reports whether code is an ISO 639-1 code the detector
// knows (bot.languages may only name those).
func KnownLanguage(code string) bool {
	_, ok := byCode[code]
	return ok
}

// LanguageName is the English name of a known code ("de": "German"), or
// the code itself.
func LanguageName(code string) string {
	if l, ok := byCode[code]; ok {
		return l.String()
	}
	return code
}

// Detector tells the language of short chat messages, offline, with
// whatlanggo's trigram profiles. It is safe for concurrent use.
type Detector struct {
	opt whatlanggo.Options
}

// NewDetector returns a detector choosing among codes (ISO 639-1; empty
// means every language whatlanggo knows). Limiting it to the languages a
// team writes makes it markedly more accurate (docs/assistant.md).
func NewDetector(codes []string) *Detector {
	d := &Detector{}
	if len(codes) > 0 {
		d.opt.Whitelist = map[whatlanggo.Lang]bool{}
		for _, c := range codes {
			if l, ok := byCode[c]; ok {
				d.opt.Whitelist[l] = true
			}
		}
	}
	return d
}

// Detect returns the ISO 639-1 code of text's language, or "" when the
// text is too short or the guess too weak to tell.
func (d *Detector) Detect(text string) string {
	text = prose(text)
	if letterWeight(text) < minLetterWeight {
		return ""
	}
	info := whatlanggo.DetectWithOptions(text, d.opt)
	if info.Confidence < minConfidence {
		return ""
	}
	return whatlanggo.LangToStringShort(info.Lang)
}

// prose drops what is not written in the message's language: code,
// links, @mentions, #channels and :emoji: shortcodes.
func prose(text string) string {
	if strings.Contains(text, "`") {
		parts := strings.Split(text, "`")
		var b strings.Builder
		for i, p := range parts {
			if i%2 == 0 { // outside backticks (``` fences split the same way)
				b.WriteString(p)
				b.WriteByte(' ')
			}
		}
		text = b.String()
	}
	words := strings.Fields(text)
	kept := words[:0]
	for _, w := range words {
		switch {
		case strings.HasPrefix(w, "@"), strings.HasPrefix(w, "#"),
			strings.Contains(w, "://"), strings.HasPrefix(w, "www."),
			len(w) > 2 && w[0] == ':' && w[len(w)-1] == ':':
			continue
		}
		kept = append(kept, w)
	}
	return strings.Join(kept, " ")
}

// letterWeight counts the letters of text, an ideograph or syllable of
// Chinese, Japanese or Korean as three (one carries a word's worth).
func letterWeight(text string) int {
	n := 0
	for _, r := range text {
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
			n += 3
		case unicode.IsLetter(r):
			n++
		}
	}
	return n
}

// detectBatch detects and stores the language of each new or edited
// message. An edit between the event and the write leaves the newer
// text's lang to its own event (SetMessageLang checks the content).
// All of a batch's langs are written in one transaction: one commit (and
// fsync) per batch rather than one per message sent.
func (s *Service) detectBatch(ctx context.Context, batch []events.Envelope) error {
	var langs []model.MessageLang
	for _, e := range batch {
		p, err := events.PayloadAs[events.MessageEvent](e)
		if err != nil {
			continue // not a message event: nothing to detect
		}
		m := p.Message
		if m.Deleted || m.Content == "" || !utf8.ValidString(m.Content) {
			continue
		}
		lang := s.detector.Detect(m.Content)
		if lang == "" {
			continue
		}
		langs = append(langs, model.MessageLang{MessageID: m.ID, Content: m.Content, Lang: lang})
	}
	return s.store.SetMessageLangs(ctx, langs)
}
