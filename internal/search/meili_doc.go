package search

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/meilisearch/meilisearch-go"
)

// meiliMaxTotalHits is the pagination.maxTotalHits of every workspace
// index: Meilisearch caps the hit count it reports (and the hits it pages
// through) at this value, so Result.Total is exact up to it.
const meiliMaxTotalHits = 10_000

// meiliFacetLabelBytes bounds the label part of a facet value (Meilisearch
// indexes at most 468 bytes of a filterable value).
const meiliFacetLabelBytes = 200

// meiliDoc is a message document as stored in Meilisearch.
type meiliDoc struct {
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

func toMeiliDoc(d Doc) meiliDoc {
	return meiliDoc{
		ID: d.ID, WorkspaceID: d.WorkspaceID, ChatID: d.ChatID,
		ChatType: string(d.ChatType), ChatName: d.ChatName,
		SenderID: d.SenderID, SenderUsername: d.SenderUsername, SenderName: d.SenderName,
		Content: d.Content, CreatedAt: d.CreatedAt.UnixMicro(),
		Created: d.CreatedAt.UTC().Format(time.RFC3339Nano), Seq: d.Seq,
		SenderFacet: meiliFacetValue(d.SenderID, d.SenderName),
		ChatFacet:   meiliFacetValue(d.ChatID, d.ChatName),
	}
}

func (md meiliDoc) doc() Doc {
	created, err := time.Parse(time.RFC3339Nano, md.Created)
	if err != nil {
		created = time.UnixMicro(md.CreatedAt).UTC()
	}
	return Doc{
		ID: md.ID, WorkspaceID: md.WorkspaceID, ChatID: md.ChatID,
		ChatType: model.ChatType(md.ChatType), ChatName: md.ChatName,
		SenderID: md.SenderID, SenderUsername: md.SenderUsername, SenderName: md.SenderName,
		Content: md.Content, CreatedAt: created, Seq: md.Seq,
	}
}

// meiliFacetValue joins an id and its label into one facet value.
func meiliFacetValue(id int64, label string) string {
	return strconv.FormatInt(id, 10) + ":" + meiliTruncateUTF8(label, meiliFacetLabelBytes)
}

// meiliSplitFacetValue undoes meiliFacetValue.
func meiliSplitFacetValue(v string) (id, label string) {
	id, label, _ = strings.Cut(v, ":")
	return id, label
}

func meiliTruncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// meiliRankingRules puts sort first so that Sort=newest is strictly by date
// (the rule does nothing when a search passes no sort), then the text
// rules, then recency and id as the final tie-breaks of SortRelevance.
var meiliRankingRules = []string{
	"sort", "words", "typo", "proximity", "attribute", "exactness", "created_at:desc", "id:desc",
}

// meiliBaseIndexSettings are the settings of every workspace index. Only
// content is searched (Doc's contract); stop words are not set here on
// purpose (see meiliQueryText).
func meiliBaseIndexSettings() *meilisearch.Settings {
	return &meilisearch.Settings{
		SearchableAttributes: []string{"content"},
		DisplayedAttributes:  []string{"*"},
		FilterableAttributes: []string{
			"workspace_id", "chat_id", "sender_id", "chat_type", "created_at", "sender_facet", "chat_facet",
		},
		SortableAttributes: []string{"created_at", "id"},
		RankingRules:       meiliRankingRules,
		TypoTolerance: &meilisearch.TypoTolerance{
			Enabled:             true,
			MinWordSizeForTypos: meilisearch.MinWordSizeForTypos{OneTypo: 5, TwoTypos: 9},
			DisableOnWords:      []string{}, DisableOnAttributes: []string{},
		},
		Faceting: &meilisearch.Faceting{
			MaxValuesPerFacet: 100,
			SortFacetValuesBy: map[string]meilisearch.SortFacetType{"*": meilisearch.SortFacetTypeCount},
		},
		Pagination: &meilisearch.Pagination{MaxTotalHits: meiliMaxTotalHits},
	}
}

// meiliNativeSynonyms turns Settings.Synonyms into Meilisearch synonyms: both
// ways, normalised, single words only (as ParseQuery treats them).
func meiliNativeSynonyms(s Settings) map[string][]string {
	out := map[string][]string{}
	add := func(a, b string) {
		if a != b && !slices.Contains(out[a], b) {
			out[a] = append(out[a], b)
		}
	}
	for k, vs := range s.Synonyms {
		kw, ok := meiliSingleWord(k)
		if !ok {
			continue
		}
		for _, v := range vs {
			if vw, ok := meiliSingleWord(v); ok {
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

func meiliSingleWord(s string) (string, bool) {
	w := Tokenize(s)
	if len(w) != 1 {
		return "", false
	}
	return w[0], true
}
