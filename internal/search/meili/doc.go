package meili

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
	"github.com/meilisearch/meilisearch-go"
)

// maxTotalHits is the pagination.maxTotalHits of every workspace
// index: Meilisearch caps the hit count it reports (and the hits it pages
// through) at this value, so Result.Total is exact up to it.
const maxTotalHits = 10_000

// facetLabelBytes bounds the label part of a facet value (Meilisearch
// indexes at most 468 bytes of a filterable value).
const facetLabelBytes = 200

// document is a message document as stored in Meilisearch.
type document struct {
	ID             int64  `json:"id"`
	WorkspaceID    int64  `json:"workspace_id"`
	ChatID         int64  `json:"chat_id"`
	ChatType       string `json:"chat_type"`
	ChatName       string `json:"chat_name"`
	SenderID       int64  `json:"sender_id"`
	SenderUsername string `json:"sender_username"`
	SenderName     string `json:"sender_name"`
	Content        string `json:"content"`
	// CreatedAt is Unix microseconds: exact in a float64 (Meilisearch's
	// number type) until year 2255, and fine enough for From/To filters.
	CreatedAt int64 `json:"created_at"`
	// Created is RFC 3339 with nanoseconds, so a hit gives back exactly the
	// time that was indexed.
	Created string `json:"created"`
	Seq     int64  `json:"seq"`
	// SenderFacet and ChatFacet are "<id>:<label>": faceting on them yields
	// the ids and the labels to show in one request.
	SenderFacet string `json:"sender_facet"`
	ChatFacet   string `json:"chat_facet"`
}

func toMeiliDoc(d search.Doc) document {
	return document{
		ID: d.ID, WorkspaceID: d.WorkspaceID, ChatID: d.ChatID,
		ChatType: string(d.ChatType), ChatName: d.ChatName,
		SenderID: d.SenderID, SenderUsername: d.SenderUsername, SenderName: d.SenderName,
		Content: d.Content, CreatedAt: d.CreatedAt.UnixMicro(),
		Created: d.CreatedAt.UTC().Format(time.RFC3339Nano), Seq: d.Seq,
		SenderFacet: facetValue(d.SenderID, d.SenderName),
		ChatFacet:   facetValue(d.ChatID, d.ChatName),
	}
}

func (md document) doc() search.Doc {
	created, err := time.Parse(time.RFC3339Nano, md.Created)
	if err != nil {
		created = time.UnixMicro(md.CreatedAt).UTC()
	}
	return search.Doc{
		ID: md.ID, WorkspaceID: md.WorkspaceID, ChatID: md.ChatID,
		ChatType: model.ChatType(md.ChatType), ChatName: md.ChatName,
		SenderID: md.SenderID, SenderUsername: md.SenderUsername, SenderName: md.SenderName,
		Content: md.Content, CreatedAt: created, Seq: md.Seq,
	}
}

// facetValue joins an id and its label into one facet value.
func facetValue(id int64, label string) string {
	return strconv.FormatInt(id, 10) + ":" + truncateUTF8(label, facetLabelBytes)
}

// splitFacetValue undoes facetValue.
func splitFacetValue(v string) (id, label string) {
	id, label, _ = strings.Cut(v, ":")
	return id, label
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// rankingRules puts sort first so that Sort=newest is strictly by date
// (the rule does nothing when a search passes no sort), then the text
// rules, then recency and id as the final tie-breaks of SortRelevance.
var rankingRules = []string{
	"sort", "words", "typo", "proximity", "attribute", "exactness", "created_at:desc", "id:desc",
}

// baseIndexSettings are the settings of every workspace index. Only
// content is searched (Doc's contract); stop words are not set here on
// purpose (see queryText).
func baseIndexSettings() *meilisearch.Settings {
	return &meilisearch.Settings{
		SearchableAttributes: []string{"content"},
		DisplayedAttributes:  []string{"*"},
		FilterableAttributes: []string{
			"workspace_id", "chat_id", "sender_id", "chat_type", "created_at", "sender_facet", "chat_facet",
		},
		SortableAttributes: []string{"created_at", "id"},
		RankingRules:       rankingRules,
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled:             true,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9},
			DisableOnWords:      []string{}, DisableOnAttributes: []string{},
		},
		Faceting: &meilisearch.Faceting{
			MaxValuesPerFacet: 100,
			SortFacetValuesBy: map[string]meilisearch.SortFacetType{"*": meilisearch.SortFacetTypeCount},
		},
		Pagination: &meilisearch.Pagination{MaxTotalHits: maxTotalHits},
	}
}

// nativeSynonyms turns Settings.Synonyms into Meilisearch synonyms: both
// ways, normalised, single words only (as ParseQuery treats them).
func nativeSynonyms(s search.Settings) map[string][]string {
	out := map[string][]string{}
	add := func(a, b string) {
		if a != b && !slices.Contains(out[a], b) {
			out[a] = append(out[a], b)
		}
	}
	for k, vs := range s.Synonyms {
		kw, ok := singleWord(k)
		if !ok {
			continue
		}
		for _, v := range vs {
			if vw, ok := singleWord(v); ok {
				add(kw, vw)
				add(vw, kw)
			}
		}
	}
	for k := range out {
		slices.Sort(out[k])
	}
	return out
}

func singleWord(s string) (string, bool) {
	w := search.Tokenize(s)
	if len(w) != 1 {
		return "", false
	}
	return w[0], true
}
