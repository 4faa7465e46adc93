package meilistub

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// filterNode is a parsed filter expression.
type filterNode struct {
	op       string // and, or, not, cond
	kids     []*filterNode
	attr     string
	cmp      string // = != > >= < <= IN NOTIN EXISTS NOTEXISTS TO
	values   []string
	from, to string
}

// attrs lists the attributes a filter reads.
func (n *filterNode) attrs() []string {
	if n.op == "cond" {
		return []string{n.attr}
	}
	var out []string
	for _, k := range n.kids {
		out = append(out, k.attrs()...)
	}
	return out
}

// parseFilterValue parses a filter as Meilisearch takes it: a string, or an
// array whose items are ANDed, an inner array being ORed.
func parseFilterValue(v any) (*filterNode, error) {
	switch x := v.(type) {
	case string:
		return parseFilter(x)
	case []any:
		and := &filterNode{op: "and"}
		for _, item := range x {
			kid, err := parseFilterArrayItem(item)
			if err != nil {
				return nil, err
			}
			and.kids = append(and.kids, kid)
		}
		return and, nil
	}
	return nil, fmt.Errorf("invalid filter %v: expected a string or an array", v)
}

func parseFilterArrayItem(item any) (*filterNode, error) {
	inner, ok := item.([]any)
	if !ok {
		return parseFilterValue(item)
	}
	or := &filterNode{op: "or"}
	for _, s := range inner {
		str, ok := s.(string)
		if !ok {
			return nil, errors.New("invalid filter: nested arrays hold strings")
		}
		kid, err := parseFilter(str)
		if err != nil {
			return nil, err
		}
		or.kids = append(or.kids, kid)
	}
	return or, nil
}

// filterParser is a recursive descent parser of Meilisearch's filter
// expressions: OR, AND, NOT, parentheses, = != > >= < <=, IN [..],
// NOT IN [..], EXISTS, NOT EXISTS and a TO b. Keywords are case-insensitive.
type filterParser struct {
	toks []string
	pos  int
}

func parseFilter(s string) (*filterNode, error) {
	toks, err := lexFilter(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return &filterNode{op: "and"}, nil
	}
	p := &filterParser{toks: toks}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		return nil, fmt.Errorf("invalid filter: unexpected `%s`", p.toks[p.pos])
	}
	return n, nil
}

// lexFilter splits a filter into tokens; quoted strings keep a leading
// quote mark so that they are never taken for keywords.
func lexFilter(s string) ([]string, error) {
	var toks []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '"' || r == '\'':
			str, n, err := lexQuoted(rs[i:])
			if err != nil {
				return nil, err
			}
			toks, i = append(toks, "\x00"+str), i+n
		case strings.ContainsRune("()[],", r):
			toks, i = append(toks, string(r)), i+1
		case strings.ContainsRune("=!<>", r):
			op := string(r)
			if i+1 < len(rs) && rs[i+1] == '=' {
				op += "="
			}
			toks, i = append(toks, op), i+len([]rune(op))
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && !strings.ContainsRune("()[],=!<>\"'", rs[j]) {
				j++
			}
			toks, i = append(toks, string(rs[i:j])), j
		}
	}
	return toks, nil
}

func lexQuoted(rs []rune) (string, int, error) {
	q := rs[0]
	var b strings.Builder
	for i := 1; i < len(rs); i++ {
		switch rs[i] {
		case '\\':
			if i+1 < len(rs) {
				i++
				b.WriteRune(rs[i])
			}
		case q:
			return b.String(), i + 1, nil
		default:
			b.WriteRune(rs[i])
		}
	}
	return "", 0, errors.New("invalid filter: unterminated string")
}

func (p *filterParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *filterParser) keyword(k string) bool {
	if strings.EqualFold(p.peek(), k) {
		p.pos++
		return true
	}
	return false
}

func (p *filterParser) next() (string, error) {
	if p.pos >= len(p.toks) {
		return "", errors.New("invalid filter: unexpected end")
	}
	p.pos++
	return p.toks[p.pos-1], nil
}

func (p *filterParser) or() (*filterNode, error) {
	return p.chain("OR", "or", p.and)
}

func (p *filterParser) and() (*filterNode, error) {
	return p.chain("AND", "and", p.not)
}

func (p *filterParser) chain(kw, op string, sub func() (*filterNode, error)) (*filterNode, error) {
	first, err := sub()
	if err != nil {
		return nil, err
	}
	n := &filterNode{op: op, kids: []*filterNode{first}}
	for p.keyword(kw) {
		kid, err := sub()
		if err != nil {
			return nil, err
		}
		n.kids = append(n.kids, kid)
	}
	if len(n.kids) == 1 {
		return first, nil
	}
	return n, nil
}

func (p *filterParser) not() (*filterNode, error) {
	if p.keyword("NOT") {
		kid, err := p.not()
		if err != nil {
			return nil, err
		}
		return &filterNode{op: "not", kids: []*filterNode{kid}}, nil
	}
	if p.peek() == "(" {
		p.pos++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if tok, _ := p.next(); tok != ")" {
			return nil, errors.New("invalid filter: missing `)`")
		}
		return n, nil
	}
	return p.condition()
}

