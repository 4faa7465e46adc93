package meili

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// queryText renders a parsed query in Meilisearch's syntax (field
// notes C1): "phrases", -excluded words and -"phrases", then the words,
// the prefix word last and a trailing space when there is none (the last
// word is a prefix only when nothing follows it).
//
// Stop words are applied here, through ParseQuery, not as a Meilisearch
// setting: Meilisearch drops stop words from queries that are only stop
// words, which then match every document, whereas ParseQuery keeps them
// ("the" alone still finds "the"). Synonyms are left to the index.
func queryText(p search.ParsedQuery) string {
	var parts []string
	for _, ph := range p.Phrases {
		parts = append(parts, `"`+strings.Join(ph, " ")+`"`)
	}
	for _, ex := range p.Excluded {
		if len(ex) == 1 {
			parts = append(parts, "-"+ex[0])
		} else {
			parts = append(parts, `-"`+strings.Join(ex, " ")+`"`)
		}
	}
	prefix := ""
	for _, t := range p.Terms {
		if t.Prefix {
			prefix = t.Word
			continue
		}
		parts = append(parts, t.Word)
	}
	if prefix != "" {
		return strings.Join(append(parts, prefix), " ")
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, " ") + " "
}

// filterAnd joins filter clauses, skipping empty ones.
func filterAnd(clauses ...string) string {
	return strings.Join(slices.DeleteFunc(clauses, func(c string) bool { return c == "" }), " AND ")
}

// scopeFilter is the filter every request of a query carries: the
// workspace and the chats in scope (both from the server, never widened),
// then the caller's narrowing filters.
func scopeFilter(q search.Query, scope []int64) string {
	clauses := []string{
		"workspace_id = " + strconv.FormatInt(q.WorkspaceID, 10),
		"chat_id IN " + intList(scope),
	}
	if len(q.SenderIDs) > 0 {
		clauses = append(clauses, "sender_id IN "+intList(q.SenderIDs))
	}
	if len(q.ChatTypes) > 0 {
		clauses = append(clauses, "chat_type IN "+typeList(q.ChatTypes))
	}
	if !q.From.IsZero() {
		clauses = append(clauses, "created_at >= "+micros(q.From))
	}
	if !q.To.IsZero() {
		clauses = append(clauses, "created_at < "+micros(q.To))
	}
	return filterAnd(clauses...)
}

func micros(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

func intList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func typeList(types []model.ChatType) string {
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = quoteFilter(string(t))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// quoteFilter quotes a string value for a Meilisearch filter expression:
// inside double quotes, backslash escapes the quote and itself.
func quoteFilter(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// dateBucketFilter selects the documents of one date bucket seen at now:
// age < Within, and not in a younger bucket (DateBucketOf).
func dateBucketFilter(i int, now time.Time) string {
	var clauses []string
	if w := search.DateBuckets[i].Within; w > 0 {
		clauses = append(clauses, "created_at > "+micros(now.Add(-w)))
	}
	if i > 0 {
		clauses = append(clauses, "created_at <= "+micros(now.Add(-search.DateBuckets[i-1].Within)))
	}
	return filterAnd(clauses...)
}

// partition is one slice of a query's documents and the weight its text
// scores are multiplied by in a federated search.
type partition struct {
	filter string
	weight float64
}

// boostPartitions splits a relevance query into disjoint partitions
// weighted by the workspace Settings: direct chats, the caller's frequent
// chats, and age bands for recency. Meilisearch multiplies each hit's
// text score by its partition's weight and merges (federated search), so
// boosts work across pages; recency is approximated by three age bands
// (under a half-life, under four, older), with created_at still breaking
// ties. One partition means no federation is needed.
func boostPartitions(q search.Query, s search.Settings, scope []int64) []partition {
	parts := []partition{{weight: 1}}
	for _, dim := range [][]partition{directDim(q, s), frequentDim(q, s, scope), recencyDim(q, s)} {
		if len(dim) == 0 {
			continue
		}
		var next []partition
		for _, p := range parts {
			for _, d := range dim {
				next = append(next, partition{filter: filterAnd(p.filter, d.filter), weight: p.weight * d.weight})
			}
		}
		parts = next
	}
	return parts
}

func validBoost(b float64) bool { return b > 0 && b != 1 && !math.IsInf(b, 0) && !math.IsNaN(b) }

func directDim(q search.Query, s search.Settings) []partition {
	if !validBoost(s.DirectChatBoost) || (len(q.ChatTypes) > 0 && !slices.Contains(q.ChatTypes, model.ChatDirect)) {
		return nil
	}
	d := quoteFilter(string(model.ChatDirect))
	return []partition{{"chat_type = " + d, s.DirectChatBoost}, {"chat_type != " + d, 1}}
}

func frequentDim(q search.Query, s search.Settings, scope []int64) []partition {
	if !validBoost(s.FrequentChatBoost) {
		return nil
	}
	freq := slices.DeleteFunc(slices.Clone(scope), func(id int64) bool { return !slices.Contains(q.FrequentChatIDs, id) })
	if len(freq) == 0 || len(freq) == len(scope) {
		return nil // every document would get the same weight
	}
	return []partition{{"chat_id IN " + intList(freq), s.FrequentChatBoost}, {"chat_id NOT IN " + intList(freq), 1}}
}

// recencyDim bands ages at one and four half-lives, each weighted by
// 1 - w + w*2^(-age/halfLife) taken at the band's middle age.
func recencyDim(q search.Query, s search.Settings) []partition {
	w := min(max(s.RecencyWeight, 0), 1)
	h := s.RecencyHalfLife
	if w == 0 || h <= 0 || math.IsNaN(w) {
		return nil
	}
	decay := func(halfLives float64) float64 { return 1 - w + w*math.Exp2(-halfLives) }
	young, old := micros(q.Now.Add(-h)), micros(q.Now.Add(-4*h))
	return []partition{
		{"created_at > " + young, decay(0.5)},
		{"created_at <= " + young + " AND created_at > " + old, decay(2)},
		{"created_at <= " + old, decay(8)},
	}
}
