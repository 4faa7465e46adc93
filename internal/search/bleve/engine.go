// Package bleve is Fechatter's embedded search engine: a search.Index kept
// in a bleve (scorch) index under the data dir, in process, single-node.
//
// A query goes Engine.Search (search.go) -> the text query (query.go) and
// the key filter, which reads each match's sort key (sortkey.go) from the
// key cache (keycache.go) for the permission check, filters, ranking and
// facets (facets.go) -> the page's stored fields and labels (labels.go).
// Writes are in write.go. Inside this package, "bleve." is the library.
package bleve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	// custom registers the analyzer type our mapping builds on.
	_ "github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/token/edgengram"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/registry"
	index "github.com/blevesearch/bleve_index_api"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/fechatter/fechatter/internal/search"
)

// Names registered with bleve's registry; they are stored in the index
// mapping on disk, so they must never change.
const (
	bleveTokenizer = "fechatter_words"
	bleveAnalyzer  = "fechatter_text"
	blevePrefixes  = "fechatter_prefixes"
	bleveEdgeGrams = "fechatter_edge"
	bleveDocType   = "msg"
)

// Document fields of the embedded index.
const (
	fWorkspace = "ws"
	fChat      = "chat"
	fChatType  = "ctype"
	fSender    = "sender"
	fTime      = "ts" // unix milliseconds
	fContent   = "text"
	fSenderUN  = "sun"
	fSenderDN  = "sdn"
	fSeq       = "seq"
	fPrefix    = "pfx" // the content again, as edge n-grams: prefix queries are one term
	fSortKey   = "sk"  // time, chat type and chat in one sortable value (one doc-value read)
)

// maxPrefixGram is the longest word prefix indexed; longer prefixes fall
// back to a prefix scan of the text field (few words are that long).
const maxPrefixGram = 4

// Options tune the embedded index.
type Options struct {
	// Unsafe makes writes return before they are fsynced (bleve's
	// unsafe_batch): much faster bulk loads; a crash may lose the latest
	// writes, so only Rebuild, which can simply run again, should set it.
	// Default: false.
	Unsafe bool
}

// Engine is the default search.Index: a bleve (scorch) index in a directory of
// the data dir, in process. It is single-node only: a cluster uses
// Meilisearch.
type Engine struct {
	idx  bleve.Index
	tags search.HighlightTags

	mu     sync.RWMutex // guards closed; writers and searchers hold it shared
	closed bool
	// upsertMu serialises Upsert (see there).
	upsertMu sync.Mutex
	labels   *labelCache
	keys     *keyCache
	// noScan turns the scan path (scan.go) off, so tests can compare it
	// with bleve's path.
	noScan bool
}

var registerOnce sync.Once

// register adds our tokenizer to bleve's registry, once per process.
func register() {
	registerOnce.Do(func() {
		// Another copy of this package in the process (tests) may have
		// registered it already; the error says only that.
		_ = registry.RegisterTokenizer(bleveTokenizer, func(map[string]any, *registry.Cache) (analysis.Tokenizer, error) {
			return wordTokenizer{}, nil
		})
	})
}

// mergePlan tunes bleve's segment merging for chat: many small writes
// (the indexer writes a batch every 100 ms or so). With the default floor
// of 2,000 documents every segment smaller than that counts as that size,
// so the documents of small segments are merged again and again until a
// segment reaches it; with a floor of 100 the tiers grow tenfold from 100
// and each document is rewritten a few times. BenchmarkIndexerLive at 100
// events/s: 5.2 CPU-ms per event with the default floor, 2.0 with 100
// (see docs/benchmarks.md).
var mergePlan = map[string]any{"FloorSegmentSize": 100}

// ErrLocked is returned by Open when another process holds the index (a
// running server, or a reindex).
var ErrLocked = errors.New("the search index is in use by another process")

// lockWait is how long Open waits for another process to let go of the
// index: bolt's file lock would otherwise block forever, deaf to signals.
const lockWait = time.Second

