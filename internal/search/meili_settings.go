package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// meiliStoredSettings is a workspace's Settings as a document of the settings
// index. The half-life is in nanoseconds (an exact integer in JSON).
type meiliStoredSettings struct {
	WorkspaceID       int64               `json:"workspace_id"`
	RecencyWeight     float64             `json:"recency_weight"`
	RecencyHalfLifeNS int64               `json:"recency_half_life_ns"`
	DirectChatBoost   float64             `json:"direct_chat_boost"`
	FrequentChatBoost float64             `json:"frequent_chat_boost"`
	StopWords         []string            `json:"stop_words"`
	Synonyms          map[string][]string `json:"synonyms"`
}

func meiliStoreSettings(ws int64, s Settings) meiliStoredSettings {
	return meiliStoredSettings{
		WorkspaceID: ws, RecencyWeight: s.RecencyWeight, RecencyHalfLifeNS: int64(s.RecencyHalfLife),
		DirectChatBoost: s.DirectChatBoost, FrequentChatBoost: s.FrequentChatBoost,
		StopWords: s.StopWords, Synonyms: s.Synonyms,
	}
}

func (st meiliStoredSettings) settings() Settings {
	return Settings{
		RecencyWeight: st.RecencyWeight, RecencyHalfLife: time.Duration(st.RecencyHalfLifeNS),
		DirectChatBoost: st.DirectChatBoost, FrequentChatBoost: st.FrequentChatBoost,
		StopWords: st.StopWords, Synonyms: st.Synonyms,
	}
}

// meiliCloneSettings copies the slices and maps so a cached value cannot be
// changed through what a caller got.
func meiliCloneSettings(s Settings) Settings {
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

// meiliSettingsCache keeps recently read Settings per workspace.
type meiliSettingsCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[int64]meiliCachedSettings
}

type meiliCachedSettings struct {
	s  Settings
	at time.Time
}

func meiliNewSettingsCache(ttl time.Duration) *meiliSettingsCache {
	return &meiliSettingsCache{ttl: ttl, m: map[int64]meiliCachedSettings{}}
}

func (c *meiliSettingsCache) get(ws int64) (Settings, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[ws]
	if !ok || time.Since(e.at) > c.ttl {
		return Settings{}, false
	}
	return meiliCloneSettings(e.s), true
}

func (c *meiliSettingsCache) put(ws int64, s Settings) {
	c.mu.Lock()
	c.m[ws] = meiliCachedSettings{s: meiliCloneSettings(s), at: time.Now()}
	c.mu.Unlock()
}

// Settings returns a workspace's settings, or DefaultSettings().
func (m *Meili) Settings(ctx context.Context, workspaceID int64) (Settings, error) {
	if err := m.checkOpen(); err != nil {
		return Settings{}, err
	}
	if s, ok := m.prefs.get(workspaceID); ok {
		return s, nil
	}
	var st meiliStoredSettings
	err := m.client.Index(m.settingsUID()).GetDocument(ctx, strconv.FormatInt(workspaceID, 10), nil, &st)
	switch {
	case meiliIsCode(err, meilisearch.APIErrCodeDocumentNotFound):
		st = meiliStoreSettings(workspaceID, DefaultSettings())
	case err != nil:
		return Settings{}, fmt.Errorf("meilisearch settings of workspace %d: %w", workspaceID, meiliCleanErr(err))
	}
	s := st.settings()
	m.prefs.put(workspaceID, s)
	return meiliCloneSettings(s), nil
}

// SetSettings stores a workspace's settings and updates its index's
// synonyms, waiting for both tasks (settings are rare and must apply to
// the very next search).
func (m *Meili) SetSettings(ctx context.Context, workspaceID int64, s Settings) error {
	if err := m.checkOpen(); err != nil {
		return err
	}
	if workspaceID <= 0 {
		return fmt.Errorf("%w: no workspace", ErrInvalidQuery)
	}
	s = meiliCloneSettings(s)
	docs := []meiliStoredSettings{meiliStoreSettings(workspaceID, s)}
	info, err := m.client.Index(m.settingsUID()).AddDocuments(ctx, docs, nil)
	if err != nil {
		return fmt.Errorf("meilisearch store settings: %w", meiliCleanErr(err))
	}
	if err := m.awaitTask(ctx, info.TaskUID); err != nil {
		return fmt.Errorf("meilisearch store settings: %w", err)
	}
	m.prefs.put(workspaceID, s)
	return m.applySynonyms(ctx, workspaceID, s)
}

// applySynonyms sets the index's synonyms (creating the index if needed,
// which applies them already).
func (m *Meili) applySynonyms(ctx context.Context, ws int64, s Settings) error {
	created, err := m.ensureIndex(ctx, ws)
	if err != nil || created {
		return err
	}
	syn := meiliNativeSynonyms(s)
	info, err := m.client.Index(m.indexUID(ws)).UpdateSynonyms(ctx, &syn)
	if err != nil {
		return fmt.Errorf("meilisearch synonyms of workspace %d: %w", ws, meiliCleanErr(err))
	}
	if err := m.awaitTask(ctx, info.TaskUID); err != nil {
		return fmt.Errorf("meilisearch synonyms of workspace %d: %w", ws, err)
	}
	return nil
}
