package meili

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

func TestMeiliQueryText(t *testing.T) {
	stop := search.Settings{StopWords: []string{"the"}}
	for _, tc := range []struct{ text, want string }{
		{"budg", "budg"},
		{"budget ", "budget "},
		{"release no", "release no"},
		{`"release notes"`, `"release notes" `},
		{`"release notes`, `"release notes" `},
		{"budget -draft ", "-draft budget "},
		{"budget -dra", "-dra budget "},
		{`release -"release notes" `, `-"release notes" release `},
		{"the budget", "budget"},
		{"the ", "the "},
		{"Café, tomorrow!", "cafe tomorrow"}, // ParseQuery: the last word is a prefix unless a space follows
		{"", ""},
	} {
		if got := queryText(search.ParseQuery(tc.text, stop)); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestMeiliScopeFilter(t *testing.T) {
	from := time.Unix(100, 0)
	q := search.Query{
		WorkspaceID: 7, SenderIDs: []int64{3}, ChatTypes: []model.ChatType{model.ChatDirect, `x" OR chat_id > 0 OR "`},
		From: from, To: from.Add(time.Second),
	}
	got := scopeFilter(q, []int64{1, 2})
	want := `workspace_id = 7 AND chat_id IN [1, 2] AND sender_id IN [3] AND chat_type IN ["direct", "x\" OR chat_id > 0 OR \""] AND created_at >= 100000000 AND created_at < 101000000`
	if got != want {
		t.Fatalf("filter\n got %s\nwant %s", got, want)
	}
	if got := quoteFilter(`a\"b`); got != `"a\\\"b"` {
		t.Fatalf("quote = %s", got)
	}
}

func TestMeiliBoostPartitions(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	for _, tc := range []struct {
		name  string
		q     search.Query
		s     search.Settings
		scope []int64
		want  int
	}{
		{"defaults", search.Query{Now: now}, search.DefaultSettings(), []int64{1, 2}, 6},
		{"frequent", search.Query{Now: now, FrequentChatIDs: []int64{2}}, search.DefaultSettings(), []int64{1, 2}, 12},
		{"frequent covers all", search.Query{Now: now, FrequentChatIDs: []int64{1, 2}}, search.DefaultSettings(), []int64{1, 2}, 6},
		{"no direct in types", search.Query{Now: now, ChatTypes: []model.ChatType{model.ChatGroup}}, search.DefaultSettings(), []int64{1}, 3},
		{"no recency", search.Query{Now: now}, search.Settings{DirectChatBoost: 1.2}, []int64{1}, 2},
		{"nothing", search.Query{Now: now}, search.Settings{DirectChatBoost: 1, FrequentChatBoost: 0}, []int64{1}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := boostPartitions(tc.q, tc.s, tc.scope)
			if len(parts) != tc.want {
				t.Fatalf("%d partitions, want %d: %+v", len(parts), tc.want, parts)
			}
			for _, p := range parts {
				if p.weight <= 0 {
					t.Fatalf("weight %v", p.weight)
				}
			}
		})
	}
}

func TestMeiliRetryTrimming(t *testing.T) {
	doc := func(id, chat int64) document { return document{ID: id, ChatID: chat, ChatName: "old"} }
	up := &writeOp{kind: opUpsert, ws: 1, seq: 1, docs: []document{doc(1, 10), doc(2, 10), doc(3, 11)}}
	for _, tc := range []struct {
		name  string
		op    *writeOp
		later []*writeOp
		want  string // ids left, and chat name of the first; "" when nothing is left
	}{
		{"nothing later", up, nil, "1,2,3 old"},
		{"newer upsert wins", up, []*writeOp{{kind: opUpsert, docs: []document{doc(2, 10)}}}, "1,3 old"},
		{"later delete wins", up, []*writeOp{{kind: opDelete, ids: []int64{1, 3}}}, "2 old"},
		{"chat deleted", up, []*writeOp{{kind: opDeleteChat, chat: search.ChatInfo{ID: 10}}}, "3 old"},
		{"workspace deleted", up, []*writeOp{{kind: opDeleteWorkspace}}, ""},
		{"renamed later", up, []*writeOp{{kind: opRenameChat, chat: search.ChatInfo{ID: 10, Name: "new"}}}, "1,2,3 new"},
		{"delete then upsert", &writeOp{kind: opDelete, ids: []int64{1, 2}}, []*writeOp{{kind: opUpsert, docs: []document{doc(1, 10)}}}, "2"},
		{"rename superseded", &writeOp{kind: opRenameChat, chat: search.ChatInfo{ID: 10}, ids: []int64{1}}, []*writeOp{{kind: opRenameChat, chat: search.ChatInfo{ID: 10}}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := describeOp(tc.op.without(tc.later))
			if got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func describeOp(op *writeOp) string {
	if op == nil {
		return ""
	}
	var ids []string
	for _, d := range op.docs {
		ids = append(ids, itoa(d.ID))
	}
	for _, id := range op.ids {
		ids = append(ids, itoa(id))
	}
	out := strings.Join(ids, ",")
	if len(op.docs) > 0 {
		out += " " + op.docs[0].ChatName
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestMeiliFacetList(t *testing.T) {
	got := facetList(search.FacetSender, map[string]int{"100:Alice": 2, "100:alice A.": 1, "101:Bob": 3, "102:Carol": 3})
	want := []search.FacetValue{
		{Value: "100", Label: "Alice", Count: 3}, {Value: "101", Label: "Bob", Count: 3}, {Value: "102", Label: "Carol", Count: 3},
	} // ties by value
	if len(got) != 3 {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
