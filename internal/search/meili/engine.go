// Package meili is Fechatter's Meilisearch engine: a search.Index backed
// by a Meilisearch server (the appliance's sidecar or an external one),
// for clusters. meilistub is a stand-in server its tests run against.
//
// A query goes Engine.Search (search.go) -> the plan, filters and boost
// partitions (query.go) -> one multi-search request -> hits decoded from
// documents (doc.go). Writes (writes.go) are enqueued operations (ops.go)
// whose tasks tasks.go follows; settings.go keeps per-workspace Settings.
package meili

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/fechatter/fechatter/internal/search"
)

// Engine is the Meilisearch implementation of search.Index (ARCHITECTURE.md §6).
//
// Layout: one Meilisearch index per workspace, "<IndexUID>_<workspace id>",
// plus "<IndexUID>_settings" holding each workspace's Settings. Per-workspace
// indexes let synonyms differ by workspace (Meilisearch settings are per
// index), make deleting a workspace cheap, and give tenant isolation a
// second wall behind the mandatory workspace_id filter. Stop words and the
// relevance knobs are applied client-side (see queryText and
// boostPartitions); docs/search-meilisearch.md explains why.
//
// Writes are enqueued and return without waiting for Meilisearch to index
// them; a watcher goroutine follows their tasks and retries failed ones.
// Read-your-writes is kept by Search and Count, which first wait (bounded
// by Config.ReadWait) until the workspace has no write in flight.
type Engine struct {
	cfg    Config
	client meilisearch.ServiceManager
	log    *slog.Logger
	tags   search.HighlightTags
	tasks  *taskTracker
	prefs  *settingsCache

	ensureMu sync.Mutex
	readyMu  sync.Mutex
	ready    map[int64]bool // workspace indexes known to exist with our settings

	closed atomic.Bool
	once   sync.Once
	stop   context.CancelFunc
	done   chan struct{}
}

// Config configures New.
type Config struct {
	// URL of the Meilisearch server (the sidecar's or an external one). Required.
	URL string
	// APIKey is sent as a bearer token (the master key or an admin key). Default "".
	APIKey string
	// IndexUID prefixes every index this backend owns. Default "messages".
	IndexUID string
	// Log receives task failures and retries. Default slog.Default().
	Log *slog.Logger
	// HTTPClient talks to Meilisearch. Default: a client with a 30 s timeout.
	HTTPClient *http.Client
	// PollInterval is how often pending write tasks are checked. Default 50ms.
	PollInterval time.Duration
	// ReadWait bounds how long Search and Count wait for the workspace's
	// writes in flight before answering anyway. Default 2s.
	ReadWait time.Duration
	// MaxRetries is how often a failed write task is enqueued again. Default 3.
	MaxRetries int
	// MaxPending bounds the write tasks in flight; past it writes wait (back
	// pressure when Meilisearch falls behind). Default 1024.
	MaxPending int
	// SyncWrites makes every write wait until its task succeeded (for tools
	// that need it; the indexer does not). Default false.
	SyncWrites bool
	// SettingsTTL is how long a workspace's Settings are cached; other nodes'
	// changes show up after it. Default 30s.
	SettingsTTL time.Duration
	// SetupTimeout bounds each awaited settings or index task. Default 60s.
	SetupTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.IndexUID == "" {
		c.IndexUID = "messages"
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	c.PollInterval = durationOr(c.PollInterval, 50*time.Millisecond)
	c.ReadWait = durationOr(c.ReadWait, 2*time.Second)
	c.SettingsTTL = durationOr(c.SettingsTTL, 30*time.Second)
	c.SetupTimeout = durationOr(c.SetupTimeout, time.Minute)
	if c.MaxRetries <= 0 {
		c.MaxRetries = 3
	}
	if c.MaxPending <= 0 {
		c.MaxPending = 1024
	}
	return c
}

func durationOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (c Config) validate() error {
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("meilisearch url %q: want http(s)://host[:port]", c.URL)
	}
	for _, r := range c.IndexUID {
		if !(r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')) {
			return fmt.Errorf("meilisearch index uid %q: only letters, digits, - and _", c.IndexUID)
		}
	}
	return nil
}

