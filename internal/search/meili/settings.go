package meili

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/fechatter/fechatter/internal/search"
)

// storedSettings is a workspace's Settings as a document of the settings
// index. The half-life is in nanoseconds (an exact integer in JSON).
type storedSettings struct {
	WorkspaceID       int64               `json:"workspace_id"`
	RecencyWeight     float64             `json:"recency_weight"`
	RecencyHalfLifeNS int64               `json:"recency_half_life_ns"`
	DirectChatBoost   float64             `json:"direct_chat_boost"`
	FrequentChatBoost float64             `json:"frequent_chat_boost"`
	StopWords         []string            `json:"stop_words"`
	Synonyms          map[string][]string `json:"synonyms"`
}

func toStoredSettings(ws int64, s search.Settings) storedSettings {
	return storedSettings{
		WorkspaceID: ws, RecencyWeight: s.RecencyWeight, RecencyHalfLifeNS: int64(s.RecencyHalfLife),
		DirectChatBoost: s.DirectChatBoost, FrequentChatBoost: s.FrequentChatBoost,
		StopWords: s.StopWords, Synonyms: s.Synonyms,
	}
}

func (st storedSettings) settings() search.Settings {
	return search.Settings{
		RecencyWeight: st.RecencyWeight, RecencyHalfLife: time.Duration(st.RecencyHalfLifeNS),
		DirectChatBoost: st.DirectChatBoost, FrequentChatBoost: st.FrequentChatBoost,
		StopWords: st.StopWords, Synonyms: st.Synonyms,
	}
}

// cloneSettings copies the slices and maps so a cached value cannot be
// changed through what a caller got.
func cloneSettings(s search.Settings) search.Settings {
	s.StopWords = slices.Clone(s.StopWords)
	if s.Synonyms != nil {
		syn := make(map[string][]string, len(s.Synonyms))
		for k, v := range s.Synonyms {
			syn[k] = slices.Clone(v)
		}
		s.Synonyms = syn
	}
	return s
}

// settingsCache keeps recently read Settings per workspace.
type settingsCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[int64]cachedSettings
}

type cachedSettings struct {
	s  search.Settings
	at time.Time
}

func newSettingsCache(ttl time.Duration) *settingsCache {
	return &settingsCache{ttl: ttl, m: map[int64]cachedSettings{}}
}

func (c *settingsCache) get(ws int64) (search.Settings, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[ws]
	if !ok || time.Since(e.at) > c.ttl {
		return search.Settings{}, false
	}
	return cloneSettings(e.s), true
}

func (c *settingsCache) put(ws int64, s search.Settings) {
	c.mu.Lock()
	c.m[ws] = cachedSettings{s: cloneSettings(s), at: time.Now()}
	c.mu.Unlock()
}

// Settings returns a workspace's settings, or DefaultSettings().
func (m *Engine) Settings(ctx context.Context, workspaceID int64) (search.Settings, error) {
	if err := m.checkOpen(); err != nil {
		return search.Settings{}, err
	}
	if s, ok := m.prefs.get(workspaceID); ok {
		return s, nil
	}
	var st storedSettings
	err := m.client.Index(m.settingsUID()).GetDocument(ctx, strconv.FormatInt(workspaceID, 10), nil, &st)
	switch {
	case isCode(err, meilisearch.APIErrCodeDocumentNotFound):
		st = toStoredSettings(workspaceID, search.DefaultSettings())
	case err != nil:
		return search.Settings{}, fmt.Errorf("meilisearch settings of workspace %d: %w", workspaceID, cleanErr(err))
	}
	s := st.settings()
	m.prefs.put(workspaceID, s)
	return cloneSettings(s), nil
}

// SetSettings stores a workspace's settings and updates its index's
// synonyms, waiting for both tasks (settings are rare and must apply to
// the very next search).
func (m *Engine) SetSettings(ctx context.Context, workspaceID int64, s search.Settings) error {
	if err := m.checkOpen(); err != nil {
		return err
	}
	if workspaceID <= 0 {
		return fmt.Errorf("%w: no workspace", search.ErrInvalidQuery)
	}
	s = cloneSettings(s)
	docs := []storedSettings{toStoredSettings(workspaceID, s)}
	info, err := m.client.Index(m.settingsUID()).AddDocuments(ctx, docs, nil)
	if err != nil {
		return fmt.Errorf("meilisearch store settings: %w", cleanErr(err))
	}
	if err := m.awaitTask(ctx, info.TaskUID); err != nil {
		return fmt.Errorf("meilisearch store settings: %w", err)
	}
	m.prefs.put(workspaceID, s)
	return m.applySynonyms(ctx, workspaceID, s)
}

// applySynonyms sets the index's synonyms (creating the index if needed,
// which applies them already).
func (m *Engine) applySynonyms(ctx context.Context, ws int64, s search.Settings) error {
	created, err := m.ensureIndex(ctx, ws)
	if err != nil || created {
		return err
	}
	syn := nativeSynonyms(s)
	info, err := m.client.Index(m.indexUID(ws)).UpdateSynonyms(ctx, &syn)
	if err != nil {
		return fmt.Errorf("meilisearch synonyms of workspace %d: %w", ws, cleanErr(err))
	}
	if err := m.awaitTask(ctx, info.TaskUID); err != nil {
		return fmt.Errorf("meilisearch synonyms of workspace %d: %w", ws, err)
	}
	return nil
}
