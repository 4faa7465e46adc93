package corpus

import (
	"math/rand/v2"
	"strings"
)

// language is one language's vocabulary, most frequent words first, drawn
// with a Zipf distribution.
type language struct{ words []string }

// zipfExponent shapes word frequency: a few words are everywhere.
const zipfExponent = 1.07

// word draws a word with rng (a Zipf is cheap to build, and binding it to
// the caller's rng keeps every generator reproducible on its own).
func (l *language) word(rng *rand.Rand) string {
	return l.words[rand.NewZipf(rng, zipfExponent, 2, uint64(len(l.words)-1)).Uint64()]
}

type vocabulary struct{ langs []*language }

// tailWords is how many invented words follow each language's common words:
// names, jargon and rare words give the index a realistic long tail.
const tailWords = 20000

func newVocabulary(rng *rand.Rand) *vocabulary {
	v := &vocabulary{}
	for _, l := range languages {
		words := strings.Fields(l.common)
		seen := map[string]bool{}
		for _, w := range words {
			seen[w] = true
		}
		for len(words) < tailWords {
			w := invent(rng, l.syllables)
			if !seen[w] {
				seen[w] = true
				words = append(words, w)
			}
		}
		v.langs = append(v.langs, &language{words: words})
	}
	return v
}

// invent makes a word of 2 to 5 syllables.
func invent(rng *rand.Rand, syllables []string) string {
	var b strings.Builder
	for range 2 + rng.IntN(4) {
		b.WriteString(syllables[rng.IntN(len(syllables))])
	}
	return b.String()
}

// typo applies one random edit after the first letter.
func typo(rng *rand.Rand, w string) string {
	rs := []rune(w)
	if len(rs) < 3 {
		return w
	}
	i := 1 + rng.IntN(len(rs)-1)
	letters := []rune("abcdefghijklmnopqrstuvwxyz")
	switch rng.IntN(3) {
	case 0: // substitute
		rs[i] = letters[rng.IntN(len(letters))]
	case 1: // delete
		rs = append(rs[:i], rs[i+1:]...)
	default: // insert
		rs = append(rs[:i], append([]rune{letters[rng.IntN(len(letters))]}, rs[i:]...)...)
	}
	return string(rs)
}

var languages = []struct {
	common    string
	syllables []string
}{
	{ // English
		common: `the to and a of i you it is in that for we on this be have with can will just
			are not do so at but if me my your it's what there about was get all know think one out like
			up need should they would now time meeting today tomorrow deploy release build test review
			please thanks done yes no ok sure update issue bug fix merge branch production server
			database customer team project deadline budget report call sync week monday friday
			design feature docs documentation ticket sprint roadmap launch backend frontend api
			latency incident alert outage rollback config migration schedule lunch coffee holiday`,
		syllables: []string{"ka", "ter", "lin", "pro", "vo", "zen", "mar", "tic", "ble", "son", "ra", "dex", "ant", "por", "ix"},
	},
	{ // German
		common: `der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch
			es an werden aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so
			zum war haben nur oder aber vor zur bis mehr durch man sein wurde sei besprechung heute
			morgen fehler kunde bericht termin woche montag freitag danke bitte fertig änderung größe
			prüfung übersicht straße mitarbeiter projekt haushalt veröffentlichung`,
		syllables: []string{"ung", "ber", "ge", "schaft", "lich", "keit", "ver", "stra", "hau", "mei", "ter", "zel", "än", "ü"},
	},
	{ // French
		common: `le de un être et à il avoir ne je son que se qui ce dans en du elle au pour pas vous
			par sur faire plus dire me on mon lui nous comme mais pouvoir avec tout aller voir bien
			où sans tu ou leur homme si deux réunion demain aujourd'hui problème client rapport
			semaine lundi vendredi merci déploiement équipe café très déjà été après`,
		syllables: []string{"ré", "tion", "mon", "cha", "eau", "lé", "pré", "ver", "bon", "gne", "ois", "ra", "té"},
	},
	{ // Spanish
		common: `de la que el en y a los se del las un por con no una su para es al lo como más o
			pero sus le ha me si sin sobre este ya entre cuando todo esta ser son dos también fue
			había era muy reunión mañana hoy problema cliente informe semana lunes viernes gracias
			equipo despliegue año niño después`,
		syllables: []string{"ción", "ma", "ña", "des", "rro", "lla", "to", "pe", "que", "mi", "sa", "rí", "do"},
	},
}

var firstNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
	"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "zoe",
	"jürgen", "amélie", "josé", "søren"}

var lastNames = []string{"archer", "builder", "chen", "dubois", "evans", "fischer", "garcía", "hansen",
	"ito", "jones", "kowalski", "lopez", "müller", "nguyen", "okafor", "petrov", "quinn", "rossi"}