func (p *filterParser) condition() (*filterNode, error) {
	attr, err := p.next()
	if err != nil {
		return nil, err
	}
	n := &filterNode{op: "cond", attr: strings.TrimPrefix(attr, "\x00")}
	switch tok := p.peek(); {
	case tok == "=" || tok == "!=" || tok == ">" || tok == ">=" || tok == "<" || tok == "<=":
		p.pos++
		n.cmp = tok
		v, err := p.value()
		n.values = []string{v}
		return n, err
	case p.keyword("IN"):
		n.cmp = "IN"
		n.values, err = p.list()
		return n, err
	case p.keyword("EXISTS"):
		n.cmp = "EXISTS"
		return n, nil
	case p.keyword("NOT"):
		return p.negatedCondition(n)
	default:
		return p.rangeCondition(n)
	}
}

func (p *filterParser) negatedCondition(n *filterNode) (*filterNode, error) {
	var err error
	switch {
	case p.keyword("IN"):
		n.cmp = "NOTIN"
		n.values, err = p.list()
	case p.keyword("EXISTS"):
		n.cmp = "NOTEXISTS"
	default:
		err = fmt.Errorf("invalid filter: expected IN or EXISTS after `%s NOT`", n.attr)
	}
	return n, err
}

func (p *filterParser) rangeCondition(n *filterNode) (*filterNode, error) {
	from, err := p.value()
	if err != nil {
		return nil, err
	}
	if !p.keyword("TO") {
		return nil, fmt.Errorf("invalid filter: expected an operator after `%s`", n.attr)
	}
	to, err := p.value()
	n.cmp, n.from, n.to = "TO", from, to
	return n, err
}

func (p *filterParser) value() (string, error) {
	tok, err := p.next()
	if err != nil {
		return "", err
	}
	if tok == "" || strings.ContainsAny(tok, "()[],") && !strings.HasPrefix(tok, "\x00") {
		return "", fmt.Errorf("invalid filter: expected a value, found `%s`", tok)
	}
	return strings.TrimPrefix(tok, "\x00"), nil
}

func (p *filterParser) list() ([]string, error) {
	if tok, _ := p.next(); tok != "[" {
		return nil, errors.New("invalid filter: expected `[` after IN")
	}
	var out []string
	for p.peek() != "]" {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if p.peek() == "," {
			p.pos++
		}
	}
	p.pos++
	return out, nil
}

// compileFilter parses a filter and checks that every attribute it reads
// is filterable, as Meilisearch does.
func (ix *index) compileFilter(v any) (func(map[string]any) bool, *apiError) {
	n, err := parseFilterValue(v)
	if err != nil {
		return nil, badRequest("invalid_search_filter", err.Error())
	}
	for _, a := range n.attrs() {
		if !slices.Contains(ix.settings.FilterableAttributes, a) {
			return nil, badRequest("invalid_search_filter", fmt.Sprintf(
				"Attribute `%s` is not filterable. Available filterable attributes are: `%s`.",
				a, strings.Join(ix.settings.FilterableAttributes, ", ")))
		}
	}
	return n.eval, nil
}

// eval reports whether a document passes the filter.
func (n *filterNode) eval(d map[string]any) bool {
	switch n.op {
	case "and":
		for _, k := range n.kids {
			if !k.eval(d) {
				return false
			}
		}
		return true
	case "or":
		for _, k := range n.kids {
			if k.eval(d) {
				return true
			}
		}
		return false
	case "not":
		return !n.kids[0].eval(d)
	}
	return n.evalCond(d)
}

func (n *filterNode) evalCond(d map[string]any) bool {
	v, present := d[n.attr]
	switch n.cmp {
	case "EXISTS":
		return present
	case "NOTEXISTS":
		return !present
	case "!=":
		return !anyValue(v, func(x any) bool { return equalValue(x, n.values[0]) })
	case "NOTIN":
		return !anyValue(v, func(x any) bool {
			return slices.ContainsFunc(n.values, func(w string) bool { return equalValue(x, w) })
		})
	case "IN":
		return anyValue(v, func(x any) bool {
			return slices.ContainsFunc(n.values, func(w string) bool { return equalValue(x, w) })
		})
	case "=":
		return anyValue(v, func(x any) bool { return equalValue(x, n.values[0]) })
	case "TO":
		return anyValue(v, func(x any) bool { return compareNum(x, ">=", n.from) && compareNum(x, "<=", n.to) })
	}
	return anyValue(v, func(x any) bool { return compareNum(x, n.cmp, n.values[0]) })
}

// anyValue applies f to a value or to each item of an array value.
func anyValue(v any, f func(any) bool) bool {
	if arr, ok := v.([]any); ok {
		return slices.ContainsFunc(arr, f)
	}
	return v != nil && f(v)
}

// equalValue compares a document value with a filter literal: numbers as
// numbers, strings case-insensitively (Meilisearch normalises facet strings).
func equalValue(x any, lit string) bool {
	switch v := x.(type) {
	case json.Number:
		a, err1 := v.Float64()
		b, err2 := strconv.ParseFloat(lit, 64)
		return err1 == nil && err2 == nil && a == b
	case string:
		return normalize(v) == normalize(lit)
	case bool:
		return strconv.FormatBool(v) == strings.ToLower(lit)
	}
	return false
}

func compareNum(x any, op, lit string) bool {
	num, ok := x.(json.Number)
	if !ok {
		return false
	}
	a, err1 := num.Float64()
	b, err2 := strconv.ParseFloat(lit, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	switch op {
	case ">":
		return a > b
	case ">=":
		return a >= b
	case "<":
		return a < b
	case "<=":
		return a <= b
	}
	return false
}
