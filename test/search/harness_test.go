package search

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
)

// password is every user's password (long, not a common one).
const password = "search suite passphrase 42"

// indexDeadline bounds how long a change may take to reach the index (the
// indexer is an asynchronous JetStream consumer). Not a timing assertion:
// only how long to poll before calling it lost.
const indexDeadline = 30 * time.Second

// allFacets asks for every facet.
var allFacets = []string{client.FacetSender, client.FacetChat, client.FacetChatType, client.FacetDate}

// user is one person with their own client.
type user struct {
	c     *client.Client
	u     model.User
	email string
}

// suite is the state of one engine's run.
type suite struct {
	ctx context.Context
	in  *instance
	srv *server

	users                            []*user
	alice, bob, carol, gina, mallory *user
	acme, other, lab                 client.Workspace
	perm                             permWorld
	beh                              behWorld
	deletedID, editedID              int64
	general                          model.ChatSummary // acme's general, for later posts
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantStatus checks that err is an API error with the given status.
func wantStatus(t *testing.T, what string, err error, status int) {
	t.Helper()
	if got := client.StatusOf(err); got != status {
		t.Errorf("%s: got status %d (err %v), want %d", what, got, err, status)
	}
}

// repoint gives every user a client of the current server with the tokens
// they held (after a restart the address changes).
func (s *suite) repoint() {
	for _, u := range s.users {
		u.c = s.srv.client(u.c.Tokens())
	}
}

// signUp creates an account with an invite code.
func (s *suite) signUp(t *testing.T, name, code string) *user {
	t.Helper()
	c := s.srv.client("", "")
	email := name + "@example.com"
	sess, err := c.SignUp(s.ctx, client.SignUpInput{
		Email: email, Password: password, Username: name, DisplayName: strings.ToUpper(name[:1]) + name[1:], InviteCode: code,
	})
	mustDo(t, err)
	u := &user{c: c, u: sess.User, email: email}
	s.users = append(s.users, u)
	return u
}

// newChat creates a chat that must be new.
func (s *suite) newChat(t *testing.T, u *user, wsID int64, in client.CreateChatInput) model.ChatSummary {
	t.Helper()
	c, created, err := u.c.CreateChat(s.ctx, wsID, in)
	if err != nil || !created {
		t.Fatalf("%s creates %s %q: created=%v err=%v", u.u.Username, in.Type, in.Name, created, err)
	}
	return c
}

// sent is a message together with the chat it was sent to.
type sent struct {
	msg  model.Message
	chat model.ChatSummary
}

// send posts a message that must be new.
func (s *suite) send(t *testing.T, u *user, chat model.ChatSummary, content string) sent {
	t.Helper()
	m, created, err := u.c.SendMessage(s.ctx, chat.ID, client.SendMessageInput{Content: content})
	if err != nil || !created {
		t.Fatalf("%s sends %q: created=%v err=%v", u.u.Username, content, created, err)
	}
	return sent{msg: m, chat: chat}
}

// search runs a search that must succeed and checks what every answer
// must satisfy, whatever the query.
func (s *suite) search(t *testing.T, u *user, wsID int64, p client.SearchParams) client.SearchResult {
	t.Helper()
	res, err := u.c.Search(s.ctx, wsID, p)
	if err != nil {
		t.Fatalf("%s searches %s in workspace %d: %v", u.u.Username, describe(p), wsID, err)
	}
	for _, h := range res.Hits {
		if h.Message.WorkspaceID != wsID || h.Chat.ID != h.Message.ChatID || h.Message.Deleted {
			t.Errorf("%s searches %q: inconsistent hit %+v (workspace %d)", u.u.Username, p.Query, h, wsID)
		}
		if bad := unsafeHighlight(h.Highlight); bad != "" {
			t.Errorf("%s searches %q: highlight %q of message %d has markup other than <mark>: %s",
				u.u.Username, p.Query, h.Highlight, h.Message.ID, bad)
		}
	}
	if res.Total < len(res.Hits) {
		t.Errorf("%s searches %q: total %d < %d hits", u.u.Username, p.Query, res.Total, len(res.Hits))
	}
	return res
}

// describe renders the parameters that are set, for failure messages.
func describe(p client.SearchParams) string {
	var parts []string
	add := func(k string, v any) { parts = append(parts, fmt.Sprintf("%s=%v", k, v)) }
	add("q", strconv.Quote(p.Query))
	for k, v := range map[string][]int64{"chat_id": p.ChatIDs, "sender_id": p.SenderIDs} {
		if len(v) > 0 {
			add(k, v)
		}
	}
	if len(p.ChatTypes) > 0 {
		add("chat_type", p.ChatTypes)
	}
	for k, v := range map[string]time.Time{"from": p.From, "to": p.To} {
		if !v.IsZero() {
			add(k, v.Format(time.RFC3339Nano))
		}
	}
	for k, v := range map[string]string{"from": p.FromDate, "to": p.ToDate, "sort": p.Sort} {
		if v != "" {
			add(k, v)
		}
	}
	if p.Limit != 0 || p.Offset != 0 {
		add("limit", p.Limit)
		add("offset", p.Offset)
	}
	if len(p.Facets) > 0 {
		add("facets", strings.Join(p.Facets, ","))
	}
	slices.Sort(parts)
	return "{" + strings.Join(parts, " ") + "}"
}

// unsafeHighlight says what is wrong with a highlight: after removing the
// <mark> tags, no '<' or '>' may be left, and the tags must be balanced.
func unsafeHighlight(h string) string {
	depth := 0
	for rest := h; rest != ""; {
		i := strings.IndexAny(rest, "<>")
		if i < 0 {
			break
		}
		switch {
		case strings.HasPrefix(rest[i:], "<mark>"):
			depth++
			rest = rest[i+len("<mark>"):]
		case strings.HasPrefix(rest[i:], "</mark>"):
			depth--
			rest = rest[i+len("</mark>"):]
		default:
			return fmt.Sprintf("raw %q at byte %d", rest[i], len(h)-len(rest)+i)
		}
		if depth < 0 || depth > 1 {
			return "unbalanced or nested <mark>"
		}
	}
	if depth != 0 {
		return "unclosed <mark>"
	}
	return ""
}

// waitFor polls cond until it holds or indexDeadline passes; cond says what
// it saw last, for the failure message.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	testproc.Eventually(t, indexDeadline, func() error {
		if ok, last := cond(); !ok {
			return fmt.Errorf("%s: last: %s", what, last)
		}
		return nil
	})
}

