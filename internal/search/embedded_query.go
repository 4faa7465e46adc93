package search

import (
	"math"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
)

// Boosts of the ways a query word can match, so exact words outrank
// synonyms, prefixes and typos.
const (
	boostExact   = 4.0
	boostSynonym = 3.0
	boostPrefix  = 2.0
	boostFuzzy   = 1.0
	boostPhrase  = 4.0
)

// scopeQuery is the permission and filter part of a query: the workspace,
// the chats in scope and the client's filters. It never scores.
func scopeQuery(q Query, scope []int64) query.Query {
	parts := []query.Query{termQ(fWorkspace, id(q.WorkspaceID), 0), anyTerm(fChat, ids(scope))}
	if len(q.SenderIDs) > 0 {
		parts = append(parts, anyTerm(fSender, ids(q.SenderIDs)))
	}
	if len(q.ChatTypes) > 0 {
		types := make([]string, len(q.ChatTypes))
		for i, t := range q.ChatTypes {
			types[i] = string(t)
		}
		parts = append(parts, anyTerm(fChatType, types))
	}
	if !q.From.IsZero() || !q.To.IsZero() {
		parts = append(parts, timeRange(q))
	}
	c := bleve.NewConjunctionQuery(parts...)
	c.SetBoost(0)
	return c
}

func ids(v []int64) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = id(x)
	}
	return out
}

// anyTerm matches documents whose field holds one of terms.
func anyTerm(field string, terms []string) query.Query {
	if len(terms) == 1 {
		return termQ(field, terms[0], 0)
	}
	qs := make([]query.Query, len(terms))
	for i, t := range terms {
		qs[i] = termQ(field, t, 0)
	}
	d := bleve.NewDisjunctionQuery(qs...)
	d.SetBoost(0)
	return d
}

// timeRange is From (inclusive) to To (exclusive) on the time field.
func timeRange(q Query) query.Query {
	var lo, hi *float64
	if !q.From.IsZero() {
		v := float64(q.From.UnixMilli())
		lo = &v
	}
	if !q.To.IsZero() {
		v := float64(q.To.UnixMilli())
		hi = &v
	}
	inc, exc := true, false
	r := bleve.NewNumericRangeInclusiveQuery(lo, hi, &inc, &exc)
	r.SetField(fTime)
	r.SetBoost(0)
	return r
}

// textQuery is the scoring part: every term and phrase must match, no
// excluded word or phrase may. Nil for an empty query.
func textQuery(p ParsedQuery) query.Query {
	if p.Empty() {
		return nil
	}
	b := bleve.NewBooleanQuery()
	for _, t := range p.Terms {
		b.AddMust(termQuery(t))
	}
	for _, ph := range p.Phrases {
		b.AddMust(phraseQuery(ph, boostPhrase))
	}
	for _, ex := range p.Excluded {
		b.AddMustNot(phraseQuery(ex, 1))
	}
	return b
}

// termQuery matches one query word exactly, by synonym, as a prefix (the
// word being typed) or within its typo budget. A typo in the first letter is
// not tolerated: that keeps the fuzzy expansion small, and Meilisearch
// counts such a typo double anyway.
func termQuery(t Term) query.Query {
	alts := []query.Query{textTerm(t.Word, boostExact)}
	for _, s := range t.Synonyms {
		alts = append(alts, textTerm(s, boostSynonym))
	}
	if t.Prefix {
		p := bleve.NewPrefixQuery(t.Word)
		p.SetField(fContent)
		p.SetBoost(boostPrefix)
		alts = append(alts, p)
	}
	if t.Typos > 0 {
		f := bleve.NewFuzzyQuery(t.Word)
		f.SetField(fContent)
		f.SetFuzziness(t.Typos)
		f.SetPrefix(1)
		f.SetBoost(boostFuzzy)
		alts = append(alts, f)
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return bleve.NewDisjunctionQuery(alts...)
}

func textTerm(w string, boost float64) query.Query {
	q := bleve.NewTermQuery(w)
	q.SetField(fContent)
	q.SetBoost(boost)
	return q
}

// phraseQuery matches the words in order (one word: the word).
func phraseQuery(words []string, boost float64) query.Query {
	if len(words) == 1 {
		return textTerm(words[0], boost)
	}
	p := bleve.NewPhraseQuery(words, fContent)
	p.SetBoost(boost)
	return p
}

// rankScore blends the text score with recency and the caller's boosts.
func rankScore(text float64, c candidate, s Settings, q Query) float64 {
	score := text
	if s.RecencyWeight > 0 && s.RecencyHalfLife > 0 {
		age := q.Now.Sub(c.time).Hours() / s.RecencyHalfLife.Hours()
		score *= 1 + s.RecencyWeight*math.Exp2(-max(age, 0))
	}
	if c.chatType == "direct" && s.DirectChatBoost > 0 {
		score *= s.DirectChatBoost
	}
	for _, f := range q.FrequentChatIDs {
		if f == c.chat && s.FrequentChatBoost > 0 {
			score *= s.FrequentChatBoost
			break
		}
	}
	return score
}
