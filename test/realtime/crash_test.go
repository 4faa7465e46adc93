package realtime

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// The burst of TestCrash: senders × perSender messages, the server killed
// once killAfter of them have been answered 2xx.
const (
	crashSenders   = 8
	crashPerSender = 100
	crashKillAfter = 300
)

// outcome is what a sender knows about one message.
type outcome int

const (
	// unsent: never reached the server (not tried, or connection refused).
	unsent outcome = iota
	// acked: answered 2xx; it must be stored and delivered exactly once.
	acked
	// uncertain: sent, but the answer was lost in the crash; it may or may
	// not have been committed.
	uncertain
)

// attempt is one message of the burst.
type attempt struct {
	by       *user
	chatID   int64
	clientID string
	content  string
	state    outcome
	msg      model.Message // when acked
	err      error
}

func (a *attempt) input() client.SendMessageInput {
	return client.SendMessageInput{Content: a.content, ClientID: a.clientID}
}

// TestCrash: eight senders write concurrently and the server is killed
// with SIGKILL in the middle. After a restart on the same data dir and
// database, every message answered 2xx is stored, is in the stream and
// reaches a client resuming from before the burst exactly once; nothing
// appears that was not answered 2xx or in flight at the crash; the same
// holds for a client that was connected during the burst and resumes from
// where it was cut off; and retrying every message with its client_id
// returns the stored message, or creates (once) one that never committed.
func TestCrash(t *testing.T) { eachEngine(t, testCrash) }

func testCrash(t *testing.T, dbURL string) {
	n := startNode(t, dbURL)
	w := newWorld(t, n)
	// Each sender writes into the chats of its user (alice and carol are in
	// all three; alice watches).
	chatsOf := map[*user][]model.ChatSummary{
		w.alice: {w.general, w.team, w.side},
		w.bob:   {w.general, w.team},
		w.carol: {w.general, w.team, w.side},
		w.dave:  {w.general, w.side},
	}
	senders := []*user{w.alice, w.bob, w.carol, w.dave}

	live := openStream(t, w.alice.c, "alice (on line during the burst)", 0)
	live.ready(t, w.alice.id())
	live.until(t, sentinel(t, w.alice, w.general.ID).ID)
	pre := live.last // the resume point from before the burst

	var (
		okCount atomic.Int64
		killed  atomic.Bool
		kill    = make(chan struct{})
		once    sync.Once
		wg      sync.WaitGroup
	)
	results := make([][]*attempt, crashSenders)
	for i := range crashSenders {
		by := senders[i%len(senders)]
		for j := range crashPerSender {
			chats := chatsOf[by]
			results[i] = append(results[i], &attempt{
				by: by, chatID: chats[(i+j)%len(chats)].ID,
				clientID: fmt.Sprintf("crash-%d-%d", i, j), content: fmt.Sprintf("burst %d/%d", i, j),
			})
		}
		wg.Add(1)
		go func() { // ends at its first error (the server is gone) or after its messages
			defer wg.Done()
			for _, a := range results[i] {
				m, _, err := a.by.c.SendMessage(context.Background(), a.chatID, a.input())
				switch {
				case err == nil:
					a.state, a.msg = acked, m
					if okCount.Add(1) == crashKillAfter {
						once.Do(func() { close(kill) })
					}
					continue
				case errors.Is(err, syscall.ECONNREFUSED):
					a.state = unsent
				default:
					a.state, a.err = uncertain, err
				}
				if !killed.Load() {
					a.err = fmt.Errorf("before the kill: %w", err)
				}
				return
			}
		}()
	}
	select {
	case <-kill:
	case <-time.After(eventDeadline):
		killed.Store(true)
		t.Fatalf("only %d of %d sends answered within %v", okCount.Load(), crashSenders*crashPerSender, eventDeadline)
	}
	killed.Store(true)
	n.kill9(t)
	wg.Wait()
	var all []*attempt
	count := map[outcome]int{}
	for _, list := range results {
		for _, a := range list {
			all = append(all, a)
			count[a.state]++
			if a.err != nil && strings.HasPrefix(a.err.Error(), "before the kill") {
				t.Errorf("send %s failed %v", a.clientID, a.err)
			}
		}
	}
	t.Logf("at the kill: %d answered 2xx, %d in flight, %d not sent", count[acked], count[uncertain], count[unsent])
	gotLive := live.waitEnd(t)
	t.Logf("the client on line got %d burst messages before the crash", len(burstIDs(t, "live", gotLive)))

	n.start(t)
	byClientID := checkStored(t, w.alice, []int64{w.general.ID, w.team.ID, w.side.ID}, all)
	committed := map[int64]bool{}
	for _, m := range byClientID {
		committed[m.ID] = true
	}

	// A client resuming from before the burst, and the client that was
	// cut off resuming from where it was: each gets every committed
	// message of the burst exactly once, and nothing else.
	resumed := openStream(t, w.alice.c, "alice (resumed from before the burst)", pre)
	resumed.ready(t, w.alice.id())
	again := openStream(t, w.alice.c, "alice (cut off, resumed)", live.last)
	again.ready(t, w.alice.id())
	s1 := sentinel(t, w.alice, w.general.ID)
	evs := resumed.until(t, s1.ID)
	onlyMessages(t, "resumed from before the burst", evs)
	perChatInOrder(t, "resumed from before the burst", evs)
	if err := exactlyOnce(burstIDs(t, "resumed", evs), committed); err != nil {
		t.Errorf("client resumed from before the burst: %v", err)
	}
	cut := append(gotLive, again.until(t, s1.ID)...)
	perChatInOrder(t, "cut off and resumed", cut)
	if err := exactlyOnce(burstIDs(t, "cut off", cut), committed); err != nil {
		t.Errorf("client cut off by the crash, resumed: %v", err)
	}

	// Every message is retried with its client_id: what was stored comes
	// back as it is; what never committed is created now, once.
	created := map[int64]bool{}
	for _, a := range all {
		if a.state == unsent {
			continue
		}
		m, isNew, err := a.by.c.SendMessage(context.Background(), a.chatID, a.input())
		if err != nil {
			t.Fatalf("retry %s: %v", a.clientID, err)
		}
		stored, wasStored := byClientID[a.clientID]
		switch {
		case wasStored && (isNew || m.ID != stored.ID):
			t.Errorf("retry of stored %s: created=%v id %d, want the stored message %d", a.clientID, isNew, m.ID, stored.ID)
		case !wasStored && !isNew:
			t.Errorf("retry of %s, which was never stored, answered an existing message %d", a.clientID, m.ID)
		case !wasStored:
			created[m.ID] = true
		}
	}
	s2 := sentinel(t, w.alice, w.general.ID)
	evs = resumed.until(t, s2.ID)
	onlyMessages(t, "retries", evs)
	if err := exactlyOnce(burstIDs(t, "retries", evs), created); err != nil {
		t.Errorf("events of the retries: %v", err)
	}
	t.Logf("after the restart: %d of the in-flight sends had committed; %d created by their retry", len(committed)-count[acked], len(created))
}

