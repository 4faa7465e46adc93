package realtime

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// TestRestart: the server is stopped with SIGTERM while messages are being
// sent. It ends bob's stream with a retry hint and exits 0; after the
// restart on the same data dir and database the sends go on, and bob,
// resuming with his Last-Event-ID, misses nothing and gets nothing twice:
// what was committed but not yet relayed at the stop is relayed after the
// restart.
func TestRestart(t *testing.T) { eachEngine(t, testRestart) }

func testRestart(t *testing.T, dbURL string) {
	n := startNode(t, dbURL)
	w := newWorld(t, n)
	mine := []model.ChatSummary{w.general, w.team, w.dmAB}
	s := openStream(t, w.bob.c, "bob", 0)
	s.ready(t, w.bob.id())
	s.until(t, sentinel(t, w.alice, w.general.ID).ID)

	var want, got []int64 // every message of bob's chats from here on, in commit order
	for i := range 10 {
		want = append(want, send(t, w.alice, mine[i%len(mine)].ID, fmt.Sprintf("before %d", i)).ID)
	}
	evs := s.until(t, want[len(want)-1])
	onlyMessages(t, "bob before the stop", evs)
	got = messageIDs(t, "bob before the stop", evs)

	// alice keeps sending, one message after another, while the server stops.
	type sent struct {
		in     client.SendMessageInput
		chatID int64
		id     int64 // 0: no answer
	}
	var around []sent
	acks := make(chan struct{}, 1)
	senderDone := make(chan error, 1)
	go func() { // ends at its first failed send, which the stop guarantees
		for i := 0; ; i++ {
			x := sent{in: client.SendMessageInput{Content: fmt.Sprintf("around the stop %d", i), ClientID: fmt.Sprintf("restart-%d", i)}, chatID: mine[i%len(mine)].ID}
			m, _, err := w.alice.c.SendMessage(context.Background(), x.chatID, x.in)
			if err == nil {
				x.id = m.ID
			}
			if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
				around = append(around, x)
			}
			if i == 20 {
				acks <- struct{}{}
			}
			if err != nil {
				senderDone <- err
				return
			}
		}
	}()
	<-acks
	if code := n.stop(t); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	t.Logf("the sender stopped at: %v", <-senderDone)
	tail := s.waitEnd(t)
	if s.es.Retry() <= 0 {
		t.Errorf("the stream ended at shutdown without a retry: hint (err %v)", s.endErr())
	}
	got = append(got, messageIDs(t, "bob at the stop", tail)...)

	n.start(t)
	// A send that got no answer is retried with its client id.
	for i, x := range around {
		if x.id != 0 {
			want = append(want, x.id)
			continue
		}
		m, _, err := w.alice.c.SendMessage(context.Background(), x.chatID, x.in)
		must(t, err)
		around[i].id = m.ID
		want = append(want, m.ID)
	}
	for i := range 10 {
		want = append(want, send(t, w.alice, mine[i%len(mine)].ID, fmt.Sprintf("after %d", i)).ID)
	}
	r := openStream(t, w.bob.c, "bob (resumed after the restart)", s.last)
	if id := r.ready(t, w.bob.id()); id != s.last {
		t.Errorf("ready after the restart has id %d, want the resume point %d", id, s.last)
	}
	end := sentinel(t, w.alice, w.team.ID)
	want = append(want, end.ID)
	evs = r.until(t, end.ID)
	onlyMessages(t, "bob after the restart", evs)
	got = append(got, messageIDs(t, "bob after the restart", evs)...)
	if err := sameIDs(got, want); err != nil {
		t.Errorf("bob's messages across the restart: %v", err)
	}
	t.Logf("%d messages sent around the stop; bob got %d of them before his stream ended", len(around), len(messageIDs(t, "", tail)))

	stored := map[int64]bool{}
	for _, c := range mine {
		for _, m := range allMessages(t, w.bob.c, c.ID) {
			stored[m.ID] = true
		}
	}
	for _, id := range want {
		if !stored[id] {
			t.Errorf("message %d was delivered but is not stored", id)
		}
	}
}
