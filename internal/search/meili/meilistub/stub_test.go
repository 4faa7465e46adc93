package meilistub

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// call sends a request to the stub with the master key (unless key is
// given) and decodes the JSON answer.
func call(t *testing.T, s *Server, method, path string, body any, key ...string) (int, map[string]any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, s.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	k := s.MasterKey()
	if len(key) > 0 {
		k = key[0]
	}
	if k != "" {
		req.Header.Set("Authorization", "Bearer "+k)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// await waits for a task to finish and returns its final object.
func await(t *testing.T, s *Server, info map[string]any) map[string]any {
	t.Helper()
	uid := int(info["taskUid"].(float64))
	for {
		_, task := call(t, s, "GET", "/tasks/"+itoa(uid), nil)
		if st := task["status"]; st == "succeeded" || st == "failed" {
			return task
		}
		select {
		case <-t.Context().Done():
			t.Fatal("task never finished")
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func newStub(t *testing.T) *Server {
	s := New(Options{})
	t.Cleanup(s.Close)
	return s
}

// fixture creates index "m" with settings like Fechatter's and documents.
func fixture(t *testing.T) *Server {
	s := newStub(t)
	_, info := call(t, s, "PATCH", "/indexes/m/settings", map[string]any{
		"searchableAttributes": []string{"content"}, "filterableAttributes": []string{"chat_id", "kind"},
		"sortableAttributes": []string{"at"}, "rankingRules": []string{"sort", "words", "typo", "proximity", "attribute", "exactness", "at:desc"},
		"synonyms": map[string][]string{"car": {"automobile"}},
	})
	await(t, s, info)
	_, info = call(t, s, "POST", "/indexes/m/documents?primaryKey=id", []map[string]any{
		{"id": 1, "chat_id": 10, "kind": "Public", "at": 100, "content": "The quarterly budget review is on Monday"},
		{"id": 2, "chat_id": 10, "kind": "public", "at": 200, "content": "Please send the release notes before Friday"},
		{"id": 3, "chat_id": 11, "kind": "private", "at": 300, "content": "notes about the release process"},
		{"id": 4, "chat_id": 11, "kind": "private", "at": 400, "content": "planning the budgat and an automobile"},
	})
	if task := await(t, s, info); task["status"] != "succeeded" {
		t.Fatalf("add documents: %v", task)
	}
	return s
}

func ids(res map[string]any) []int {
	var out []int
	for _, h := range res["hits"].([]any) {
		out = append(out, int(h.(map[string]any)["id"].(float64)))
	}
	return out
}

func TestAuth(t *testing.T) {
	s := newStub(t)
	for _, tc := range []struct {
		path, key string
		status    int
		code      string
	}{
		{"/health", "", 200, ""},
		{"/indexes", "", 401, "missing_authorization_header"},
		{"/indexes", "nope", 403, "invalid_api_key"},
		{"/indexes", s.MasterKey(), 200, ""},
	} {
		status, out := call(t, s, "GET", tc.path, nil, tc.key)
		if status != tc.status || (tc.code != "" && out["code"] != tc.code) {
			t.Errorf("GET %s key %q: %d %v", tc.path, tc.key, status, out)
		}
	}
}

func TestTasksAreAsynchronous(t *testing.T) {
	s := newStub(t)
	s.Pause()
	status, info := call(t, s, "POST", "/indexes/x/documents", []map[string]any{{"id": 1, "content": "hello"}})
	if status != 202 || info["status"] != "enqueued" {
		t.Fatalf("add: %d %v", status, info)
	}
	if _, task := call(t, s, "GET", "/tasks/1", nil); task["status"] != "enqueued" {
		t.Fatalf("paused task: %v", task)
	}
	s.Resume()
	if task := await(t, s, info); task["status"] != "succeeded" {
		t.Fatalf("task: %v", task)
	}
	s.FailNextTasks(1)
	_, info = call(t, s, "POST", "/indexes/x/documents", []map[string]any{{"id": 2, "content": "lost"}})
	task := await(t, s, info)
	if task["status"] != "failed" || task["error"].(map[string]any)["code"] != "internal" {
		t.Fatalf("injected failure: %v", task)
	}
	_, st := call(t, s, "GET", "/indexes/x/stats", nil)
	if st["numberOfDocuments"].(float64) != 1 {
		t.Fatalf("a failed task changed the index: %v", st)
	}
	_, list := call(t, s, "GET", "/tasks?uids=1,2&statuses=failed", nil)
	if n := len(list["results"].([]any)); n != 1 {
		t.Fatalf("filtered task list has %d tasks", n)
	}
}

func TestParseQuery(t *testing.T) {
	for _, tc := range []struct {
		q    string
		want string // terms (prefix marked *), then -negatives
	}{
		{"budg", "budg*"},
		{"budget ", "budget"},
		{"release no", "release no*"},
		{"tomorrow!", "tomorrow"}, // a separator follows: not a prefix
		{`"release notes" friday`, `"release notes" friday*`},
		{`"release notes`, `"release notes"`},
		{"budget -draft", "budget -draft"},
		{`release -"release notes" `, `release -"release notes"`},
		{"well-known", "well known*"}, // '-' not after a space
		{"the budget", "budget*"},     // stop word dropped
		{"budget the", "budget the*"}, // unless last
	} {
		p := parseQuery(tc.q, []string{"the"})
		var parts []string
		for _, term := range p.terms {
			switch {
			case term.phrase != nil:
				parts = append(parts, `"`+strings.Join(term.phrase, " ")+`"`)
			case term.prefix:
				parts = append(parts, term.word+"*")
			default:
				parts = append(parts, term.word)
			}
		}
		for _, w := range p.negWords {
			parts = append(parts, "-"+w)
		}
		for _, ph := range p.negPhrases {
			parts = append(parts, `-"`+strings.Join(ph, " ")+`"`)
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.q, got, tc.want)
		}
	}
}

func TestMatchWord(t *testing.T) {
	set := defaultSettings()
	for _, tc := range []struct {
		q      string
		prefix bool
		w      string
		typos  int // -1: no match
	}{
		{"release", false, "release", 0},
		{"releese", false, "release", 1},
		{"rleease", false, "release", 1},  // transposition counts one
		{"bidgat", false, "budget", -1},   // two typos in 6 letters
		{"sent", false, "send", -1},       // 4 letters: exact only
		{"xelease", false, "release", -1}, // first letter, budget 1
		{"xuarterly", false, "quarterly", 2},
		{"dokumentasion", false, "documentation", 2},
		{"budg", true, "budget", 0},
		{"budg", false, "budget", -1},
		{"deplo", true, "deployment", 0},
		{"delpo", true, "deployment", 1},
	} {
		wm, ok := matchWord(tc.q, tc.prefix, set.typoBudget(tc.q), tc.w, nil)
		got := -1
		if ok {
			got = wm.typos
		}
		if got != tc.typos {
			t.Errorf("%q prefix=%v vs %q: typos %d, want %d", tc.q, tc.prefix, tc.w, got, tc.typos)
		}
	}
}

func TestFilters(t *testing.T) {
	docs := []map[string]any{
		{"id": json.Number("1"), "n": json.Number("5"), "s": "Direct", "tags": []any{"a", "b"}},
		{"id": json.Number("2"), "n": json.Number("10"), "s": `q"uote`},
		{"id": json.Number("3")},
	}
	for _, tc := range []struct {
		filter any
		want   []int
	}{
		{"n = 5", []int{1}},
		{"n >= 5 AND n < 10", []int{1}},
		{"n 5 TO 10", []int{1, 2}},
		{"s = direct", []int{1}},
		{`s = "q\"uote"`, []int{2}},
		{"s != direct", []int{2, 3}},
		{"n IN [10, 11]", []int{2}},
		{"n NOT IN [10]", []int{1, 3}},
		{"tags = b", []int{1}},
		{"n EXISTS", []int{1, 2}},
		{"n NOT EXISTS", []int{3}},
		{"NOT (n = 5 OR n = 10)", []int{3}},
		{"n = 5 or n = 10 and s = direct", []int{1}},
		{[]any{"n >= 5", []any{"s = direct", "n = 10"}}, []int{1, 2}},
	} {
		node, err := parseFilterValue(tc.filter)
		if err != nil {
			t.Errorf("%v: %v", tc.filter, err)
			continue
		}
		var got []int
		for i, d := range docs {
			if node.eval(d) {
				got = append(got, i+1)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.filter, got, tc.want)
		}
	}
	for _, bad := range []string{"n =", "n IN [1", `s = "open`, "(n = 1", "n ~ 3"} {
		if _, err := parseFilter(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestSearch(t *testing.T) {
	s := fixture(t)
	search := func(body map[string]any) (int, map[string]any) {
		return call(t, s, "POST", "/indexes/m/search", body)
	}
	t.Run("typo, synonym and ranking", func(t *testing.T) {
		_, res := search(map[string]any{"q": "budget ", "showRankingScore": true})
		if got := ids(res); !slices.Equal(got, []int{1, 4}) {
			t.Fatalf("hits %v, want exact match before typo", got)
		}
		h := res["hits"].([]any)
		if a, b := h[0].(map[string]any)["_rankingScore"].(float64), h[1].(map[string]any)["_rankingScore"].(float64); !(a > b) {
			t.Fatalf("scores %v, %v", a, b)
		}
		if _, res := search(map[string]any{"q": "car "}); !slices.Equal(ids(res), []int{4}) {
			t.Fatalf("synonym hits %v", ids(res))
		}
	})
	t.Run("matching strategy", func(t *testing.T) {
		_, res := search(map[string]any{"q": "release zebra "})
		if len(ids(res)) != 2 {
			t.Fatalf("last strategy drops the last word: %v", ids(res))
		}
		_, res = search(map[string]any{"q": "release zebra ", "matchingStrategy": "all"})
		if len(ids(res)) != 0 {
			t.Fatalf("all strategy: %v", ids(res))
		}
	})
	t.Run("sort and filter", func(t *testing.T) {
		_, res := search(map[string]any{"q": "", "sort": []string{"at:asc"}, "filter": "chat_id = 11"})
		if !slices.Equal(ids(res), []int{3, 4}) || res["estimatedTotalHits"].(float64) != 2 {
			t.Fatalf("got %v", res)
		}
		if status, res := search(map[string]any{"sort": []string{"id:asc"}}); status != 400 || res["code"] != "invalid_search_sort" {
			t.Fatalf("unsortable: %d %v", status, res)
		}
		if status, res := search(map[string]any{"filter": "content = x"}); status != 400 || res["code"] != "invalid_search_filter" {
			t.Fatalf("unfilterable: %d %v", status, res)
		}
	})
	t.Run("count and facets", func(t *testing.T) {
		_, res := search(map[string]any{"q": "", "hitsPerPage": 0, "facets": []string{"kind", "content"}})
		if res["totalHits"].(float64) != 4 || len(res["hits"].([]any)) != 0 {
			t.Fatalf("count: %v", res)
		}
		dist := res["facetDistribution"].(map[string]any)
		if _, ok := dist["content"]; ok {
			t.Fatal("facet on an attribute that is not filterable")
		}
		kinds := dist["kind"].(map[string]any)
		public, _ := kinds["public"].(float64)
		if alt, ok := kinds["Public"].(float64); ok {
			public += alt
		}
		if len(kinds) != 2 || public != 2 {
			t.Fatalf("kind facet %v (values grouped case-insensitively, one original kept)", kinds)
		}
	})
	t.Run("formatted", func(t *testing.T) {
		_, res := search(map[string]any{
			"q": "rev", "attributesToHighlight": []string{"content"}, "highlightPreTag": "[", "highlightPostTag": "]",
			"attributesToCrop": []string{"content"}, "cropLength": 3,
		})
		f := res["hits"].([]any)[0].(map[string]any)["_formatted"].(map[string]any)["content"]
		if f != "…budget [rev]iew is…" {
			t.Fatalf("formatted %q", f)
		}
	})
}

func TestFederatedWeights(t *testing.T) {
	s := fixture(t)
	body := func(w10, w11 float64) map[string]any {
		return map[string]any{
			"federation": map[string]any{"limit": 10},
			"queries": []map[string]any{
				{"indexUid": "m", "q": "release notes", "filter": "chat_id = 10", "federationOptions": map[string]any{"weight": w10}},
				{"indexUid": "m", "q": "release notes", "filter": "chat_id = 11", "federationOptions": map[string]any{"weight": w11}},
			},
		}
	}
	_, res := call(t, s, "POST", "/multi-search", body(1, 1))
	if got := ids(res); !slices.Equal(got, []int{2, 3}) {
		t.Fatalf("equal weights: %v (better proximity first)", got)
	}
	_, res = call(t, s, "POST", "/multi-search", body(0.5, 2))
	if got := ids(res); !slices.Equal(got, []int{3, 2}) {
		t.Fatalf("weighted: %v", got)
	}
	bad := body(1, 1)
	bad["queries"].([]map[string]any)[0]["limit"] = 5
	if status, res := call(t, s, "POST", "/multi-search", bad); status != 400 || res["code"] != "invalid_multi_search_query_pagination" {
		t.Fatalf("pagination in a federated query: %d %v", status, res)
	}
}