// checkStored lists the chats after the crash and checks them against the
// attempts: every acked message is stored as answered, every stored burst
// message was acked or in flight, none twice, and each chat's seqs have no
// gap. It returns the stored burst messages by client id.
func checkStored(t *testing.T, reader *user, chatIDs []int64, all []*attempt) map[string]model.Message {
	t.Helper()
	byClientID := map[string]*attempt{}
	for _, a := range all {
		byClientID[a.clientID] = a
	}
	stored := map[string]model.Message{}
	for _, chatID := range chatIDs {
		var prev int64
		for _, m := range allMessages(t, reader.c, chatID) {
			if m.Seq != prev+1 {
				t.Errorf("chat %d: seq %d after %d", chatID, m.Seq, prev)
			}
			prev = m.Seq
			if !strings.HasPrefix(m.ClientID, "crash-") {
				continue
			}
			if _, dup := stored[m.ClientID]; dup {
				t.Errorf("client id %s stored twice", m.ClientID)
			}
			stored[m.ClientID] = m
			switch a := byClientID[m.ClientID]; {
			case a == nil || a.state == unsent:
				t.Errorf("message %d (client id %s) is stored but was never sent", m.ID, m.ClientID)
			case a.chatID != chatID || a.content != m.Content || a.by.id() != m.Sender.ID:
				t.Errorf("message %d (client id %s) is stored as %q by %d in chat %d", m.ID, m.ClientID, m.Content, m.Sender.ID, chatID)
			case a.state == acked && (a.msg.ID != m.ID || a.msg.Seq != m.Seq):
				t.Errorf("client id %s was answered as message %d seq %d, stored as %d seq %d", m.ClientID, a.msg.ID, a.msg.Seq, m.ID, m.Seq)
			}
		}
	}
	for _, a := range all {
		if _, ok := stored[a.clientID]; a.state == acked && !ok {
			t.Errorf("message %d (client id %s) was answered 2xx but is not stored", a.msg.ID, a.clientID)
		}
	}
	return stored
}

// burstIDs returns the ids of the burst messages (by client id) that events
// created, after checking the events as messageIDs does (ids increase).
func burstIDs(t *testing.T, who string, evs []client.Event) []int64 {
	t.Helper()
	messageIDs(t, who, evs)
	var out []int64
	for _, ev := range evs {
		if ev.Type != model.EventMessageCreated {
			continue
		}
		if m := decode(t, ev).Message; m != nil && strings.HasPrefix(m.ClientID, "crash-") {
			out = append(out, m.ID)
		}
	}
	return out
}
