package meilistub

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// settings are the index settings the stub models.
type settings struct {
	RankingRules         []string            `json:"rankingRules"`
	SearchableAttributes []string            `json:"searchableAttributes"`
	DisplayedAttributes  []string            `json:"displayedAttributes"`
	FilterableAttributes []string            `json:"filterableAttributes"`
	SortableAttributes   []string            `json:"sortableAttributes"`
	StopWords            []string            `json:"stopWords"`
	Synonyms             map[string][]string `json:"synonyms"`
	TypoTolerance        typoTolerance       `json:"typoTolerance"`
	Faceting             faceting            `json:"faceting"`
	Pagination           pagination          `json:"pagination"`
}

type typoTolerance struct {
	Enabled             bool `json:"enabled"`
	MinWordSizeForTypos struct {
		OneTypo  int `json:"oneTypo"`
		TwoTypos int `json:"twoTypos"`
	} `json:"minWordSizeForTypos"`
	DisableOnWords      []string `json:"disableOnWords"`
	DisableOnAttributes []string `json:"disableOnAttributes"`
}

type faceting struct {
	MaxValuesPerFacet int               `json:"maxValuesPerFacet"`
	SortFacetValuesBy map[string]string `json:"sortFacetValuesBy"`
}

type pagination struct {
	MaxTotalHits int `json:"maxTotalHits"`
}

// defaultSettings are Meilisearch's defaults.
func defaultSettings() settings {
	s := settings{
		RankingRules:         []string{"words", "typo", "proximity", "attribute", "sort", "exactness"},
		SearchableAttributes: []string{"*"}, DisplayedAttributes: []string{"*"},
		FilterableAttributes: []string{}, SortableAttributes: []string{}, StopWords: []string{},
		Synonyms:   map[string][]string{},
		Faceting:   faceting{MaxValuesPerFacet: 100, SortFacetValuesBy: map[string]string{"*": "alpha"}},
		Pagination: pagination{MaxTotalHits: 1000},
	}
	s.TypoTolerance.Enabled = true
	s.TypoTolerance.MinWordSizeForTypos.OneTypo, s.TypoTolerance.MinWordSizeForTypos.TwoTypos = 5, 9
	s.TypoTolerance.DisableOnWords, s.TypoTolerance.DisableOnAttributes = []string{}, []string{}
	return s
}

// settingNames maps the sub-routes /settings/{name} to JSON fields.
var settingNames = map[string]string{
	"ranking-rules": "rankingRules", "searchable-attributes": "searchableAttributes",
	"displayed-attributes": "displayedAttributes", "filterable-attributes": "filterableAttributes",
	"sortable-attributes": "sortableAttributes", "stop-words": "stopWords", "synonyms": "synonyms",
	"typo-tolerance": "typoTolerance", "faceting": "faceting", "pagination": "pagination",
}

// patch applies a settings object: a present field replaces, null resets.
// Fields the stub does not model are accepted and ignored.
func (s *settings) patch(raw map[string]json.RawMessage) error {
	def := defaultSettings()
	for name, v := range raw {
		if err := s.patchOne(name, v, def); err != nil {
			return fmt.Errorf("`%s`: %w", name, err)
		}
	}
	return nil
}

func (s *settings) patchOne(name string, v json.RawMessage, def settings) error {
	fields := map[string][2]any{
		"rankingRules": {&s.RankingRules, def.RankingRules}, "searchableAttributes": {&s.SearchableAttributes, def.SearchableAttributes},
		"displayedAttributes": {&s.DisplayedAttributes, def.DisplayedAttributes}, "filterableAttributes": {&s.FilterableAttributes, def.FilterableAttributes},
		"sortableAttributes": {&s.SortableAttributes, def.SortableAttributes}, "stopWords": {&s.StopWords, def.StopWords},
		"synonyms": {&s.Synonyms, def.Synonyms}, "typoTolerance": {&s.TypoTolerance, def.TypoTolerance},
		"faceting": {&s.Faceting, def.Faceting}, "pagination": {&s.Pagination, def.Pagination},
	}
	f, ok := fields[name]
	if !ok {
		return nil
	}
	if string(v) == "null" {
		return json.Unmarshal(mustJSON(f[1]), f[0])
	}
	return json.Unmarshal(v, f[0])
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v) // settings values always marshal
	return b
}

func (s *Server) getSettings(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, err := s.lookup(r.PathValue("uid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ix.settings)
	return nil
}

func (s *Server) getSetting(w http.ResponseWriter, r *http.Request) *apiError {
	field, ok := settingNames[r.PathValue("name")]
	if !ok {
		return newErr(http.StatusNotFound, "not_found", "invalid_request", "Not found.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, err := s.lookup(r.PathValue("uid"))
	if err != nil {
		return err
	}
	var all map[string]json.RawMessage
	_ = json.Unmarshal(mustJSON(ix.settings), &all)
	writeJSON(w, http.StatusOK, all[field])
	return nil
}

func (s *Server) patchSettings(w http.ResponseWriter, r *http.Request) *apiError {
	var raw map[string]json.RawMessage
	if err := decodeBody(r, &raw); err != nil {
		return err
	}
	return s.enqueueSettings(w, r.PathValue("uid"), raw)
}

func (s *Server) putSetting(w http.ResponseWriter, r *http.Request) *apiError {
	field, ok := settingNames[r.PathValue("name")]
	if !ok {
		return newErr(http.StatusNotFound, "not_found", "invalid_request", "Not found.")
	}
	var v json.RawMessage
	if err := decodeBody(r, &v); err != nil {
		return err
	}
	return s.enqueueSettings(w, r.PathValue("uid"), map[string]json.RawMessage{field: v})
}

// enqueueSettings checks a settings update now and applies it as a task
// (creating the index if needed, as Meilisearch does).
func (s *Server) enqueueSettings(w http.ResponseWriter, uid string, raw map[string]json.RawMessage) *apiError {
	probe := defaultSettings()
	if err := probe.patch(raw); err != nil {
		return badRequest("invalid_settings", "Invalid settings: "+err.Error())
	}
	details := map[string]any{}
	for k, v := range raw {
		details[k] = v
	}
	return s.enqueue(w, uid, "settingsUpdate", details, func() (map[string]any, *apiError) {
		ix := s.indexForWrite(uid)
		if err := ix.settings.patch(raw); err != nil {
			return nil, badRequest("invalid_settings", err.Error())
		}
		return nil, nil
	})
}
