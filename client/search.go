package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// Sort orders of a search.
const (
	SortRelevance = "relevance"
	SortNewest    = "newest"
)

// Facets a search may ask for.
const (
	FacetSender   = "sender"
	FacetChat     = "chat"
	FacetChatType = "chat_type"
	FacetDate     = "date"
)

// SearchParams is one message search. Zero values are left out, so the
// server's defaults apply; every filter only narrows what the caller may
// read (the server decides that, never the client).
type SearchParams struct {
	// Query is the text: words (the last one matches as a prefix unless
	// the text ends in a space), "exact phrases" and -excluded words.
	// Empty browses by the filters alone.
	Query     string
	ChatIDs   []int64
	SenderIDs []int64
	ChatTypes []model.ChatType
	// From (inclusive) and To (exclusive) bound the creation time.
	From, To time.Time
	// FromDate and ToDate, when set (YYYY-MM-DD), are sent instead of From
	// and To; a bare ToDate includes that whole day.
	FromDate, ToDate string
	// Sort is SortRelevance (the server's default) or SortNewest.
	Sort   string
	Limit  int
	Offset int
	// Facets are among FacetSender, FacetChat, FacetChatType, FacetDate.
	Facets []string
}

// SearchResult is the answer of a search.
type SearchResult struct {
	Hits []SearchHit `json:"hits"`
	// Total counts every match the caller may read, not just this page.
	Total int `json:"total"`
	// Facets maps each requested facet to its values, by descending count
	// (date buckets youngest first).
	Facets map[string][]FacetValue `json:"facets"`
	TookMS int64                   `json:"took_ms"`
}

// SearchHit is one matching message as the caller may read it now.
type SearchHit struct {
	Message model.Message `json:"message"`
	Chat    SearchHitChat `json:"chat"`
	// Highlight is an HTML snippet: everything escaped except the
	// <mark>...</mark> around matched words.
	Highlight string `json:"highlight"`
}

// SearchHitChat names the chat of a hit.
type SearchHitChat struct {
	ID   int64          `json:"id"`
	Name string         `json:"name"`
	Type model.ChatType `json:"type"`
}

// FacetValue is one value of a facet: a machine value (an id, a chat type,
// a date bucket), what a user reads, and how many matches have it.
type FacetValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

// SearchSettings tune relevance for one workspace.
type SearchSettings struct {
	RecencyWeight        float64             `json:"recency_weight"`
	RecencyHalfLifeHours float64             `json:"recency_half_life_hours"`
	DirectChatBoost      float64             `json:"direct_chat_boost"`
	FrequentChatBoost    float64             `json:"frequent_chat_boost"`
	StopWords            []string            `json:"stop_words"`
	Synonyms             map[string][]string `json:"synonyms"`
}

// Search searches the messages of a workspace that the caller may read.
func (c *Client) Search(ctx context.Context, wsID int64, p SearchParams) (SearchResult, error) {
	var out SearchResult
	r := request{method: http.MethodGet, path: wsPath(wsID) + "/search", query: p.values()}
	_, err := c.call(ctx, r, &out)
	for i := range out.Hits {
		fillMessage(&out.Hits[i].Message)
	}
	return out, err
}

// SearchSettings returns a workspace's search relevance settings.
func (c *Client) SearchSettings(ctx context.Context, wsID int64) (SearchSettings, error) {
	var s SearchSettings
	_, err := c.call(ctx, request{method: http.MethodGet, path: wsPath(wsID) + "/search/settings"}, &s)
	return s, err
}

// SetSearchSettings replaces a workspace's search relevance settings
// (admins) and returns them as stored.
func (c *Client) SetSearchSettings(ctx context.Context, wsID int64, s SearchSettings) (SearchSettings, error) {
	var out SearchSettings
	r := request{method: http.MethodPut, path: wsPath(wsID) + "/search/settings", body: s}
	_, err := c.call(ctx, r, &out)
	return out, err
}

func (p SearchParams) values() url.Values {
	v := url.Values{}
	if p.Query != "" {
		v.Set("q", p.Query)
	}
	for _, n := range p.ChatIDs {
		v.Add("chat_id", strconv.FormatInt(n, 10))
	}
	for _, n := range p.SenderIDs {
		v.Add("sender_id", strconv.FormatInt(n, 10))
	}
	for _, t := range p.ChatTypes {
		v.Add("chat_type", string(t))
	}
	setTime := func(k, date string, t time.Time) {
		switch {
		case date != "":
			v.Set(k, date)
		case !t.IsZero():
			v.Set(k, t.UTC().Format(time.RFC3339Nano))
		}
	}
	setTime("from", p.FromDate, p.From)
	setTime("to", p.ToDate, p.To)
	if p.Sort != "" {
		v.Set("sort", p.Sort)
	}
	if p.Limit != 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Offset != 0 {
		v.Set("offset", strconv.Itoa(p.Offset))
	}
	for _, f := range p.Facets {
		v.Add("facets", f)
	}
	return v
}
