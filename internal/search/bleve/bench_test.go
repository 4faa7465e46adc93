package bleve_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/search/bleve"
	"github.com/fechatter/fechatter/internal/search/corpus"
)

// Benchmarks build a corpus of FECHATTER_BENCH_DOCS messages (default
// 100000) once per process. FECHATTER_BENCH_DIR keeps the built index
// between runs (it is reused when it already holds that many documents), so
// a 1M index is built only once:
//
//	FECHATTER_BENCH_DOCS=1000000 FECHATTER_BENCH_DIR=/tmp/fc-bench-1m \
//	  go test -run '^$' -bench 'Query' -benchtime 400x ./internal/search/bleve/

func benchDocs() int {
	if n, err := strconv.Atoi(os.Getenv("FECHATTER_BENCH_DOCS")); err == nil && n > 0 {
		return n
	}
	return 100000
}

var bench struct {
	once sync.Once
	warm sync.Once
	idx  *bleve.Engine
	c    *corpus.Corpus
	err  error
}

// benchIndex opens (building if needed) the shared benchmark index.
func benchIndex(b *testing.B) (*bleve.Engine, *corpus.Corpus) {
	bench.once.Do(func() {
		n := benchDocs()
		bench.c = corpus.New(corpus.Config{Messages: n})
		dir := os.Getenv("FECHATTER_BENCH_DIR")
		if dir == "" {
			dir, bench.err = os.MkdirTemp("", "fc-search-bench")
			if bench.err != nil {
				return
			}
		}
		// Unsafe, as Rebuild loads: the build is not what this measures.
		bench.idx, bench.err = bleve.Open(filepath.Join(dir, "search"), bleve.Options{Unsafe: true})
		if bench.err != nil {
			return
		}
		if have, _ := bench.idx.Count(context.Background(), 0); have == n {
			return
		}
		start := time.Now()
		bench.err = bench.c.Each(1000, func(d []search.Doc) error { return bench.idx.Upsert(context.Background(), d) })
		if bench.err != nil {
			return
		}
		loaded := time.Since(start)
		bench.err = bench.idx.Compact(context.Background())
		fmt.Fprintf(os.Stderr, "built %d-message index: load %s (%.0f msg/s), compact %s\n", n,
			loaded.Round(time.Millisecond), float64(n)/loaded.Seconds(), (time.Since(start) - loaded).Round(time.Millisecond))
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	bench.warm.Do(func() {
		// One query reads every segment's key table (Open starts that in
		// the background), so the first kind measured does not pay for it.
		_, bench.err = bench.idx.Search(context.Background(), search.Query{WorkspaceID: 1,
			AllowedChatIDs: callerScope(bench.c), Text: "x", Now: bench.c.Config().End})
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.idx, bench.c
}

// BenchmarkEmbeddedIndexing measures bulk indexing throughput (batches of
// 1000, as Rebuild loads them) into a fresh index, safe and unsafe, over
// the first 20000 messages of the corpus.
func BenchmarkEmbeddedIndexing(b *testing.B) {
	n := min(benchDocs(), 20000)
	for _, unsafe := range []bool{false, true} {
		b.Run("unsafe="+strconv.FormatBool(unsafe), func(b *testing.B) {
			c := corpus.New(corpus.Config{Messages: n})
			for b.Loop() {
				idx, err := bleve.Open(filepath.Join(b.TempDir(), "s"), bleve.Options{Unsafe: unsafe})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if err := c.Each(1000, func(d []search.Doc) error { return idx.Upsert(context.Background(), d) }); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(n)/time.Since(start).Seconds(), "msg/s")
				_ = idx.Close()
			}
		})
	}
}

// BenchmarkEmbeddedUpsertOne measures the live path: one message per
// synchronous (safe) write, as the indexer applies message.created events,
// into an index preloaded with 10000 messages.
func BenchmarkEmbeddedUpsertOne(b *testing.B) {
	c := corpus.New(corpus.Config{Messages: 10000})
	idx, err := bleve.Open(filepath.Join(b.TempDir(), "s"), bleve.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer idx.Close()
	if err := c.Each(1000, func(d []search.Doc) error { return idx.Upsert(context.Background(), d) }); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	var lat []time.Duration
	next := int64(1_000_000)
	for b.Loop() {
		next++
		d := search.Doc{ID: next, WorkspaceID: 1, ChatID: c.Chats[0].ID, ChatType: c.Chats[0].Type,
			SenderID: c.Users[0].ID, Content: c.Word(rng) + " " + c.Word(rng), CreatedAt: time.Now()}
		start := time.Now()
		if err := idx.Upsert(context.Background(), []search.Doc{d}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

// queryKind builds the queries of one benchmark.
type queryKind struct {
	name string
	make func(rng *rand.Rand, c *corpus.Corpus, q search.Query) []search.Query
}

var queryKinds = []queryKind{
	{"single-word", func(rng *rand.Rand, c *corpus.Corpus, q search.Query) []search.Query {
		q.Text = c.WordOfLength(rng, 4) + " "
		return []search.Query{q}
	}},
	{"misspelled", func(rng *rand.Rand, c *corpus.Corpus, q search.Query) []search.Query {
		q.Text = corpus.Misspell(rng, c.WordOfLength(rng, 6)) + " "
		return []search.Query{q}
	}},
	{"two-word-typed", func(rng *rand.Rand, c *corpus.Corpus, q search.Query) []search.Query {
		typed := c.WordOfLength(rng, 4) + " " + c.WordOfLength(rng, 4)
		var qs []search.Query
		for i := 1; i <= len(typed); i++ {
			q.Text = typed[:i]
			qs = append(qs, q)
		}
		return qs
	}},
	// The first keystrokes of search as you type, on their own: the
	// p99 of two-word-typed is theirs.
	{"first-letter", func(rng *rand.Rand, c *corpus.Corpus, q search.Query) []search.Query {
		q.Text = firstRunes(c.WordOfLength(rng, 4), 1)
		return []search.Query{q}
	}},
	{"two-letters", func(rng *rand.Rand, c *corpus.Corpus, q search.Query) []search.Query {
		q.Text = firstRunes(c.WordOfLength(rng, 4), 2)
		return []search.Query{q}
	}},
	// The first keystroke as the web app sends it: with all four facets.
	{"first-letter-faceted", func(rng *rand.Rand, c *corpus.Corpus, q search.Query) []search.Query {
		q.Text = firstRunes(c.WordOfLength(rng, 4), 1)
		q.Facets = []search.Facet{search.FacetSender, search.FacetChat, search.FacetChatType, search.FacetDate}
		return []search.Query{q}
	}},
	{"filtered-faceted", func(rng *rand.Rand, c *corpus.Corpus, q search.Query) []search.Query {
		q.Text = c.WordOfLength(rng, 4)
		q.Facets = []search.Facet{search.FacetSender, search.FacetChat, search.FacetChatType, search.FacetDate}
		q.ChatTypes = []model.ChatType{model.ChatPublicChannel, model.ChatPrivateChannel, model.ChatGroup}
		q.From = c.Config().End.Add(-180 * 24 * time.Hour)
		return []search.Query{q}
	}},
	{"browse-newest-faceted", func(rng *rand.Rand, c *corpus.Corpus, q search.Query) []search.Query {
		q.Sort = search.SortNewest
		q.Facets = []search.Facet{search.FacetSender, search.FacetChat, search.FacetDate}
		return []search.Query{q}
	}},
}

// callerScope is a member of half the chats: every channel and a share of
// the groups and direct chats.
func callerScope(c *corpus.Corpus) []int64 {
	var out []int64
	for i, ch := range c.Chats {
		if ch.Type.IsChannel() || i%3 == 0 {
			out = append(out, ch.ID)
		}
	}
	return out
}

// BenchmarkEmbeddedQuery reports latency percentiles per query kind.
func BenchmarkEmbeddedQuery(b *testing.B) {
	idx, c := benchIndex(b)
	base := search.Query{WorkspaceID: 1, AllowedChatIDs: callerScope(c), Now: c.Config().End}
	for _, k := range queryKinds {
		b.Run(k.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(42, 42))
			var pending []search.Query
			var lat []time.Duration
			total := 0
			b.ReportAllocs()
			cpu0 := processCPU()
			for b.Loop() {
				if len(pending) == 0 {
					pending = k.make(rng, c, base)
				}
				q := pending[0]
				pending = pending[1:]
				start := time.Now()
				res, err := idx.Search(context.Background(), q)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				total += res.Total
			}
			cpu := processCPU() - cpu0
			reportPercentiles(b, lat)
			b.ReportMetric(float64(total)/float64(len(lat)), "hits/op")
			// CPU of the process per query (the engine's, plus bleve's
			// background merges, if any): on a shared machine it moves far
			// less with the other tenants' load than the latencies do.
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(len(lat)), "cpu-ms/op")
			b.ReportMetric(loadAverage(), "load1")
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// processCPU is the CPU time (user and system) of this process so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAverage is the machine's one-minute load average (0 where
// /proc/loadavg is missing).
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	return f
}

// firstRunes is the first n letters of w (not bytes: a word may start
// with a letter of two bytes, and half of it is no letter at all).
func firstRunes(w string, n int) string {
	for i := range w {
		if n == 0 {
			return w[:i]
		}
		n--
	}
	return w
}