// Open opens the index in dir, creating it when absent.
func Open(dir string, opt Options) (*Engine, error) {
	register()
	cfg := map[string]any{"unsafe_batch": opt.Unsafe, "scorchMergePlanOptions": mergePlan, "bolt_timeout": lockWait.String()}
	idx, err := bleve.OpenUsing(dir, cfg)
	if errors.Is(err, bleve.ErrorIndexPathDoesNotExist) {
		idx, err = createEmbedded(dir, cfg)
	}
	if errors.Is(err, bolterrors.ErrTimeout) {
		err = ErrLocked
	}
	if err != nil {
		return nil, fmt.Errorf("open search index %s: %w", dir, err)
	}
	e := &Engine{idx: idx, tags: search.NewHighlightTags(), keys: newKeyCache()}
	e.labels = newLabelCache(idx)
	go e.warmKeys()
	return e, nil
}

// warmKeys reads the key tables of the index as opened, so the first
// search after a start does not pay for them (about a second at 1M).
func (e *Engine) warmKeys() {
	_ = e.use(func() error {
		r, err := e.snapshot()
		if err != nil {
			return err
		}
		defer r.Close()
		_, _, err = e.keys.lookup(r)
		return err
	})
}

// snapshot opens a reader on the index as it is now; close it after use.
func (e *Engine) snapshot() (index.IndexReader, error) {
	ix, err := e.idx.Advanced()
	if err != nil {
		return nil, err
	}
	return ix.Reader()
}

// createEmbedded makes a new index in dir; its parent is made 0700 (the
// index holds message text). Bleve writes index_meta.json 0666 less the
// umask, so it is narrowed to 0600 like the rest of the index.
func createEmbedded(dir string, cfg map[string]any) (bleve.Index, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return nil, err
	}
	m, err := indexMapping()
	if err != nil {
		return nil, err
	}
	idx, err := bleve.NewUsing(dir, m, bleve.Config.DefaultIndexType, bleve.Config.DefaultKVStore, cfg)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(filepath.Join(dir, "index_meta.json"), 0o600); err != nil {
		return nil, errors.Join(err, idx.Close())
	}
	return idx, nil
}

// indexMapping describes message documents: ids as keywords, content
// analysed by our tokenizer with term vectors (for phrases), and the sort
// key with doc values, which the key cache reads (the chat check, the chat
// type and date filters, ranking, and the chat, chat type and date facets).
// Only what a query reads as postings or doc values is indexed: the chat
// (deletes by chat) and the sender (filter, facet) are; the chat type and
// time are only stored. Indexes created before keep their mapping (time,
// chat type and chat doc values, numeric time terms) and work the same.
func indexMapping() (*mapping.IndexMappingImpl, error) {
	im := bleve.NewIndexMapping()
	if err := im.AddCustomAnalyzer(bleveAnalyzer, map[string]any{
		"type": "custom", "tokenizer": bleveTokenizer,
	}); err != nil {
		return nil, fmt.Errorf("add analyzer: %w", err)
	}
	if err := im.AddCustomTokenFilter(bleveEdgeGrams, map[string]any{
		"type": edgengram.Name, "min": 1.0, "max": float64(maxPrefixGram), "back": false,
	}); err != nil {
		return nil, fmt.Errorf("add token filter: %w", err)
	}
	if err := im.AddCustomAnalyzer(blevePrefixes, map[string]any{
		"type": "custom", "tokenizer": bleveTokenizer, "token_filters": []any{bleveEdgeGrams},
	}); err != nil {
		return nil, fmt.Errorf("add analyzer: %w", err)
	}
	kw := func(docValues bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer, f.Store, f.DocValues, f.IncludeTermVectors = keyword.Name, true, docValues, false
		f.IncludeInAll = false
		return f
	}
	num := bleve.NewNumericFieldMapping()
	num.Index, num.Store, num.DocValues, num.IncludeInAll = false, true, false, false
	storedKW := kw(false)
	storedKW.Index = false
	text := bleve.NewTextFieldMapping()
	text.Analyzer, text.Store, text.IncludeTermVectors, text.IncludeInAll = bleveAnalyzer, true, true, false
	stored := bleve.NewTextFieldMapping()
	stored.Index, stored.Store, stored.IncludeInAll, stored.IncludeTermVectors = false, true, false, false
	pfx := bleve.NewTextFieldMapping()
	pfx.Analyzer, pfx.Store, pfx.IncludeTermVectors, pfx.IncludeInAll = blevePrefixes, false, false, false
	seq := bleve.NewNumericFieldMapping()
	seq.Index, seq.Store, seq.DocValues, seq.IncludeInAll = false, true, false, false

	dm := bleve.NewDocumentStaticMapping()
	dm.AddFieldMappingsAt(fWorkspace, kw(false))
	dm.AddFieldMappingsAt(fChat, kw(false))
	dm.AddFieldMappingsAt(fChatType, storedKW)
	dm.AddFieldMappingsAt(fSender, kw(true))
	dm.AddFieldMappingsAt(fTime, num)
	dm.AddFieldMappingsAt(fContent, text)
	dm.AddFieldMappingsAt(fSenderUN, stored)
	dm.AddFieldMappingsAt(fSenderDN, stored)
	dm.AddFieldMappingsAt(fSeq, seq)
	dm.AddFieldMappingsAt(fPrefix, pfx)
	sk := kw(true)
	sk.Store = false
	dm.AddFieldMappingsAt(fSortKey, sk)
	im.AddDocumentMapping(bleveDocType, dm)
	im.DefaultMapping = bleve.NewDocumentDisabledMapping()
	im.DefaultType = bleveDocType
	im.DefaultAnalyzer = keyword.Name
	im.StoreDynamic, im.IndexDynamic, im.DocValuesDynamic = false, false, false
	return im, nil
}

