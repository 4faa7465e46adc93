// Package corpus generates realistic synthetic chat messages for search
// benchmarks: a Zipf-distributed vocabulary in several languages with
// typos, chats and users with skewed activity, and times spread over two
// years with more recent traffic. The same Config always yields the same
// messages.
package corpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// Config sizes a corpus. Zero values take the defaults.
type Config struct {
	// Seed makes the corpus reproducible. Default: 1.
	Seed uint64
	// Messages to generate. Default: 100000.
	Messages int
	// Chats and Users. Defaults: 500 and 200.
	Chats, Users int
	// WorkspaceID of every message. Default: 1.
	WorkspaceID int64
	// End is the newest message time; messages span two years before it.
	// Default: 2026-03-01.
	End time.Time
	// TypoRate is the share of words written with a typo. Default: 0.02.
	TypoRate float64
}

func (c Config) withDefaults() Config {
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Messages == 0 {
		c.Messages = 100000
	}
	if c.Chats == 0 {
		c.Chats = 500
	}
	if c.Users == 0 {
		c.Users = 200
	}
	if c.WorkspaceID == 0 {
		c.WorkspaceID = 1
	}
	if c.End.IsZero() {
		c.End = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.TypoRate == 0 {
		c.TypoRate = 0.02
	}
	return c
}

// Span is how far back the corpus reaches from End.
const Span = 2 * 365 * 24 * time.Hour

// Corpus is a generated workspace: chats, users, and a message stream.
type Corpus struct {
	cfg   Config
	Chats []search.ChatInfo
	Users []model.User
	vocab *vocabulary
}

// New builds the chats, users and vocabulary of a corpus.
func New(cfg Config) *Corpus {
	cfg = cfg.withDefaults()
	rng := rand.New(rand.NewPCG(cfg.Seed, 7))
	c := &Corpus{cfg: cfg, vocab: newVocabulary(rng)}
	for i := range cfg.Users {
		name := fmt.Sprintf("%s%d", firstNames[i%len(firstNames)], i)
		c.Users = append(c.Users, model.User{
			ID: int64(1000 + i), Username: strings.ToLower(name),
			DisplayName: firstNames[i%len(firstNames)] + " " + lastNames[(i*7)%len(lastNames)],
		})
	}
	for i := range cfg.Chats {
		c.Chats = append(c.Chats, chatAt(cfg.WorkspaceID, i, cfg.Chats))
	}
	return c
}

// chatAt makes chat i: half direct, a fifth groups, the rest channels.
func chatAt(ws int64, i, n int) search.ChatInfo {
	ci := search.ChatInfo{ID: int64(10000 + i), WorkspaceID: ws}
	switch {
	case i < n/2:
		ci.Type = model.ChatDirect
	case i < n*7/10:
		ci.Type, ci.Name = model.ChatGroup, fmt.Sprintf("group-%d", i)
	case i < n*85/100:
		ci.Type, ci.Name = model.ChatPrivateChannel, fmt.Sprintf("private-%d", i)
	default:
		ci.Type, ci.Name = model.ChatPublicChannel, fmt.Sprintf("channel-%d", i)
	}
	return ci
}

// ChatIDs lists every chat id of the corpus.
func (c *Corpus) ChatIDs() []int64 {
	out := make([]int64, len(c.Chats))
	for i, ch := range c.Chats {
		out[i] = ch.ID
	}
	return out
}

// Config returns the corpus's effective configuration.
func (c *Corpus) Config() Config { return c.cfg }

// Each generates the messages in batches of size n, oldest first, calling
// fn with each batch (the slice is reused between calls).
func (c *Corpus) Each(n int, fn func([]search.Doc) error) error {
	rng := rand.New(rand.NewPCG(c.cfg.Seed, 11))
	chatZipf := rand.NewZipf(rng, 1.1, 4, uint64(len(c.Chats)-1))
	userZipf := rand.NewZipf(rng, 1.2, 2, uint64(len(c.Users)-1))
	seqs := make([]int64, len(c.Chats))
	batch := make([]search.Doc, 0, n)
	for i := range c.cfg.Messages {
		ch := c.Chats[chatZipf.Uint64()]
		u := c.Users[userZipf.Uint64()]
		k := ch.ID - c.Chats[0].ID
		seqs[k]++
		batch = append(batch, search.Doc{
			ID: int64(i + 1), WorkspaceID: c.cfg.WorkspaceID, ChatID: ch.ID, ChatType: ch.Type, ChatName: ch.Name,
			SenderID: u.ID, SenderUsername: u.Username, SenderName: u.DisplayName,
			Content: c.sentence(rng), CreatedAt: c.timeOf(i), Seq: seqs[k],
		})
		if len(batch) == n {
			if err := fn(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

// timeOf spreads message i over Span, denser towards End (traffic grows).
func (c *Corpus) timeOf(i int) time.Time {
	f := float64(i+1) / float64(c.cfg.Messages)
	f = 1 - (1-f)*(1-f) // more messages late
	return c.cfg.End.Add(-Span + time.Duration(f*float64(Span))).Truncate(time.Millisecond)
}

// sentence makes a message of 3 to 30 words in one language.
func (c *Corpus) sentence(rng *rand.Rand) string {
	lang := c.vocab.langs[rng.IntN(len(c.vocab.langs))]
	n := 3 + rng.IntN(8)
	if rng.IntN(5) == 0 {
		n += rng.IntN(20)
	}
	words := make([]string, n)
	for i := range words {
		w := lang.word(rng)
		if rng.Float64() < c.cfg.TypoRate {
			w = typo(rng, w)
		}
		words[i] = w
	}
	s := strings.Join(words, " ")
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:] + punct[rng.IntN(len(punct))]
}

var punct = []string{".", ".", "!", "?", "", "", " :)", "..."}

// Query words for benchmarks, drawn like messages are.

// Word draws a word as messages use them (frequent words often).
func (c *Corpus) Word(rng *rand.Rand) string {
	return c.vocab.langs[rng.IntN(len(c.vocab.langs))].word(rng)
}

// WordOfLength draws words until one has at least n letters.
func (c *Corpus) WordOfLength(rng *rand.Rand, n int) string {
	for {
		if w := c.Word(rng); len([]rune(w)) >= n {
			return w
		}
	}
}

// Misspell returns w with one typo after its first letter.
func Misspell(rng *rand.Rand, w string) string { return typo(rng, w) }
