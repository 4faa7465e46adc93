package bleve_test

// A measured prototype of the other candidate engine: SQLite FTS5
// (modernc.org/sqlite, pure Go) with typo matching by edit distance over the
// FTS5 vocabulary. It answers the same query kinds as BenchmarkEmbeddedQuery
// over the same corpus and caller, so docs/search.md can compare them. It is
// a benchmark only; the product uses the bleve engine (see docs/search.md).

import (
	"database/sql"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	_ "modernc.org/sqlite"

	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/search/corpus"
)

const fts5Schema = `
CREATE TABLE msg(id INTEGER PRIMARY KEY, ws INTEGER, chat INTEGER, ctype TEXT, sender INTEGER, ts INTEGER, content TEXT);
CREATE INDEX msg_chat_ts ON msg(chat, ts);
CREATE VIRTUAL TABLE msg_fts USING fts5(content, content='msg', content_rowid='id',
  tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');
CREATE VIRTUAL TABLE vocab USING fts5vocab(msg_fts, 'row');`

type fts5Proto struct {
	db    *sql.DB
	vocab []string // every indexed word, for typo expansion
}

func openFTS5(b *testing.B, c *corpus.Corpus) *fts5Proto {
	dir := os.Getenv("FECHATTER_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, "fts5.db")
	fresh := true
	if _, err := os.Stat(path); err == nil {
		fresh = false
	}
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	if fresh {
		start := time.Now()
		loadFTS5(b, db, c)
		b.Logf("fts5: loaded %d messages in %s", c.Config().Messages, time.Since(start).Round(time.Millisecond))
	}
	p := &fts5Proto{db: db}
	rows, err := db.Query(`SELECT term FROM vocab`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			b.Fatal(err)
		}
		p.vocab = append(p.vocab, w)
	}
	return p
}

func loadFTS5(b *testing.B, db *sql.DB, c *corpus.Corpus) {
	if _, err := db.Exec(fts5Schema); err != nil {
		b.Fatal(err)
	}
	err := c.Each(1000, func(docs []search.Doc) error {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		for _, d := range docs {
			if _, err := tx.Exec(`INSERT INTO msg VALUES(?,?,?,?,?,?,?)`, d.ID, d.WorkspaceID, d.ChatID, string(d.ChatType), d.SenderID, d.CreatedAt.UnixMilli(), d.Content); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO msg_fts(rowid, content) VALUES(?,?)`, d.ID, d.Content); err != nil {
				return err
			}
		}
		return tx.Commit()
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO msg_fts(msg_fts) VALUES('optimize')`); err != nil {
		b.Fatal(err)
	}
}

// match builds the FTS5 MATCH expression of a parsed query, expanding typo
// terms over the vocabulary (first letter fixed, as the bleve engine does).
func (p *fts5Proto) match(pq search.ParsedQuery) string {
	var parts []string
	for _, t := range pq.Terms {
		alts := []string{`"` + t.Word + `"`}
		if t.Prefix {
			alts = append(alts, `"`+t.Word+`"*`)
		}
		if t.Typos > 0 {
			for _, w := range p.vocab {
				if w != t.Word && w[0] == t.Word[0] && abs(utf8.RuneCountInString(w)-utf8.RuneCountInString(t.Word)) <= t.Typos && fts5Within(t.Word, w, t.Typos) {
					alts = append(alts, `"`+w+`"`)
				}
			}
		}
		parts = append(parts, "("+strings.Join(alts, " OR ")+")")
	}
	return strings.Join(parts, " AND ")
}

func abs(x int) int { return max(x, -x) }

// fts5Within is a plain Levenshtein bound check (the package's own is unexported).
func fts5Within(a, b string, k int) bool {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)] <= k
}

// search runs hits, total and (if asked) facets, like Index.Search.
func (p *fts5Proto) search(q search.Query) (int, error) {
	pq := search.ParseQuery(q.Text, search.DefaultSettings())
	scope, _ := json.Marshal(q.ScopeChatIDs())
	where := `m.ws = ? AND m.chat IN (SELECT value FROM json_each(?))`
	args := []any{q.WorkspaceID, string(scope)}
	if len(q.ChatTypes) > 0 {
		where += ` AND m.ctype IN ('public_channel','private_channel','group')`
	}
	if !q.From.IsZero() {
		where += ` AND m.ts >= ?`
		args = append(args, q.From.UnixMilli())
	}
	from := `msg m`
	order := `m.ts DESC`
	if !pq.Empty() {
		from = `msg_fts JOIN msg m ON m.id = msg_fts.rowid`
		where = `msg_fts MATCH ? AND ` + where
		args = append([]any{p.match(pq)}, args...)
		order = `bm25(msg_fts)`
	}
	rows, err := p.db.Query(`SELECT m.id, m.content FROM `+from+` WHERE `+where+` ORDER BY `+order+` LIMIT 20`, args...)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
	}
	rows.Close()
	var total int
	if err := p.db.QueryRow(`SELECT count(*) FROM `+from+` WHERE `+where, args...).Scan(&total); err != nil {
		return 0, err
	}
	for _, f := range q.Facets {
		col := map[search.Facet]string{search.FacetSender: "m.sender", search.FacetChat: "m.chat",
			search.FacetChatType: "m.ctype", search.FacetDate: "m.ts / 86400000 / 30"}[f]
		rows, err := p.db.Query(`SELECT `+col+`, count(*) FROM `+from+` WHERE `+where+` GROUP BY 1 ORDER BY 2 DESC LIMIT 50`, args...)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
		}
		rows.Close()
	}
	return total, nil
}

// BenchmarkFTS5Prototype reports the same percentiles as BenchmarkEmbeddedQuery.
func BenchmarkFTS5Prototype(b *testing.B) {
	c := corpus.New(corpus.Config{Messages: benchDocs()})
	p := openFTS5(b, c)
	base := search.Query{WorkspaceID: 1, AllowedChatIDs: callerScope(c), Now: c.Config().End}
	for _, k := range queryKinds {
		b.Run(k.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(42, 42))
			var pending []search.Query
			var lat []time.Duration
			for b.Loop() {
				if len(pending) == 0 {
					pending = k.make(rng, c, base)
				}
				q := pending[0]
				pending = pending[1:]
				start := time.Now()
				if _, err := p.search(q); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			reportPercentiles(b, lat)
		})
	}
}
