package realtime

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
)

// password is every test user's password.
const password = "realtime tester passphrase 7"

// user is one person with their own client (bound to one node).
type user struct {
	c     *client.Client
	u     model.User
	email string
}

func (u *user) id() int64 { return u.u.ID }

// on returns a client of u for another node (tokens are valid on every
// node of a cluster). It never refreshes, so two clients never spend one
// refresh token.
func (u *user) on(n *node) *client.Client {
	access, _ := u.c.Tokens()
	return client.New(n.url(), client.WithUserAgent("fechatter-realtime-test"),
		client.WithHTTPClient(httpClient), client.WithTokens(access, ""))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// world is the usual cast on a fresh server:
//
//	workspace A (owner alice): bob, carol, dave
//	  general: public channel, alice bob carol dave
//	  team:    group, alice bob carol
//	  dmAB:    direct, alice bob
//	  side:    private channel, alice carol dave (not bob)
//	workspace B (owner alice): carol, eve
//	  lobby:   public channel, alice carol eve
type world struct {
	ctx                              context.Context
	alice, bob, carol, dave, eve     *user
	wsA, wsB                         client.Workspace
	general, team, dmAB, side, lobby model.ChatSummary
}

func newWorld(t *testing.T, n *node) *world {
	t.Helper()
	w := &world{ctx: context.Background()}
	w.alice, w.wsA = setup(t, n, "alice", "Acme")
	codeA := invite(t, w.alice, w.wsA.ID)
	w.bob = signUp(t, n, "bob", codeA)
	w.carol = signUp(t, n, "carol", codeA)
	w.dave = signUp(t, n, "dave", codeA)
	var err error
	w.wsB, err = w.alice.c.CreateWorkspace(w.ctx, "Other")
	must(t, err)
	codeB := invite(t, w.alice, w.wsB.ID)
	w.eve = signUp(t, n, "eve", codeB)
	_, err = w.carol.c.AcceptInvite(w.ctx, codeB)
	must(t, err)

	w.general = newChat(t, w.alice, w.wsA.ID, model.ChatPublicChannel, "hall", w.bob, w.carol, w.dave)
	w.team = newChat(t, w.alice, w.wsA.ID, model.ChatGroup, "team", w.bob, w.carol)
	w.dmAB = newChat(t, w.alice, w.wsA.ID, model.ChatDirect, "", w.bob)
	w.side = newChat(t, w.alice, w.wsA.ID, model.ChatPrivateChannel, "side", w.carol, w.dave)
	w.lobby = newChat(t, w.alice, w.wsB.ID, model.ChatPublicChannel, "lobby", w.carol, w.eve)
	return w
}

// setup runs first-run setup on n: name becomes the instance admin and
// owner of workspace wsName.
func setup(t *testing.T, n *node, name, wsName string) (*user, client.Workspace) {
	t.Helper()
	c := n.client()
	email := name + "@example.com"
	s, err := c.Setup(context.Background(), client.SetupInput{
		Email: email, Password: password, Username: name, DisplayName: name, WorkspaceName: wsName,
		SetupToken: testproc.SetupToken,
	})
	must(t, err)
	wss, err := c.Workspaces(context.Background())
	must(t, err)
	if len(wss) != 1 {
		t.Fatalf("workspaces after setup = %+v", wss)
	}
	return &user{c: c, u: s.User, email: email}, wss[0]
}

// invite makes an invite code for a workspace.
func invite(t *testing.T, admin *user, wsID int64) string {
	t.Helper()
	inv, err := admin.c.CreateInvite(context.Background(), wsID, client.InviteOptions{MaxUses: 50, ExpiresInHours: 24})
	must(t, err)
	return inv.Code
}

// signUp creates an account on n with an invite code.
func signUp(t *testing.T, n *node, name, code string) *user {
	t.Helper()
	c := n.client()
	email := name + "@example.com"
	s, err := c.SignUp(context.Background(), client.SignUpInput{
		Email: email, Password: password, Username: name, DisplayName: name, InviteCode: code,
	})
	must(t, err)
	return &user{c: c, u: s.User, email: email}
}

// newChat creates a chat with the given other members.
func newChat(t *testing.T, by *user, wsID int64, typ model.ChatType, name string, members ...*user) model.ChatSummary {
	t.Helper()
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.id())
	}
	chat, _, err := by.c.CreateChat(context.Background(), wsID, client.CreateChatInput{Type: typ, Name: name, MemberIDs: ids})
	must(t, err)
	return chat
}

// send posts a message and fails the test unless it was created.
func send(t *testing.T, by *user, chatID int64, content string) model.Message {
	t.Helper()
	m, created, err := by.c.SendMessage(context.Background(), chatID, client.SendMessageInput{Content: content})
	if err != nil {
		t.Fatalf("%s sends %q to chat %d: %v", by.u.Username, content, chatID, err)
	}
	if !created {
		t.Fatalf("%s sends %q to chat %d: not created", by.u.Username, content, chatID)
	}
	return m
}

// sentinelN counts sentinels so that each has its own content.
var sentinelN atomic.Int64

// sentinel sends a message whose arrival tells a stream's reader that every
// event committed before it has been delivered (one stream, one order).
func sentinel(t *testing.T, by *user, chatID int64) model.Message {
	t.Helper()
	return send(t, by, chatID, fmt.Sprintf("sentinel %d", sentinelN.Add(1)))
}

// allMessages lists every message of a chat in ascending seq, paging back
// from the newest.
func allMessages(t *testing.T, c *client.Client, chatID int64) []model.Message {
	t.Helper()
	var out []model.Message
	q := client.MessageQuery{Limit: 200}
	for {
		page, err := c.Messages(context.Background(), chatID, q)
		must(t, err)
		out = append(slices.Clone(page.Messages), out...)
		if !page.HasMore || len(page.Messages) == 0 {
			return out
		}
		q.BeforeSeq = page.Messages[0].Seq
	}
}

// idSet makes a set of message ids.
func idSet(ms ...[]model.Message) map[int64]bool {
	set := map[int64]bool{}
	for _, list := range ms {
		for _, m := range list {
			set[m.ID] = true
		}
	}
	return set
}

// sendInput is the body of a plain message.
func sendInput(content string) client.SendMessageInput {
	return client.SendMessageInput{Content: content}
}
