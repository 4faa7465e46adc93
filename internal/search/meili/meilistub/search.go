package meilistub

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// searchRequest is a search query (POST /indexes/{uid}/search or an item
// of POST /multi-search). Unknown fields are ignored.
type searchRequest struct {
	IndexUID              string   `json:"indexUid"`
	Q                     *string  `json:"q"`
	Offset                *int     `json:"offset"`
	Limit                 *int     `json:"limit"`
	Page                  *int     `json:"page"`
	HitsPerPage           *int     `json:"hitsPerPage"`
	Filter                any      `json:"filter"`
	Facets                []string `json:"facets"`
	Sort                  []string `json:"sort"`
	AttributesToRetrieve  []string `json:"attributesToRetrieve"`
	AttributesToHighlight []string `json:"attributesToHighlight"`
	HighlightPreTag       *string  `json:"highlightPreTag"`
	HighlightPostTag      *string  `json:"highlightPostTag"`
	AttributesToCrop      []string `json:"attributesToCrop"`
	CropLength            *int     `json:"cropLength"`
	CropMarker            *string  `json:"cropMarker"`
	MatchingStrategy      string   `json:"matchingStrategy"`
	ShowRankingScore      bool     `json:"showRankingScore"`
	FederationOptions     *struct {
		Weight *float64 `json:"weight"`
	} `json:"federationOptions"`
}

// candidate is a matching document with what ranking needs.
type candidate struct {
	id       string
	internal int64
	doc      map[string]any
	m        docMatch
	values   []rankValue // one per applied ranking rule
	score    float64
}

// rankValue is one rule's verdict: a rank (text rules) or a sort value.
type rankValue struct {
	rank, max int
	sort      bool
	asc       bool
	value     any
}

// ranked is the outcome of one query on one index.
type ranked struct {
	hits  []*candidate
	total int
	ix    *index
	req   *searchRequest
	pq    parsedQuery
}

// run evaluates a query on an index, under s.mu.
func (ix *index) run(req *searchRequest) (*ranked, *apiError) {
	q := ""
	if req.Q != nil {
		q = *req.Q
	}
	pq := parseQuery(q, ix.settings.StopWords)
	pred := func(map[string]any) bool { return true }
	if req.Filter != nil {
		var err *apiError
		if pred, err = ix.compileFilter(req.Filter); err != nil {
			return nil, err
		}
	}
	sorts, err := ix.sortSpec(req.Sort)
	if err != nil {
		return nil, err
	}
	var out []*candidate
	for _, id := range ix.ids() {
		d := ix.docs[id]
		if !pred(d) {
			continue
		}
		if m, ok := ix.match(d, pq, req.MatchingStrategy); ok {
			c := &candidate{id: id, internal: ix.internal[id], doc: d, m: m}
			c.values, c.score = ix.rank(c, pq, sorts)
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return better(out[a], out[b]) })
	return &ranked{hits: out, total: len(out), ix: ix, req: req, pq: pq}, nil
}

// better orders candidates rule by rule, then by internal id.
func better(a, b *candidate) bool {
	for i := range a.values {
		if c := compareRank(a.values[i], b.values[i]); c != 0 {
			return c > 0
		}
	}
	return a.internal < b.internal
}

// compareRank is > 0 when x ranks before y.
func compareRank(x, y rankValue) int {
	if !x.sort {
		return cmpFloat(float64(x.rank)/float64(x.max), float64(y.rank)/float64(y.max))
	}
	return compareSortValues(x.asc, x.value, y.value)
}

func cmpFloat(a, b float64) int {
	switch {
	case a > b:
		return 1
	case a < b:
		return -1
	}
	return 0
}

// compareSortValues follows milli's compare_sort_values: > 0 is better;
// missing values last, numbers before strings.
func compareSortValues(asc bool, x, y any) int {
	fx, xNum := toFloat(x)
	fy, yNum := toFloat(y)
	sx, xStr := x.(string)
	sy, yStr := y.(string)
	var c int
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return -1
	case y == nil:
		return 1
	case xNum && yStr:
		return 1
	case xStr && yNum:
		return -1
	case xNum && yNum:
		c = cmpFloat(fx, fy)
	case xStr && yStr:
		c = strings.Compare(sx, sy)
	}
	if asc {
		return -c
	}
	return c
}

func toFloat(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	f, err := n.Float64()
	return f, err == nil
}

// sortField is one entry of a search's sort parameter.
type sortField struct {
	attr string
	asc  bool
}

func (ix *index) sortSpec(sorts []string) ([]sortField, *apiError) {
	var out []sortField
	for _, s := range sorts {
		attr, dir, ok := strings.Cut(s, ":")
		if !ok || (dir != "asc" && dir != "desc") {
			return nil, badRequest("invalid_search_sort", fmt.Sprintf("Invalid syntax for the sort parameter: `%s`.", s))
		}
		if !slices.Contains(ix.settings.SortableAttributes, attr) {
			return nil, badRequest("invalid_search_sort", fmt.Sprintf(
				"Attribute `%s` is not sortable. Available sortable attributes are: `%s`.", attr, strings.Join(ix.settings.SortableAttributes, ", ")))
		}
		out = append(out, sortField{attr: attr, asc: dir == "asc"})
	}
	return out, nil
}

// textRules are the ranking rules that score text (the others sort).
var textRules = []string{"words", "typo", "proximity", "attribute", "attributeRank", "wordPosition", "exactness"}

// rank computes the ranking values in rule order and the ranking score
// (text rules merged as milli's Rank::merge; sort rules excluded).
func (ix *index) rank(c *candidate, pq parsedQuery, sorts []sortField) ([]rankValue, float64) {
	var vals []rankValue
	for _, rule := range ix.settings.RankingRules {
		switch {
		case rule == "sort":
			for _, s := range sorts {
				vals = append(vals, rankValue{sort: true, asc: s.asc, value: c.doc[s.attr]})
			}
		case slices.Contains(textRules, rule):
			if !pq.placeholder {
				vals = append(vals, c.m.ranks(rule)...)
			}
		default:
			if attr, dir, ok := strings.Cut(rule, ":"); ok {
				vals = append(vals, rankValue{sort: true, asc: dir == "asc", value: c.doc[attr]})
			}
		}
	}
	return vals, globalScore(vals)
}

// globalScore merges the text ranks: rank = (outer.rank-1)*inner.max +
// inner.rank, max multiplied (milli score_details.rs).
func globalScore(vals []rankValue) float64 {
	rank, maxRank := 1.0, 1.0
	for _, v := range vals {
		if v.sort {
			continue
		}
		rank = (rank-1)*float64(v.max) + float64(v.rank)
		maxRank *= float64(v.max)
	}
	return rank / maxRank
}

// weightedValues is the sequence federated search compares: consecutive
// text ranks merged into one weighted score, sort values as they are.
func weightedValues(vals []rankValue, weight float64) []any {
	var out []any
	var run []rankValue
	flush := func() {
		if len(run) > 0 {
			out = append(out, globalScore(run)*weight)
			run = nil
		}
	}
	for _, v := range vals {
		if v.sort {
			flush()
			out = append(out, v)
			continue
		}
		run = append(run, v)
	}
	flush()
	return out
}
