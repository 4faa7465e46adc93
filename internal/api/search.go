package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// SearchService answers message searches; *search.Service satisfies it.
type SearchService interface {
	Search(ctx context.Context, userID, workspaceID int64, r search.Request) (search.Response, error)
	Settings(ctx context.Context, userID, workspaceID int64) (search.Settings, error)
	SetSettings(ctx context.Context, userID, workspaceID int64, st search.Settings) (search.Settings, error)
}

// maxSearchText bounds the query string.
const maxSearchText = 500

func (s *server) searchRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/workspaces/:ws/search", handle: s.search, doc: doc{
			tag: "search", summary: "Search messages: typo tolerant, as you type, faceted; only chats the caller may read now",
			query: []param{
				{name: "q", schema: str(), desc: `Words (the last one matches as a prefix unless followed by a space), "exact phrases", -excluded words.`},
				{name: "chat_id", schema: idSchema(), desc: "Only this chat (repeat or comma-separate for several)."},
				{name: "sender_id", schema: idSchema(), desc: "Only messages by this user (repeatable)."},
				{name: "chat_type", schema: enum("direct", "group", "private_channel", "public_channel"), desc: "Only this chat type (repeatable)."},
				{name: "from", schema: str(), desc: "From this date or time (RFC 3339 or YYYY-MM-DD), inclusive."},
				{name: "to", schema: str(), desc: "Up to this date or time, exclusive (a bare date includes that whole day)."},
				{name: "sort", schema: enum("relevance", "newest"), desc: "Relevance (with recency and boosts) or newest first."},
				{name: "limit", schema: obj{"type": "integer", "minimum": 1, "maximum": search.MaxLimit, "default": search.DefaultLimit}, desc: "Hits per page."},
				{name: "offset", schema: obj{"type": "integer", "minimum": 0, "maximum": search.MaxOffset}, desc: "Hits to skip."},
				{name: "facets", schema: str(), desc: "Comma-separated: sender, chat, chat_type, date."},
			},
			status: http.StatusOK, result: "SearchResult",
		}},
		{method: http.MethodGet, path: "/api/workspaces/:ws/search/settings", handle: s.searchSettings, doc: doc{
			tag: "search", summary: "The workspace's relevance settings",
			status: http.StatusOK, result: "SearchSettings",
		}},
		{method: http.MethodPut, path: "/api/workspaces/:ws/search/settings", handle: s.setSearchSettings, doc: doc{
			tag: "search", summary: "Tune relevance for the workspace (admins)", body: "SearchSettings",
			status: http.StatusOK, result: "SearchSettings", errors: []int{http.StatusForbidden},
		}},
	}
}

// search answers GET /api/workspaces/{ws}/search.
func (s *server) search(c *gin.Context) error {
	if s.searchSvc == nil {
		return apperr.Unavailable("search is not running")
	}
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	req, err := searchRequest(c)
	if err != nil {
		return err
	}
	res, err := s.searchSvc.Search(c.Request.Context(), userID(c), ws, req)
	if err != nil {
		return searchError(err)
	}
	writeJSON(c, http.StatusOK, searchResultBody(res))
	return nil
}

// searchResult is the JSON form of search.Response (schema SearchResult).
type searchResult struct {
	Hits   []searchHit                         `json:"hits"`
	Total  int                                 `json:"total"`
	Facets map[search.Facet][]searchFacetValue `json:"facets"`
	TookMS int64                               `json:"took_ms"`
}

// searchHit is one hit: the message as the caller may read it now.
type searchHit struct {
	Message   model.Message `json:"message"`
	Chat      searchHitChat `json:"chat"`
	Highlight string        `json:"highlight"`
}

// searchHitChat names the chat of a hit.
type searchHitChat struct {
	ID   int64          `json:"id"`
	Name string         `json:"name"`
	Type model.ChatType `json:"type"`
}

// searchFacetValue is one value of a facet with its count.
type searchFacetValue struct {
	Value string `json:"value"`
	Label string `json:"label"`
	Count int    `json:"count"`
}

func searchResultBody(r search.Response) searchResult {
	out := searchResult{
		Hits: make([]searchHit, len(r.Hits)), Total: r.Total, TookMS: r.TookMS,
		Facets: make(map[search.Facet][]searchFacetValue, len(r.Facets)),
	}
	for i, h := range r.Hits {
		out.Hits[i] = searchHit{
			Message: normMessage(h.Message), Highlight: h.Highlight,
			Chat: searchHitChat{ID: h.Chat.ID, Name: h.Chat.Name, Type: h.Chat.Type},
		}
	}
	for f, vals := range r.Facets {
		js := make([]searchFacetValue, len(vals))
		for i, v := range vals {
			js[i] = searchFacetValue{Value: v.Value, Label: v.Label, Count: v.Count}
		}
		out.Facets[f] = js
	}
	return out
}

