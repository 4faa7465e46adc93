// Package searchtest is the conformance suite that every search.Index
// implementation must pass: run it from the implementation's tests with
// Run(t, open), where open returns a fresh, empty index.
package searchtest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// Now is the clock of the fixture: every query in the suite passes it, so
// recency and date buckets do not depend on when the suite runs.
var Now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Workspaces, chats and users of the fixture.
const (
	WS1, WS2                      = int64(1), int64(2)
	General, Finance, DM, Trip    = int64(10), int64(11), int64(12), int64(13)
	OtherGeneral                  = int64(20)
	Alice, Bob, Carol             = int64(100), int64(101), int64(102)
	aliceName, bobName, carolName = "Alice Archer", "Bob Builder", "Carol Chen"
)

// WS1Chats are all the chats of workspace 1.
var WS1Chats = []int64{General, Finance, DM, Trip}

var chats = map[int64]search.ChatInfo{
	General:      {ID: General, WorkspaceID: WS1, Type: model.ChatPublicChannel, Name: "general"},
	Finance:      {ID: Finance, WorkspaceID: WS1, Type: model.ChatPrivateChannel, Name: "finance"},
	DM:           {ID: DM, WorkspaceID: WS1, Type: model.ChatDirect, Name: ""},
	Trip:         {ID: Trip, WorkspaceID: WS1, Type: model.ChatGroup, Name: "trip"},
	OtherGeneral: {ID: OtherGeneral, WorkspaceID: WS2, Type: model.ChatPublicChannel, Name: "general"},
}

var users = map[int64][2]string{
	Alice: {"alice", aliceName}, Bob: {"bob", bobName}, Carol: {"carol", carolName},
}

// Doc builds a fixture document.
func Doc(id, chatID, senderID int64, age time.Duration, content string) search.Doc {
	c, u := chats[chatID], users[senderID]
	return search.Doc{
		ID: id, WorkspaceID: c.WorkspaceID, ChatID: chatID, ChatType: c.Type, ChatName: c.Name,
		SenderID: senderID, SenderUsername: u[0], SenderName: u[1], Content: content,
		CreatedAt: Now.Add(-age).Truncate(time.Second), Seq: id,
	}
}

const (
	hour = time.Hour
	day  = 24 * time.Hour
)

// Docs are the fixture's messages.
func Docs() []search.Doc {
	return []search.Doc{
		Doc(1, General, Alice, 1*hour, "The quarterly budget review is on Monday"),
		Doc(2, General, Bob, 2*day, "Please send the release notes before Friday"),
		Doc(3, Finance, Alice, 10*day, "Budget draft attached, do not share"),
		Doc(4, Finance, Carol, 40*day, "notes about the release process"),
		Doc(5, DM, Bob, 3*hour, "Meeting at the Café tomorrow?"),
		Doc(6, Trip, Carol, 5*day, "Deployment of the documentation website finished"),
		Doc(7, OtherGeneral, Alice, 1*hour, "budget for workspace two is secret"),
		Doc(8, General, Carol, 20*day, "<script>alert('x')</script> budget <mark>fake</mark> & more"),
		Doc(9, Trip, Bob, 60*day, "the cat sat on the automobile"),
	}
}

// loaded opens an index holding the fixture.
func loaded(t *testing.T, open func(t *testing.T) search.Index) search.Index {
	t.Helper()
	idx := open(t)
	if err := idx.Upsert(context.Background(), Docs()); err != nil {
		t.Fatalf("upsert fixture: %v", err)
	}
	return idx
}

// q is a workspace 1 query over every chat.
func q(text string) search.Query {
	return search.Query{WorkspaceID: WS1, AllowedChatIDs: WS1Chats, Text: text, Now: Now, Limit: 50}
}

func run(t *testing.T, idx search.Index, query search.Query) search.Result {
	t.Helper()
	if query.Now.IsZero() {
		query.Now = Now
	}
	res, err := idx.Search(context.Background(), query)
	if err != nil {
		t.Fatalf("search %+v: %v", query, err)
	}
	return res
}

// ids lists the hit ids in result order.
func ids(res search.Result) []int64 {
	out := make([]int64, 0, len(res.Hits))
	for _, h := range res.Hits {
		out = append(out, h.Doc.ID)
	}
	return out
}

func sorted(v []int64) []int64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v
}

// expectSet checks the hits as a set, and that Total agrees.
func expectSet(t *testing.T, res search.Result, want ...int64) {
	t.Helper()
	if got := sorted(ids(res)); !slices.Equal(got, sorted(want)) {
		t.Fatalf("hits = %v, want %v", got, sorted(want))
	}
	if res.Total != len(want) {
		t.Fatalf("total = %d, want %d", res.Total, len(want))
	}
}

func expectOrder(t *testing.T, res search.Result, want ...int64) {
	t.Helper()
	if got := ids(res); !slices.Equal(got, want) {
		t.Fatalf("hits in order = %v, want %v", got, want)
	}
}

// markupLeft is what remains of a highlight after removing the allowed tags:
// it must hold no markup at all.
func markupLeft(h string) bool {
	h = strings.ReplaceAll(strings.ReplaceAll(h, "<mark>", ""), "</mark>", "")
	return strings.ContainsAny(h, "<>")
}