// New connects to Meilisearch, applies the index settings (waiting for
// their tasks) and starts the task watcher. Close stops it.
func New(ctx context.Context, cfg Config) (*Engine, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	opts := []meilisearch.Option{meilisearch.WithCustomClient(cfg.HTTPClient)}
	if cfg.APIKey != "" {
		opts = append(opts, meilisearch.WithAPIKey(cfg.APIKey))
	}
	m := &Engine{
		cfg: cfg, client: meilisearch.New(cfg.URL, opts...), log: cfg.Log,
		tags: search.NewHighlightTags(), ready: map[int64]bool{},
	}
	m.tasks = newTaskTracker(m)
	m.prefs = newSettingsCache(cfg.SettingsTTL)
	if err := m.setup(ctx); err != nil {
		m.client.Close()
		return nil, err
	}
	wctx, cancel := context.WithCancel(context.Background())
	m.stop, m.done = cancel, make(chan struct{})
	go m.tasks.run(wctx, m.done)
	return m, nil
}

// setup checks health, creates the settings index and re-applies the base
// settings to every workspace index (so an upgrade that changes them takes
// effect at start).
func (m *Engine) setup(ctx context.Context) error {
	h, err := m.client.Health(ctx)
	if err != nil {
		return fmt.Errorf("meilisearch health: %w", cleanErr(err))
	}
	if h.Status != "available" {
		return fmt.Errorf("meilisearch health: status %q", h.Status)
	}
	if err := m.createIndex(ctx, m.settingsUID(), "workspace_id"); err != nil {
		return err
	}
	wss, err := m.workspaceIndexes(ctx)
	if err != nil {
		return err
	}
	for _, ws := range wss {
		if err := m.applySettings(ctx, ws, baseIndexSettings()); err != nil {
			return err
		}
		m.markReady(ws)
	}
	return nil
}

// Close stops the task watcher. Writes still queued in Meilisearch stay
// there and are applied; only their retry on failure is given up.
func (m *Engine) Close() error {
	m.once.Do(func() {
		m.closed.Store(true)
		if m.stop != nil {
			m.stop()
			<-m.done
		}
		if n := m.tasks.pendingCount(0); n > 0 {
			m.log.Warn("meilisearch: closing with write tasks unconfirmed", "tasks", n)
		}
		m.client.Close()
	})
	return nil
}

func (m *Engine) checkOpen() error {
	if m.closed.Load() {
		return search.ErrClosed
	}
	return nil
}

// indexUID names the index of one workspace.
func (m *Engine) indexUID(ws int64) string {
	return m.cfg.IndexUID + "_" + strconv.FormatInt(ws, 10)
}

func (m *Engine) settingsUID() string { return m.cfg.IndexUID + "_settings" }

// workspaceOf parses an index uid made by indexUID.
func (m *Engine) workspaceOf(uid string) (int64, bool) {
	rest, ok := strings.CutPrefix(uid, m.cfg.IndexUID+"_")
	if !ok {
		return 0, false
	}
	ws, err := strconv.ParseInt(rest, 10, 64)
	return ws, err == nil && ws > 0
}

// workspaceIndexes lists the workspaces that have an index.
func (m *Engine) workspaceIndexes(ctx context.Context) ([]int64, error) {
	var out []int64
	for offset := int64(0); ; {
		res, err := m.client.ListIndexes(ctx, &meilisearch.IndexesQuery{Limit: 200, Offset: offset})
		if err != nil {
			return nil, fmt.Errorf("meilisearch list indexes: %w", cleanErr(err))
		}
		for _, ix := range res.Results {
			if ws, ok := m.workspaceOf(ix.UID); ok {
				out = append(out, ws)
			}
		}
		offset += int64(len(res.Results))
		if len(res.Results) == 0 || offset >= res.Total {
			return out, nil
		}
	}
}

func (m *Engine) isReady(ws int64) bool {
	m.readyMu.Lock()
	defer m.readyMu.Unlock()
	return m.ready[ws]
}

func (m *Engine) markReady(ws int64) {
	m.readyMu.Lock()
	m.ready[ws] = true
	m.readyMu.Unlock()
}

// indexExists reports whether the workspace has an index, without creating it.
func (m *Engine) indexExists(ctx context.Context, ws int64) (bool, error) {
	if m.isReady(ws) {
		return true, nil
	}
	_, err := m.client.GetIndex(ctx, m.indexUID(ws))
	if isCode(err, meilisearch.APIErrCodeIndexNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("meilisearch get index: %w", cleanErr(err))
	}
	// Whoever created it applied the settings (this version's, at its start).
	m.markReady(ws)
	return true, nil
}