func searchRequest(c *gin.Context) (search.Request, error) {
	var r search.Request
	r.Text = c.Query("q")
	if len(r.Text) > maxSearchText {
		return r, apperr.Field("q", "must be at most 500 bytes")
	}
	var err error
	if r.ChatIDs, err = queryIDs(c, "chat_id"); err != nil {
		return r, err
	}
	if r.SenderIDs, err = queryIDs(c, "sender_id"); err != nil {
		return r, err
	}
	for _, v := range queryList(c, "chat_type") {
		t := model.ChatType(v)
		if !t.Valid() {
			return r, apperr.Field("chat_type", "must be direct, group, private_channel or public_channel")
		}
		r.ChatTypes = append(r.ChatTypes, t)
	}
	if r.From, err = queryTime(c, "from", false); err != nil {
		return r, err
	}
	if r.To, err = queryTime(c, "to", true); err != nil {
		return r, err
	}
	switch sort := search.Sort(c.Query("sort")); sort {
	case "", search.SortRelevance, search.SortNewest:
		r.Sort = sort
	default:
		return r, apperr.Field("sort", "must be relevance or newest")
	}
	limit, err := queryInt(c, "limit", search.DefaultLimit, 1, search.MaxLimit)
	if err != nil {
		return r, err
	}
	offset, err := queryInt(c, "offset", 0, 0, search.MaxOffset)
	if err != nil {
		return r, err
	}
	r.Limit, r.Offset = int(limit), int(offset)
	for _, f := range queryList(c, "facets") {
		if !search.Facet(f).Valid() {
			return r, apperr.Field("facets", "must be among sender, chat, chat_type, date")
		}
		r.Facets = append(r.Facets, search.Facet(f))
	}
	return r, nil
}

// queryList returns the values of a repeatable, comma-separable parameter.
func queryList(c *gin.Context, name string) []string {
	var out []string
	for _, raw := range c.QueryArray(name) {
		for _, v := range strings.Split(raw, ",") {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

func queryIDs(c *gin.Context, name string) ([]int64, error) {
	var ids []int64
	for _, v := range queryList(c, name) {
		id, ok := parseID(v)
		if !ok {
			return nil, apperr.Field(name, "must be a positive id")
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// queryTime parses RFC 3339 or a date; for an exclusive upper bound a bare
// date means the end of that day.
func queryTime(c *gin.Context, name string, upper bool) (time.Time, error) {
	raw := c.Query(name)
	if raw == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, raw)
	if err != nil {
		return time.Time{}, apperr.Field(name, "must be RFC 3339 or YYYY-MM-DD")
	}
	if upper {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// searchSettingsBody is the JSON form of search.Settings.
type searchSettingsBody struct {
	RecencyWeight        float64             `json:"recency_weight"`
	RecencyHalfLifeHours float64             `json:"recency_half_life_hours"`
	DirectChatBoost      float64             `json:"direct_chat_boost"`
	FrequentChatBoost    float64             `json:"frequent_chat_boost"`
	StopWords            []string            `json:"stop_words"`
	Synonyms             map[string][]string `json:"synonyms"`
}

func settingsBody(st search.Settings) searchSettingsBody {
	b := searchSettingsBody{
		RecencyWeight: st.RecencyWeight, RecencyHalfLifeHours: st.RecencyHalfLife.Hours(),
		DirectChatBoost: st.DirectChatBoost, FrequentChatBoost: st.FrequentChatBoost,
		StopWords: st.StopWords, Synonyms: st.Synonyms,
	}
	if b.StopWords == nil {
		b.StopWords = []string{}
	}
	if b.Synonyms == nil {
		b.Synonyms = map[string][]string{}
	}
	return b
}

func (b searchSettingsBody) settings() search.Settings {
	return search.Settings{
		RecencyWeight: b.RecencyWeight, RecencyHalfLife: time.Duration(b.RecencyHalfLifeHours * float64(time.Hour)),
		DirectChatBoost: b.DirectChatBoost, FrequentChatBoost: b.FrequentChatBoost,
		StopWords: b.StopWords, Synonyms: b.Synonyms,
	}
}

func (s *server) searchSettings(c *gin.Context) error {
	if s.searchSvc == nil {
		return apperr.Unavailable("search is not running")
	}
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	st, err := s.searchSvc.Settings(c.Request.Context(), userID(c), ws)
	if err != nil {
		return searchError(err)
	}
	writeJSON(c, http.StatusOK, settingsBody(st))
	return nil
}

func (s *server) setSearchSettings(c *gin.Context) error {
	if s.searchSvc == nil {
		return apperr.Unavailable("search is not running")
	}
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	var body searchSettingsBody
	if err := decodeJSON(c.Request, &body, true); err != nil {
		return err
	}
	st, err := s.searchSvc.SetSettings(c.Request.Context(), userID(c), ws, body.settings())
	if err != nil {
		return searchError(err)
	}
	writeJSON(c, http.StatusOK, settingsBody(st))
	return nil
}

// searchError maps the search package's errors onto API errors.
func searchError(err error) error {
	switch {
	case errors.Is(err, search.ErrNoWorkspace):
		return apperr.NotFound("workspace")
	case errors.Is(err, search.ErrNotAllowed):
		return apperr.Forbidden(search.ErrNotAllowed.Error())
	case errors.Is(err, search.ErrInvalidSettings), errors.Is(err, search.ErrInvalidQuery):
		return apperr.Invalid(err.Error(), nil)
	}
	return err
}