// wordTokenizer is TokenizeSpans as a bleve tokenizer: the index and the
// query parser split words identically.
type wordTokenizer struct{}

// Tokenize implements analysis.Tokenizer.
func (wordTokenizer) Tokenize(input []byte) analysis.TokenStream {
	toks := search.TokenizeSpans(string(input))
	out := make(analysis.TokenStream, len(toks))
	for i, t := range toks {
		out[i] = &analysis.Token{
			Start: t.Start, End: t.End, Term: []byte(t.Word), Position: t.Pos, Type: analysis.AlphaNumeric,
		}
	}
	return out
}

// use runs f unless the index is closed.
func (e *Engine) use(f func() error) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.closed {
		return search.ErrClosed
	}
	return f()
}

// Close flushes and closes the index; it is idempotent.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	if err := e.idx.Close(); err != nil {
		return fmt.Errorf("close search index: %w", err)
	}
	return nil
}

// Count implements Index.
func (e *Engine) Count(ctx context.Context, workspaceID int64) (int, error) {
	var n int
	err := e.use(func() error {
		if workspaceID == 0 {
			c, err := e.idx.DocCount()
			n = int(c)
			return err
		}
		req := bleve.NewSearchRequestOptions(termQ(fWorkspace, id(workspaceID), 0), 0, 0, false)
		res, err := e.idx.SearchInContext(ctx, req)
		if err != nil {
			return err
		}
		n = int(res.Total)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count documents: %w", err)
	}
	return n, nil
}

var _ search.Index = (*Engine)(nil)

// Compact merges the index into as few segments as it can. Searches get
// faster (each query term is looked up once per segment); Rebuild calls it
// after a bulk load. It can take a while on a large index.
func (e *Engine) Compact(ctx context.Context) error {
	return e.use(func() error {
		adv, err := e.idx.Advanced()
		if err != nil {
			return fmt.Errorf("compact: %w", err)
		}
		s, ok := adv.(*scorch.Scorch)
		if !ok {
			return nil
		}
		opts := mergeplan.SingleSegmentMergePlanOptions
		if err := s.ForceMerge(ctx, &opts); err != nil {
			return fmt.Errorf("compact: %w", err)
		}
		return nil
	})
}
