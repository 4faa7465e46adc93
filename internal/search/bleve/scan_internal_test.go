package bleve

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/search/corpus"
)

// The scan path (one- and two-letter prefixes, browse) must give what
// bleve's path gives newest first: the same page in the same order, the
// same total and the same facet counts, under the permission check and
// every filter, across several segments with deleted and replaced
// documents. A one- or two-letter prefix sorted by relevance is served
// newest first too.
func TestScanMatchesBlevePath(t *testing.T) {
	e, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	c := corpus.New(corpus.Config{Messages: 6000})
	if err := c.Each(500, func(d []search.Doc) error { return e.Upsert(ctx, d) }); err != nil {
		t.Fatal(err)
	}
	// Replace and delete some, so segments hold deleted documents.
	var moved []search.Doc
	if err := c.Each(1000, func(d []search.Doc) error {
		for i := 0; i < len(d); i += 97 {
			m := d[i]
			m.Content = "quite moved " + m.Content
			m.CreatedAt = m.CreatedAt.Add(time.Hour)
			moved = append(moved, m)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.Upsert(ctx, moved); err != nil {
		t.Fatal(err)
	}
	if err := e.Delete(ctx, 1, []int64{moved[0].ID, moved[1].ID, 5, 6, 7, 4000}); err != nil {
		t.Fatal(err)
	}

	var scope, chosen []int64
	for i, ch := range c.Chats {
		if ch.Type.IsChannel() || i%3 == 0 {
			scope = append(scope, ch.ID)
		}
		if i%5 == 0 {
			chosen = append(chosen, ch.ID)
		}
	}
	now := c.Config().End
	base := search.Query{WorkspaceID: 1, AllowedChatIDs: scope, Now: now, Limit: 20,
		Facets: []search.Facet{search.FacetSender, search.FacetChat, search.FacetChatType, search.FacetDate}}
	variants := map[string]func(q *search.Query){
		"plain":       func(*search.Query) {},
		"second page": func(q *search.Query) { q.Offset = 20 },
		"deep page":   func(q *search.Query) { q.Offset, q.Limit = 180, 50 },
		"chat types": func(q *search.Query) {
			q.ChatTypes = []model.ChatType{model.ChatPublicChannel, model.ChatPrivateChannel, model.ChatGroup}
		},
		"dates":   func(q *search.Query) { q.From, q.To = now.Add(-200*24*time.Hour), now.Add(-20*24*time.Hour) },
		"senders": func(q *search.Query) { q.SenderIDs = []int64{c.Users[0].ID, c.Users[3].ID} },
		"chats":   func(q *search.Query) { q.ChatIDs = chosen },
	}
	texts := []string{"", "q", "a", "s", "e", "qu", "de", "st", "Ü"}
	served := 0
	for _, text := range texts {
		for vname, v := range variants {
			for _, facets := range [][]search.Facet{base.Facets, nil} {
				name := fmt.Sprintf("%s, %d facets", vname, len(facets))
				q := base
				q.Text, q.Facets = text, facets
				v(&q)
				e.noScan = true
				q.Sort = search.SortNewest
				want, err := e.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				e.noScan = false
				for _, sort := range []search.Sort{search.SortNewest, search.SortRelevance} {
					q.Sort = sort
					got, err := e.Search(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if got.Total != want.Total {
						t.Errorf("%q %s %s: total %d, bleve's path %d", text, name, sort, got.Total, want.Total)
					}
					if g, w := hitIDs(got), hitIDs(want); !reflect.DeepEqual(g, w) {
						t.Errorf("%q %s %s: page %v, bleve's path %v", text, name, sort, g, w)
					}
					if !reflect.DeepEqual(got.Facets, want.Facets) {
						t.Errorf("%q %s %s: facets differ:\n%v\n%v", text, name, sort, got.Facets, want.Facets)
					}
					if len(want.Hits) > 0 {
						served++
					}
				}
			}
		}
	}
	if served < 100 {
		t.Fatalf("only %d comparisons had hits: the corpus does not exercise the scan path", served)
	}
	// The scan path is the one taken (not a fallback to bleve's).
	r, err := e.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	kf := newKeyFilter(base, chatScope{include: scope, inWorkspace: true}, true)
	kf.newest = newNewestPage(20)
	if _, ok, err := e.scan(ctx, kf, "q"); err != nil || !ok {
		t.Fatalf("scan served = %v, %v", ok, err)
	}
}

func TestScanTerm(t *testing.T) {
	for text, want := range map[string]string{"": "", "q": "q", "qu": "qu", "-foo": "-", "que": "-", "q ": "-",
		"budget q": "-", `"q"`: "-"} {
		term, ok := scanTerm(search.ParseQuery(text, search.Settings{}))
		if !ok {
			term = "-"
		}
		if term != want {
			t.Errorf("scanTerm(%q) = %q, want %q", text, term, want)
		}
	}
}

func hitIDs(r search.Result) []int64 {
	out := []int64{}
	for _, h := range r.Hits {
		out = append(out, h.Doc.ID)
	}
	return out
}