// waitExactly polls until u's search answers exactly want (hits, total and,
// with facets asked for, facet counts).
func (s *suite) waitExactly(t *testing.T, u *user, wsID int64, p client.SearchParams, want []sent) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%s searches %s in workspace %d", u.u.Username, describe(p), wsID), func() (bool, string) {
		res := s.search(t, u, wsID, p)
		diff := diffResult(res, p, want)
		return diff == "", diff
	})
}

// expectExactly checks that one search of u answers exactly want.
func (s *suite) expectExactly(t *testing.T, u *user, wsID int64, p client.SearchParams, want []sent) client.SearchResult {
	t.Helper()
	res := s.search(t, u, wsID, p)
	if diff := diffResult(res, p, want); diff != "" {
		t.Errorf("%s searches %s in workspace %d: %s", u.u.Username, describe(p), wsID, diff)
	}
	return res
}

// diffResult compares a whole result (p.Limit must cover every hit) with
// the messages expected: hit ids, total, and each requested facet's
// counts. It returns "" when they agree.
func diffResult(res client.SearchResult, p client.SearchParams, want []sent) string {
	var d []string
	got := hitIDs(res)
	slices.Sort(got)
	exp := make([]int64, len(want))
	for i, w := range want {
		exp[i] = w.msg.ID
	}
	slices.Sort(exp)
	if !slices.Equal(got, exp) {
		d = append(d, fmt.Sprintf("hits %v (%s), want %v", got, hitTexts(res), exp))
	}
	if res.Total != len(want) {
		d = append(d, fmt.Sprintf("total %d, want %d", res.Total, len(want)))
	}
	for _, f := range p.Facets {
		gotF := map[string]int{}
		for _, v := range res.Facets[f] {
			gotF[v.Value] += v.Count
		}
		if wantF := expectedFacet(f, want); !maps.Equal(gotF, wantF) {
			d = append(d, fmt.Sprintf("facet %s %v, want %v", f, gotF, wantF))
		}
	}
	return strings.Join(d, "; ")
}

// expectedFacet counts the values of one facet over the messages.
func expectedFacet(f string, ms []sent) map[string]int {
	out := map[string]int{}
	for _, m := range ms {
		switch f {
		case client.FacetSender:
			out[strconv.FormatInt(m.msg.SenderID, 10)]++
		case client.FacetChat:
			out[strconv.FormatInt(m.chat.ID, 10)]++
		case client.FacetChatType:
			out[string(m.chat.Type)]++
		case client.FacetDate:
			out["day"]++ // every message of the suite is minutes old
		}
	}
	return out
}

func hitIDs(res client.SearchResult) []int64 {
	ids := make([]int64, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.Message.ID
	}
	return ids
}

func hitTexts(res client.SearchResult) string {
	var b strings.Builder
	for i, h := range res.Hits {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d:%q", h.Message.ID, h.Message.Content)
	}
	return b.String()
}

// inChats returns the messages sent to the given chats.
func inChats(all []sent, chats ...model.ChatSummary) []sent {
	var out []sent
	for _, m := range all {
		if slices.ContainsFunc(chats, func(c model.ChatSummary) bool { return c.ID == m.chat.ID }) {
			out = append(out, m)
		}
	}
	return out
}

// where returns the messages for which keep holds.
func where(all []sent, keep func(sent) bool) []sent {
	var out []sent
	for _, m := range all {
		if keep(m) {
			out = append(out, m)
		}
	}
	return out
}
