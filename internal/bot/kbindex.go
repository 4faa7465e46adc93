package bot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/fechatter/fechatter/internal/model"
)

// Fields of a chunk in the knowledge index.
const (
	kfWorkspace = "ws"
	kfDocument  = "doc"
	kfText      = "text"
)

// kbIndex is the knowledge base's BM25 index: one bleve document per
// chunk (id: the chunk's id), with its workspace and document as keywords
// and its text analysed for English. It is a copy: the database holds the
// chunks, and sync puts right whatever the index lacks or has too much
// (a new index, a document added or removed on another node).
type kbIndex struct {
	idx bleve.Index

	mu sync.Mutex
	// docs holds, per workspace whose contents were read, the chunk count
	// of each document the index holds.
	docs map[int64]map[int64]int
}

// openKBIndex opens the index in dir, creating it (and its parent, 0700)
// when absent.
func openKBIndex(dir string) (*kbIndex, error) {
	idx, err := bleve.Open(dir)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
			return nil, err
		}
		idx, err = bleve.New(dir, kbMapping())
		if err == nil {
			// Bleve writes index_meta.json 0666 less the umask; the rest of
			// the index (document text) is 0600, and so must this be.
			if cerr := os.Chmod(filepath.Join(dir, "index_meta.json"), 0o600); cerr != nil {
				return nil, errors.Join(cerr, idx.Close())
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open knowledge index %s: %w", dir, err)
	}
	return &kbIndex{idx: idx, docs: map[int64]map[int64]int{}}, nil
}

func kbMapping() *mapping.IndexMappingImpl {
	im := bleve.NewIndexMapping()
	im.ScoringModel = index.BM25Scoring
	kw := bleve.NewKeywordFieldMapping()
	kw.Store, kw.IncludeInAll, kw.IncludeTermVectors = false, false, false
	text := bleve.NewTextFieldMapping()
	text.Analyzer = en.AnalyzerName
	text.Store, text.IncludeInAll, text.IncludeTermVectors = false, false, false
	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(kfWorkspace, kw)
	dm.AddFieldMappingsAt(kfDocument, kw)
	dm.AddFieldMappingsAt(kfText, text)
	im.DefaultMapping = dm
	return im
}

func (k *kbIndex) close() error { return k.idx.Close() }

// sync makes the index hold exactly the chunks of docs, the workspace's
// documents as the database has them, reading the missing chunks with
// load.
func (k *kbIndex) sync(ctx context.Context, wsID int64, docs []model.KnowledgeDocument, load func(docID int64) ([]model.KnowledgeChunk, error)) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	have, ok := k.docs[wsID]
	if !ok {
		var err error
		if have, err = k.read(ctx, wsID); err != nil {
			return err
		}
		k.docs[wsID] = have
	}
	want := make(map[int64]bool, len(docs))
	for _, d := range docs {
		want[d.ID] = true
		if n, ok := have[d.ID]; ok && n == d.Chunks {
			continue
		}
		chunks, err := load(d.ID)
		if err != nil {
			return err
		}
		if err := k.put(ctx, wsID, d.ID, chunks); err != nil {
			return err
		}
		have[d.ID] = len(chunks)
	}
	for id := range have {
		if !want[id] {
			if err := k.drop(ctx, id); err != nil {
				return err
			}
			delete(have, id)
		}
	}
	return nil
}

// maxDocsPerWorkspace bounds the documents of one workspace (and the
// facet that reads them back from the index).
const maxDocsPerWorkspace = 1000

// read returns the chunk count of each document of the workspace that
// the index holds.
func (k *kbIndex) read(ctx context.Context, wsID int64) (map[int64]int, error) {
	req := bleve.NewSearchRequestOptions(termQuery(kfWorkspace, itoa(wsID)), 0, 0, false)
	req.AddFacet(kfDocument, bleve.NewFacetRequest(kfDocument, maxDocsPerWorkspace*2))
	res, err := k.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("read knowledge index: %w", err)
	}
	out := map[int64]int{}
	if f := res.Facets[kfDocument]; f != nil && f.Terms != nil {
		for _, t := range f.Terms.Terms() {
			if id, err := strconv.ParseInt(t.Term, 10, 64); err == nil {
				out[id] = t.Count
			}
		}
	}
	return out, nil
}

// put replaces a document's chunks.
func (k *kbIndex) put(ctx context.Context, wsID, docID int64, chunks []model.KnowledgeChunk) error {
	if err := k.drop(ctx, docID); err != nil {
		return err
	}
	b := k.idx.NewBatch()
	for _, c := range chunks {
		if err := b.Index(itoa(c.ID), map[string]any{kfWorkspace: itoa(wsID), kfDocument: itoa(docID), kfText: c.Text}); err != nil {
			return err
		}
	}
	return k.idx.Batch(b)
}

// drop removes a document's chunks.
func (k *kbIndex) drop(ctx context.Context, docID int64) error {
	for {
		req := bleve.NewSearchRequestOptions(termQuery(kfDocument, itoa(docID)), 1000, 0, false)
		res, err := k.idx.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("read knowledge index: %w", err)
		}
		if len(res.Hits) == 0 {
			return nil
		}
		b := k.idx.NewBatch()
		for _, h := range res.Hits {
			b.Delete(h.ID)
		}
		if err := k.idx.Batch(b); err != nil {
			return err
		}
	}
}

// search returns the ids of the workspace's chunks that best match text
// by BM25, best first.
func (k *kbIndex) search(ctx context.Context, wsID int64, text string, n int) ([]int64, error) {
	match := bleve.NewMatchQuery(text)
	match.SetField(kfText)
	ws := termQuery(kfWorkspace, itoa(wsID))
	ws.SetBoost(0)
	req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(ws, match), n, 0, false)
	res, err := k.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search knowledge: %w", err)
	}
	out := make([]int64, 0, len(res.Hits))
	for _, h := range res.Hits {
		if id, err := strconv.ParseInt(h.ID, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out, nil
}

func termQuery(field, term string) *query.TermQuery {
	q := bleve.NewTermQuery(term)
	q.SetField(field)
	return q
}
