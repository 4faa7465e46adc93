package bleve

import (
	"math"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/fechatter/fechatter/internal/search"
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

// chatScope is the chats a query may touch, narrowed to those with
// documents in its workspace.
type chatScope struct {
	include []int64
	// inWorkspace: the workspace's chat set was read, and include holds
	// only chats with documents in the workspace, so checking a match's chat
	// keeps it inside the workspace (chat ids are unique across workspaces)
	// without intersecting with the workspace's postings.
	inWorkspace bool
}

// resolveScope narrows scope to chats that have documents in the workspace,
// when the workspace's chat set is known; otherwise it is kept as it is.
func resolveScope(scope []int64, known map[int64]bool, complete bool) chatScope {
	if !complete {
		return chatScope{include: scope}
	}
	cs := chatScope{inWorkspace: true}
	for _, c := range scope {
		if known[c] {
			cs.include = append(cs.include, c)
		}
	}
	return cs
}

// empty reports whether no chat of the scope has documents.
func (cs chatScope) empty() bool { return len(cs.include) == 0 }

// postingFilter is what the postings decide of a query's filters: the
// workspace unless the scope alone keeps matches inside it, and the senders
// unless the keys hold them (sendersInKeys). Everything else is checked on
// each match's key (keyFilter). Nil when there is nothing to intersect with.
func postingFilter(q search.Query, scope chatScope, sendersInKeys bool) query.Query {
	var parts []query.Query
	if !scope.inWorkspace {
		parts = append(parts, termQ(fWorkspace, id(q.WorkspaceID), 0))
	}
	if len(q.SenderIDs) > 0 && !sendersInKeys {
		parts = append(parts, anyTerm(fSender, ids(q.SenderIDs)))
	}
	if len(parts) == 0 {
		return nil
	}
	return conjunction(parts)
}

// conjunction matches what every part matches, without scoring.
func conjunction(parts []query.Query) query.Query {
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

// textQuery is the scoring part: every term and phrase must match, no
// excluded word or phrase may. Nil for an empty query.
func textQuery(p search.ParsedQuery) query.Query {
	if p.Empty() && len(p.Excluded) == 0 {
		return nil
	}
	b := bleve.NewBooleanQuery()
	if p.Empty() {
		// Only exclusions: every message except those.
		b.AddMust(bleve.NewMatchAllQuery())
	}
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
func termQuery(t search.Term) query.Query {
	if t.Prefix && len(t.Synonyms) == 0 && t.Typos == 0 && utf8.RuneCountInString(t.Word) <= 2 {
		// One or two letters being typed: the prefix term holds the exact
		// word too, and one term searcher instead of a disjunction of two
		// is a third cheaper over the ~40% of the index a letter matches.
		return prefixQuery(t.Word)
	}
	alts := []query.Query{textTerm(t.Word, boostExact)}
	for _, s := range t.Synonyms {
		alts = append(alts, textTerm(s, boostSynonym))
	}
	if t.Prefix {
		alts = append(alts, prefixQuery(t.Word))
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

// prefixQuery matches words starting with w: one term of the edge n-gram
// field when w is short enough, else a prefix scan of the text field.
func prefixQuery(w string) query.Query {
	if utf8.RuneCountInString(w) <= maxPrefixGram {
		q := bleve.NewTermQuery(w)
		q.SetField(fPrefix)
		q.SetBoost(boostPrefix)
		return q
	}
	p := bleve.NewPrefixQuery(w)
	p.SetField(fContent)
	p.SetBoost(boostPrefix)
	return p
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
func rankScore(text float64, c candidate, s search.Settings, q search.Query) float64 {
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