// ensureIndex creates a workspace's index with its settings the first time
// this process writes to it, waiting for those tasks: it happens once per
// workspace, and a search must never meet an index whose filterable
// attributes are not set yet. It reports whether it created the index.
func (m *Engine) ensureIndex(ctx context.Context, ws int64) (created bool, err error) {
	if m.isReady(ws) {
		return false, nil
	}
	m.ensureMu.Lock()
	defer m.ensureMu.Unlock()
	if m.isReady(ws) {
		return false, nil
	}
	ok, err := m.indexExists(ctx, ws)
	if err != nil {
		return false, err
	}
	if !ok {
		if err := m.createWorkspaceIndex(ctx, ws); err != nil {
			return false, err
		}
	}
	m.markReady(ws)
	return !ok, nil
}

// createWorkspaceIndex creates the index with the base settings and the
// workspace's synonyms.
func (m *Engine) createWorkspaceIndex(ctx context.Context, ws int64) error {
	if err := m.createIndex(ctx, m.indexUID(ws), "id"); err != nil {
		return err
	}
	s, err := m.Settings(ctx, ws)
	if err != nil {
		return err
	}
	set := baseIndexSettings()
	set.Synonyms = nativeSynonyms(s)
	return m.applySettings(ctx, ws, set)
}

// createIndex creates an index and waits; one that exists already is fine.
func (m *Engine) createIndex(ctx context.Context, uid, primaryKey string) error {
	_, err := m.client.GetIndex(ctx, uid)
	if err == nil {
		return nil
	}
	if !isCode(err, meilisearch.APIErrCodeIndexNotFound) {
		return fmt.Errorf("meilisearch get index %s: %w", uid, cleanErr(err))
	}
	info, err := m.client.CreateIndex(ctx, &meilisearch.IndexConfig{Uid: uid, PrimaryKey: primaryKey})
	if err != nil {
		return fmt.Errorf("meilisearch create index %s: %w", uid, cleanErr(err))
	}
	err = m.awaitTask(ctx, info.TaskUID)
	if isCode(err, meilisearch.APIErrCodeIndexAlreadyExists) {
		return nil // another node created it first
	}
	if err != nil {
		return fmt.Errorf("meilisearch create index %s: %w", uid, err)
	}
	return nil
}

// applySettings updates a workspace index's settings and waits for the task.
func (m *Engine) applySettings(ctx context.Context, ws int64, s *meilisearch.Settings) error {
	info, err := m.client.Index(m.indexUID(ws)).UpdateSettings(ctx, s)
	if err != nil {
		return fmt.Errorf("meilisearch settings of workspace %d: %w", ws, cleanErr(err))
	}
	if err := m.awaitTask(ctx, info.TaskUID); err != nil {
		return fmt.Errorf("meilisearch settings of workspace %d: %w", ws, err)
	}
	return nil
}

// awaitTask waits (bounded by SetupTimeout) for a task to finish and turns
// a failed task into an error. Only setup paths use it, never a message write.
func (m *Engine) awaitTask(ctx context.Context, uid int64) error {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.SetupTimeout)
	defer cancel()
	t, err := m.client.WaitForTask(ctx, uid, m.cfg.PollInterval)
	if err != nil {
		return fmt.Errorf("wait for task %d: %w", uid, cleanErr(err))
	}
	if t.Status != meilisearch.TaskStatusSucceeded {
		return &apiError{Op: fmt.Sprintf("task %d %s", uid, t.Status), Code: string(t.Error.Code), Message: t.Error.Message}
	}
	return nil
}

// apiError is a Meilisearch failure without the request body, which the
// client's own error carries and which holds message text that must not
// reach logs.
type apiError struct {
	Op      string
	Status  int
	Code    string
	Message string
	Err     error
}

func (e *apiError) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *apiError) Unwrap() error { return e.Err }

// cleanErr strips the request and response bodies from a client error.
func cleanErr(err error) error {
	var me *meilisearch.Error
	if !errors.As(err, &me) {
		return err
	}
	return &apiError{
		Op: me.Method + " " + me.Endpoint, Status: me.StatusCode,
		Code: string(me.APIError.Code), Message: me.APIError.Message, Err: me.OriginError,
	}
}

// isCode reports whether err is a Meilisearch error with the given code.
func isCode(err error, code meilisearch.APIErrCode) bool {
	var me *meilisearch.Error
	if errors.As(err, &me) {
		return me.APIError.Code == code
	}
	var ce *apiError
	return errors.As(err, &ce) && ce.Code == string(code)
}

// FailedWrites is how many writes were given up after MaxRetries failed
// attempts since start (each was logged at error level; a reindex
// repairs them).
func (m *Engine) FailedWrites() int { return m.tasks.failedCount() }

// PendingWrites is how many writes are enqueued but not confirmed yet.
func (m *Engine) PendingWrites() int { return m.tasks.pendingCount(0) }
