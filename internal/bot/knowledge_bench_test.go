package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// benchStore is an in-memory knowledge store: the benchmark measures
// retrieval (the index, the vectors, fusion), not a database.
type benchStore struct {
	Store
	docs   []model.KnowledgeDocument
	chunks map[int64]model.KnowledgeChunk
}

func (s *benchStore) KnowledgeDocuments(context.Context, int64, string) ([]model.KnowledgeDocument, error) {
	return s.docs, nil
}

func (s *benchStore) KnowledgeChunks(_ context.Context, _, docID int64) ([]model.KnowledgeChunk, error) {
	var out []model.KnowledgeChunk
	for _, c := range s.chunks {
		if c.DocumentID == docID {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *benchStore) KnowledgeChunksByID(_ context.Context, _ int64, ids []int64) ([]model.KnowledgeChunk, error) {
	out := make([]model.KnowledgeChunk, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.chunks[id])
	}
	return out, nil
}

func (s *benchStore) KnowledgeEmbeddings(context.Context, int64, string) ([]model.KnowledgeChunk, error) {
	out := make([]model.KnowledgeChunk, 0, len(s.chunks))
	for _, c := range s.chunks {
		out = append(out, c)
	}
	return out, nil
}

// Shape of the benchmark corpus: 100 documents of 100 chunks, each of
// chunkWords words from a vocabulary of vocabulary words.
const (
	benchDocs      = 100
	benchChunksDoc = 100
	chunkWords     = 150
	vocabulary     = 5000
)

func benchWord(r *rand.Rand) string {
	// Zipf-like: a few words are common, most are rare.
	return fmt.Sprintf("w%d", int(float64(vocabulary)*r.Float64()*r.Float64()))
}

func randomVector(r *rand.Rand, dims int) []float32 {
	v := make([]float32, dims)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// embedServer answers the embeddings API with random vectors of dims.
func embedServer(b *testing.B, dims int) *httptest.Server {
	r := rand.New(rand.NewPCG(1, 2))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		v := randomVector(r, dims)
		_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "model": "m",
			"data": []any{map[string]any{"object": "embedding", "index": 0, "embedding": v}}})
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkRetrieval measures knowledge retrieval over 10,000 chunks:
// BM25 alone, and BM25 plus cosine similarity over embeddings of 768 and
// 1536 dimensions (the question embedded by a local stub server), fused by
// RRF. It reports p50 and p99 per query.
func BenchmarkRetrieval(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 7))
	st := &benchStore{chunks: map[int64]model.KnowledgeChunk{}}
	var id int64
	for d := range benchDocs {
		docID := int64(d + 1)
		st.docs = append(st.docs, model.KnowledgeDocument{ID: docID, WorkspaceID: 1, Title: fmt.Sprintf("doc %d", d), Chunks: benchChunksDoc})
		for seq := range benchChunksDoc {
			id++
			words := make([]string, chunkWords)
			for i := range words {
				words[i] = benchWord(r)
			}
			st.chunks[id] = model.KnowledgeChunk{ID: id, DocumentID: docID, WorkspaceID: 1, Seq: seq, Text: strings.Join(words, " ")}
		}
	}
	kb, err := openKBIndex(filepath.Join(b.TempDir(), "knowledge"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = kb.close() })
	ctx := context.Background()
	if err := kb.sync(ctx, 1, st.docs, func(docID int64) ([]model.KnowledgeChunk, error) {
		return st.KnowledgeChunks(ctx, 1, docID)
	}); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		dims int
	}{{"bm25", 0}, {"hybrid-768", 768}, {"hybrid-1536", 1536}} {
		b.Run(tc.name, func(b *testing.B) {
			cfg := Config{Timeout: time.Minute}
			var mc *modelClient
			if tc.dims > 0 {
				for cid, c := range st.chunks {
					c.Embedding = randomVector(r, tc.dims)
					st.chunks[cid] = c
				}
				for i := range st.docs {
					st.docs[i].Embedded = benchChunksDoc * tc.dims // a new signature: reload vectors
				}
				cfg = Config{BaseURL: embedServer(b, tc.dims).URL, Model: "chat", EmbeddingModel: "m", Timeout: time.Minute}
				mc = newModelClient(cfg)
			}
			s := &Service{cfg: cfg, store: st, model: mc, kb: kb, log: slog.New(slog.DiscardHandler),
				vecs: vectorCache{ws: map[int64]vectorSet{}}}
			if _, err := s.searchKnowledge(ctx, 1, "warm up", knowledgeResults); err != nil {
				b.Fatal(err)
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				q := benchWord(r) + " " + benchWord(r) + " " + benchWord(r) + " " + benchWord(r)
				start := time.Now()
				hits, err := s.searchKnowledge(ctx, 1, q, knowledgeResults)
				lat = append(lat, time.Since(start))
				if err != nil || len(hits) == 0 {
					b.Fatalf("%q: %d hits, %v", q, len(hits), err)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
			if b.N >= 100 {
				fmt.Printf("retrieval %s over %d chunks: p50 %v, p99 %v (%d queries)\n", tc.name, len(st.chunks), p50, p99, len(lat))
			}
		})
	}
}

func TestFuse(t *testing.T) {
	bm25 := []int64{1, 2, 3}
	vec := []int64{4, 2, 5}
	got := fuse(bm25, vec)
	// 2 is in both lists and wins; every id of either list is kept.
	if got[0] != 2 || len(got) != 5 {
		t.Fatalf("fuse = %v", got)
	}
	for _, id := range []int64{1, 3, 4, 5} {
		if !slices.Contains(got, id) {
			t.Errorf("%d lost in fusion: %v", id, got)
		}
	}
	if got := fuse(bm25); !slices.Equal(got, bm25) {
		t.Errorf("one list keeps its order: %v", got)
	}
	if got := fuse(); len(got) != 0 {
		t.Errorf("no lists: %v", got)
	}
}
