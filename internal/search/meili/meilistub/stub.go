// Package meilistub is a stand-in for a Meilisearch server, for tests only:
// an httptest server that speaks the part of Meilisearch's HTTP API that
// Fechatter's backend uses (indexes, settings, documents, search and
// federated multi-search, tasks, stats, health), with the master key
// enforced and writes applied asynchronously as tasks.
//
// Its search is deliberately simple but follows Meilisearch's documented
// and coded behaviour where the backend depends on it: the last word is a
// prefix only when nothing follows it, typos per word length (a first
// letter typo counts twice), "phrases" and -negations, matchingStrategy,
// ranking rules applied in order with the sort rule, ranking scores merged
// as milli's Rank::merge does, federation weights, facets only on
// filterable attributes, maxTotalHits, _formatted with highlight tags and
// crop. It has its own tokenizer on purpose: sharing the search package's
// would make the tests agree with themselves. What it does not do (split
// words, n-grams, multi-word synonyms, typo on synonyms, geo, vectors) is
// listed in docs/search-meilisearch.md.
package meilistub

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// DefaultMasterKey is the key of a stub made with an empty Options.MasterKey.
const DefaultMasterKey = "stub-master-key-0123456789abcdef"

// Options configures New.
type Options struct {
	// MasterKey every route but GET /health requires as a bearer token.
	// Default DefaultMasterKey.
	MasterKey string
	// TaskDelay is how long each task waits in the queue before it is
	// processed, so callers see enqueued tasks. Default 1ms.
	TaskDelay time.Duration
}

// Server is a running stub. Its embedded httptest.Server gives URL; Close
// stops both the HTTP server and the task processor.
type Server struct {
	*httptest.Server
	key   string
	delay time.Duration

	mu       sync.Mutex
	indexes  map[string]*index
	tasks    []*task // by uid-1
	queue    []*task // enqueued, in order
	failNext int
	paused   bool
	requests map[string]int // "METHOD /path pattern" -> count

	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// New starts a stub on a loopback port.
func New(opts Options) *Server {
	s := &Server{
		key: opts.MasterKey, delay: opts.TaskDelay, indexes: map[string]*index{}, requests: map[string]int{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	if s.key == "" {
		s.key = DefaultMasterKey
	}
	if s.delay <= 0 {
		s.delay = time.Millisecond
	}
	s.Server = httptest.NewServer(s.routes())
	go s.process()
	return s
}

// MasterKey is the key the stub requires.
func (s *Server) MasterKey() string { return s.key }

// Close stops the task processor and the HTTP server. It is idempotent.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.Server.Close()
	})
}

// FailNextTasks makes the next n document tasks (additions, updates,
// deletions) fail with an internal error instead of being applied.
func (s *Server) FailNextTasks(n int) {
	s.mu.Lock()
	s.failNext = n
	s.mu.Unlock()
}

// Pause stops processing tasks; they stay enqueued until Resume.
func (s *Server) Pause() {
	s.mu.Lock()
	s.paused = true
	s.mu.Unlock()
}

// Resume processes tasks again.
func (s *Server) Resume() {
	s.mu.Lock()
	s.paused = false
	s.mu.Unlock()
	s.poke()
}

// Requests counts the requests served for a route pattern such as
// "POST /multi-search".
func (s *Server) Requests(pattern string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[pattern]
}

// TaskStatuses counts tasks by status.
func (s *Server) TaskStatuses() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, t := range s.tasks {
		out[t.Status]++
	}
	return out
}

type handler func(w http.ResponseWriter, r *http.Request) *apiError

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "available"})
	})
	for pattern, h := range map[string]handler{
		"GET /version":                               s.version,
		"GET /stats":                                 s.stats,
		"GET /indexes":                               s.listIndexes,
		"POST /indexes":                              s.createIndex,
		"GET /indexes/{uid}":                         s.getIndex,
		"DELETE /indexes/{uid}":                      s.deleteIndex,
		"GET /indexes/{uid}/stats":                   s.indexStats,
		"GET /indexes/{uid}/settings":                s.getSettings,
		"PATCH /indexes/{uid}/settings":              s.patchSettings,
		"GET /indexes/{uid}/settings/{name}":         s.getSetting,
		"PUT /indexes/{uid}/settings/{name}":         s.putSetting,
		"POST /indexes/{uid}/documents":              s.addDocuments,
		"PUT /indexes/{uid}/documents":               s.updateDocuments,
		"DELETE /indexes/{uid}/documents":            s.deleteAllDocuments,
		"POST /indexes/{uid}/documents/delete-batch": s.deleteBatch,
		"POST /indexes/{uid}/documents/delete":       s.deleteByFilter,
		"POST /indexes/{uid}/documents/fetch":        s.fetchDocuments,
		"GET /indexes/{uid}/documents/{id}":          s.getDocument,
		"POST /indexes/{uid}/search":                 s.searchIndex,
		"POST /multi-search":                         s.multiSearch,
		"GET /tasks":                                 s.listTasks,
		"GET /tasks/{uid}":                           s.getTask,
	} {
		mux.Handle(pattern, s.authed(pattern, h))
	}
	return mux
}

// authed enforces the master key (Meilisearch: every route but GET /health).
func (s *Server) authed(pattern string, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests[pattern]++
		s.mu.Unlock()
		auth := r.Header.Get("Authorization")
		switch {
		case auth == "":
			writeErr(w, errAuthMissing())
		case strings.TrimPrefix(auth, "Bearer ") != s.key:
			writeErr(w, errAuthInvalid())
		default:
			if err := h(w, r); err != nil {
				writeErr(w, err)
			}
		}
	})
}

func (s *Server) version(w http.ResponseWriter, _ *http.Request) *apiError {
	writeJSON(w, http.StatusOK, map[string]string{"pkgVersion": "stub", "commitSha": "stub", "commitDate": "stub"})
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// decodeBody reads a JSON body keeping numbers exact.
func decodeBody(r *http.Request, v any) *apiError {
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return badRequest("bad_request", "The request body is not valid JSON: "+err.Error())
	}
	return nil
}
