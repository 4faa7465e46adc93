package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

const password = "correct horse battery staple"

// TestGatewayInFrontOfACluster: three nodes on one Postgres behind the
// built binary's `fechatter gateway`; every client talks only to the
// gateway.
func TestGatewayInFrontOfACluster(t *testing.T) {
	nodes := startCluster(t, pgtest.URL(t))
	g := startGateway(t, nodes)
	ctx := context.Background()
	newClient := func() *client.Client {
		return client.New(g.url(), client.WithHTTPClient(httpClient), client.WithUserAgent("fechatter-gateway-test"))
	}
	alice := newClient()
	_, err := alice.Setup(ctx, client.SetupInput{
		Email: "alice@example.com", Password: password, Username: "alice", DisplayName: "Alice",
		WorkspaceName: "Acme", SetupToken: testproc.SetupToken,
	})
	must(t, err)
	wss, err := alice.Workspaces(ctx)
	must(t, err)
	inv, err := alice.CreateInvite(ctx, wss[0].ID, client.InviteOptions{MaxUses: 50, ExpiresInHours: 24})
	must(t, err)
	users := []*client.Client{alice}
	for i := range 8 {
		c := newClient()
		name := fmt.Sprintf("user%d", i)
		_, err := c.SignUp(ctx, client.SignUpInput{
			Email: name + "@example.com", Password: password, Username: name, DisplayName: name, InviteCode: inv.Code,
		})
		must(t, err)
		users = append(users, c)
	}
	bob := users[1]

	nodeOf := map[*client.Client]string{}
	t.Run("a signed-in user's requests always reach the same node", func(t *testing.T) {
		spread := map[string]int{}
		for i, c := range users {
			tok, _ := c.Tokens()
			first := answeredBy(t, g, tok, "/api/me")
			if first == "" {
				t.Fatalf("no %s header: cannot tell which node answered", nodeHeader)
			}
			for range 9 {
				if n := answeredBy(t, g, tok, "/api/me"); n != first {
					t.Fatalf("user %d reached %s, then %s", i, first, n)
				}
			}
			nodeOf[c] = first
			spread[first]++
		}
		t.Logf("users per node: %v", spread)
	})

	t.Run("the user's event stream lands on the user's node", func(t *testing.T) {
		for _, c := range users[:3] {
			ticket, err := c.EventTicket(ctx)
			must(t, err)
			resp, err := httpClient.Get(g.url() + "/api/events?ticket=" + ticket)
			must(t, err)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get(nodeHeader) != nodeOf[c] {
				t.Fatalf("stream by ticket: %s from %q, want 200 from the user's node %s", resp.Status, resp.Header.Get(nodeHeader), nodeOf[c])
			}
		}
	})

	t.Run("request ids pass through", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, g.url()+"/api/me", nil) // a 401 from a node
		req.Header.Set("X-Request-ID", "gateway-test-1")
		resp, err := httpClient.Do(req)
		must(t, err)
		resp.Body.Close()
		if got := resp.Header.Values("X-Request-ID"); len(got) != 1 || got[0] != "gateway-test-1" {
			t.Fatalf("X-Request-ID = %q, want just the one sent", got)
		}
	})

	t.Run("killing the user's node moves the user and the stream resumes once, in order", func(t *testing.T) {
		chat, _, err := alice.CreateChat(ctx, wss[0].ID, client.CreateChatInput{Type: model.ChatGroup, Name: "ops", MemberIDs: []int64{userID(t, bob), userID(t, users[2])}})
		must(t, err)
		f := follow(t, alice, chat.ID)
		var sent []int64
		send := func(what string, n int) {
			for i := range n {
				m, _, err := bob.SendMessage(ctx, chat.ID, client.SendMessageInput{
					Content: fmt.Sprintf("%s %d", what, i), ClientID: fmt.Sprintf("%s-%d", what, i),
				})
				if err != nil {
					t.Fatalf("bob sends %q through the gateway: %v", what, err)
				}
				sent = append(sent, m.ID)
			}
		}
		send("before", 5)
		f.until(t, len(sent))

		var dead *node
		for _, n := range nodes {
			if n.name == nodeOf[alice] {
				dead = n
			}
		}
		must(t, dead.Kill())
		send("after-kill", 5)
		tok, _ := alice.Tokens()
		moved := answeredBy(t, g, tok, "/api/me")
		if moved == dead.name || moved == "" {
			t.Fatalf("after %s was killed alice reached %q", dead.name, moved)
		}
		for range 5 {
			if n := answeredBy(t, g, tok, "/api/me"); n != moved {
				t.Fatalf("alice moved to %s, then reached %s", moved, n)
			}
		}
		g.waitStates(t, 2, dead)
		f.until(t, len(sent)) // reconnects through the gateway with Last-Event-ID
		if f.reconnects == 0 {
			t.Fatal("the stream on the killed node never ended")
		}
		send("after-reconnect", 3)
		f.until(t, len(sent))
		if !slices.Equal(f.got, sent) {
			t.Fatalf("alice got messages %v, want each of %v once, in order", f.got, sent)
		}
		t.Logf("alice moved from %s to %s; her stream reconnected %d times", dead.name, moved, f.reconnects)
	})
}

// userID is the caller's user id.
func userID(t *testing.T, c *client.Client) int64 {
	t.Helper()
	me, err := c.Me(context.Background())
	must(t, err)
	return me.ID
}

// follower reads one chat's messages from a user's event stream through
// the gateway, reconnecting with Last-Event-ID whenever the stream ends,
// as a browser would.
type follower struct {
	c          *client.Client
	chat       int64
	s          *client.EventStream
	last       uint64
	got        []int64
	reconnects int
}

func follow(t *testing.T, c *client.Client, chat int64) *follower {
	t.Helper()
	f := &follower{c: c, chat: chat}
	f.connect(t)
	return f
}

// connect opens the stream after f.last, retrying while no node takes it.
func (f *follower) connect(t *testing.T) {
	t.Helper()
	testproc.Eventually(t, eventDeadline, func() error {
		s, err := f.c.Events(context.Background(), f.last)
		if err != nil {
			return err
		}
		t.Cleanup(func() { _ = s.Close() })
		f.s = s
		return nil
	})
}

// event is what the test reads of a message.created.
type event struct {
	ChatID  int64 `json:"chat_id"`
	Message struct {
		ID int64 `json:"id"`
	} `json:"message"`
}

// until reads until n messages of the chat have arrived.
func (f *follower) until(t *testing.T, n int) {
	t.Helper()
	for len(f.got) < n {
		ev, err := f.next(t)
		if err != nil {
			f.reconnects++
			t.Logf("stream ended (%v); reconnecting after %d", err, f.last)
			f.connect(t)
			continue
		}
		f.last = max(f.last, ev.ID)
		if ev.Type != "message.created" {
			continue
		}
		var e event
		must(t, ev.Decode(&e))
		if e.ChatID == f.chat {
			f.got = append(f.got, e.Message.ID)
		}
	}
}

// next reads one event, failing the test if none comes in time.
func (f *follower) next(t *testing.T) (client.Event, error) {
	t.Helper()
	type result struct {
		ev  client.Event
		err error
	}
	ch := make(chan result, 1)
	go func() { // ends when Next returns, at the latest when the stream is closed below
		ev, err := f.s.Next()
		ch <- result{ev, err}
	}()
	timer := time.NewTimer(eventDeadline)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r.ev, r.err
	case <-timer.C:
		_ = f.s.Close()
		<-ch
		t.Fatalf("no event within %v (have %d messages)", eventDeadline, len(f.got))
		return client.Event{}, errors.New("unreachable")
	}
}
