package bot

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/openai/openai-go/v3"

	"github.com/fechatter/fechatter/internal/model"
)

// Embedding rhythm: chunks are embedded in batches by a background loop
// that an upload wakes, and that looks again every embedRetry (after a
// failure, or for work another node left).
const (
	embedBatch = 32
	embedRetry = 30 * time.Second
)

// embed asks the endpoint for the embeddings of texts, in order.
func (m *modelClient) embed(ctx context.Context, embeddingModel string, texts []string) ([][]float32, error) {
	res, err := m.client.Embeddings.New(ctx, openai.EmbeddingNewParams{
		Model: embeddingModel,
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: texts},
	})
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	for _, d := range res.Data {
		if d.Index < 0 || int(d.Index) >= len(out) {
			continue
		}
		v := make([]float32, len(d.Embedding))
		for i, f := range d.Embedding {
			v[i] = float32(f)
		}
		out[d.Index] = v
	}
	for _, v := range out {
		if len(v) == 0 {
			return nil, errIncompleteEmbeddings
		}
	}
	return out, nil
}

type embedError string

func (e embedError) Error() string { return string(e) }

const errIncompleteEmbeddings = embedError("the endpoint returned fewer embeddings than asked")

// embeddings reports whether vector retrieval is on.
func (s *Service) embeddings() bool { return s.model != nil && s.cfg.EmbeddingModel != "" }

// wakeEmbedder tells the background loop there is work.
func (s *Service) wakeEmbedder() {
	select {
	case s.embedWake <- struct{}{}:
	default:
	}
}

// embedLoop embeds chunks that have no embedding of the configured model
// until stop is closed. A failure is logged and tried again later;
// keyword retrieval works meanwhile.
func (s *Service) embedLoop(stop <-chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { // owned: ends with embedLoop (cancel) or stop
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	t := time.NewTicker(embedRetry)
	defer t.Stop()
	for {
		for ctx.Err() == nil {
			n, err := s.embedSome(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("embed knowledge chunks", "error", err)
				}
				break
			}
			if n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.embedWake:
		case <-t.C:
		}
	}
}

// embedSome embeds one batch and returns how many chunks it embedded.
func (s *Service) embedSome(ctx context.Context) (int, error) {
	pending, err := s.store.ChunksToEmbed(ctx, s.cfg.EmbeddingModel, embedBatch)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	texts := make([]string, len(pending))
	for i, c := range pending {
		texts[i] = c.Text
	}
	mctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	vecs, err := s.model.embed(mctx, s.cfg.EmbeddingModel, texts)
	if err != nil {
		return 0, err
	}
	for i, c := range pending {
		if err := s.store.PutKnowledgeEmbedding(ctx, c.ID, s.cfg.EmbeddingModel, vecs[i]); err != nil {
			return i, err
		}
	}
	return len(pending), nil
}

// vectorCache holds each workspace's chunk embeddings, normalised, as
// long as the workspace's documents and their embedded counts stay the
// same (sig).
type vectorCache struct {
	mu sync.Mutex
	ws map[int64]vectorSet
}

type vectorSet struct {
	sig  string
	ids  []int64
	vecs [][]float32
}

// signature names a workspace's documents and how far each is embedded.
func signature(docs []model.KnowledgeDocument) string {
	var b strings.Builder
	for _, d := range docs {
		b.WriteString(strconv.FormatInt(d.ID, 10) + ":" + strconv.Itoa(d.Embedded) + ",")
	}
	return b.String()
}

// vectors returns the workspace's embeddings, from the cache when docs
// say nothing changed.
func (s *Service) vectors(ctx context.Context, wsID int64, docs []model.KnowledgeDocument) (vectorSet, error) {
	sig := signature(docs)
	s.vecs.mu.Lock()
	vs, ok := s.vecs.ws[wsID]
	s.vecs.mu.Unlock()
	if ok && vs.sig == sig {
		return vs, nil
	}
	rows, err := s.store.KnowledgeEmbeddings(ctx, wsID, s.cfg.EmbeddingModel)
	if err != nil {
		return vectorSet{}, err
	}
	vs = vectorSet{sig: sig, ids: make([]int64, 0, len(rows)), vecs: make([][]float32, 0, len(rows))}
	for _, r := range rows {
		vs.ids = append(vs.ids, r.ID)
		vs.vecs = append(vs.vecs, normalize(r.Embedding))
	}
	s.vecs.mu.Lock()
	s.vecs.ws[wsID] = vs
	s.vecs.mu.Unlock()
	return vs, nil
}

// nearest returns the ids of the n vectors most similar to q (cosine),
// best first; vectors of another length (another model's) are skipped.
func (vs vectorSet) nearest(q []float32, n int) []int64 {
	q = normalize(q)
	type scored struct {
		id  int64
		sim float32
	}
	all := make([]scored, 0, len(vs.ids))
	for i, v := range vs.vecs {
		if len(v) != len(q) {
			continue
		}
		var dot float32
		for j := range v {
			dot += v[j] * q[j]
		}
		all = append(all, scored{vs.ids[i], dot})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].sim > all[j].sim })
	out := make([]int64, 0, min(n, len(all)))
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.id)
	}
	return out
}

func normalize(v []float32) []float32 {
	var sum float64
	for _, f := range v {
		sum += float64(f) * float64(f)
	}
	if sum == 0 {
		return v
	}
	inv := float32(1 / math.Sqrt(sum))
	out := make([]float32, len(v))
	for i, f := range v {
		out[i] = f * inv
	}
	return out
}

// rrfK is the constant of reciprocal rank fusion (Cormack, Clarke and
// Büttcher 2009): a document's score is the sum of 1/(k+rank) over the
// lists it is in.
const rrfK = 60

// fuse merges ranked lists of ids by reciprocal rank fusion, best first;
// ties keep the order of first appearance.
func fuse(lists ...[]int64) []int64 {
	score := map[int64]float64{}
	var order []int64
	for _, l := range lists {
		for rank, id := range l {
			if _, ok := score[id]; !ok {
				order = append(order, id)
			}
			score[id] += 1 / float64(rrfK+rank+1)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return score[order[i]] > score[order[j]] })
	return order
}
