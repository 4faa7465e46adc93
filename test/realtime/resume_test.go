package realtime

import (
	"fmt"
	"net/url"
	"strconv"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
)

// TestResume: bob's stream goes away; 50 messages land in his chats
// meanwhile, between messages of a chat he is not in and of a workspace he
// is not in; he reconnects with Last-Event-ID while messages keep coming,
// and gets exactly his 50, in order, then the live ones, with no gap and no
// duplicate at the seam.
func TestResume(t *testing.T) { eachEngine(t, testResume) }

func testResume(t *testing.T, dbURL string) {
	n := startNode(t, dbURL)
	w := newWorld(t, n)

	s := openStream(t, w.bob.c, "bob", 0)
	s.ready(t, w.bob.id())
	// Up to a first live message (events of the setup may come before it).
	before := send(t, w.alice, w.dmAB.ID, "before the gap")
	evs := s.until(t, before.ID)
	messageIDs(t, "bob before the gap", evs)
	last := s.last
	s.close()

	// While bob is away.
	mine := []model.ChatSummary{w.general, w.team, w.dmAB}
	senders := []*user{w.alice, w.bob, w.alice, w.bob}
	var want []int64
	for i := range 50 {
		want = append(want, send(t, senders[i%len(senders)], mine[i%len(mine)].ID, fmt.Sprintf("away %d", i)).ID)
		if i%4 == 0 {
			send(t, w.carol, w.side.ID, fmt.Sprintf("side %d (not bob's)", i))
		}
		if i%5 == 0 {
			send(t, w.eve, w.lobby.ID, fmt.Sprintf("lobby %d (other workspace)", i))
		}
	}
	want = append(want, send(t, w.carol, w.general.ID, "away, from carol").ID)

	// bob comes back while the others keep writing: replay and live feed
	// must meet without a gap or a duplicate.
	type liveResult struct {
		ids []int64
		err error
	}
	liveDone := make(chan liveResult, 1)
	go func() { // ends after its 30 sends; the test waits for it below
		var r liveResult
		for i := range 30 {
			chat, by := mine[i%len(mine)], senders[i%len(senders)]
			m, created, err := by.c.SendMessage(w.ctx, chat.ID, sendInput(fmt.Sprintf("live %d", i)))
			if err != nil || !created {
				r.err = fmt.Errorf("live send %d: created=%v err=%v", i, created, err)
				break
			}
			r.ids = append(r.ids, m.ID)
			if i%3 == 0 {
				if _, _, err := w.carol.c.SendMessage(w.ctx, w.side.ID, sendInput(fmt.Sprintf("side live %d", i))); err != nil {
					r.err = err
					break
				}
			}
		}
		liveDone <- r
	}()
	r := openStream(t, w.bob.c, "bob (resumed)", last)
	if id := r.ready(t, w.bob.id()); id != last {
		t.Errorf("ready of a resume has id %d, want the resume point %d", id, last)
	}
	live := <-liveDone
	if live.err != nil {
		t.Fatal(live.err)
	}
	want = append(want, live.ids...)
	end := sentinel(t, w.alice, w.team.ID)
	want = append(want, end.ID)
	evs = r.until(t, end.ID)
	onlyMessages(t, "bob resumed", evs)
	perChatInOrder(t, "bob resumed", evs)
	if err := sameIDs(messageIDs(t, "bob resumed", evs), want); err != nil {
		t.Errorf("bob's resumed stream: %v", err)
	}

	// Another tab resuming from the same point gets the same events, also
	// with ?last_event_id= (for clients that cannot set the header).
	tab := openStream(t, w.bob.c, "bob (second tab)", last)
	tab.ready(t, w.bob.id())
	if err := sameIDs(messageIDs(t, "bob second tab", tab.until(t, end.ID)), want); err != nil {
		t.Errorf("second tab resumed from the same point: %v", err)
	}
	q := rawGet(t, n, url.Values{"last_event_id": {strconv.FormatUint(last, 10)}}, bearer(w.bob.c))
	raw := newRawEvents(t, q)
	if ev := raw.readyOf(t, w.bob.id()); ev.ID != last {
		t.Errorf("ready of a ?last_event_id= resume has id %d, want %d", ev.ID, last)
	}
	var viaQuery []int64
	for len(viaQuery) < len(want) {
		ev := raw.next(t)
		if ev.Type != model.EventMessageCreated {
			t.Fatalf("?last_event_id= replay: unexpected %s %s", ev.Type, ev.Data)
		}
		viaQuery = append(viaQuery, decode(t, ev).Message.ID)
	}
	if err := sameIDs(viaQuery, want); err != nil {
		t.Errorf("resume with ?last_event_id=: %v", err)
	}

	// A resume point the stream does not have: ready, then one resync.
	for _, bad := range []string{"99999999999", "not-a-number"} {
		hdr := bearer(w.bob.c)
		hdr.Set("Last-Event-ID", bad)
		raw := newRawEvents(t, rawGet(t, n, nil, hdr))
		raw.readyOf(t, w.bob.id())
		if ev := raw.next(t); ev.Type != "resync" {
			t.Errorf("Last-Event-ID %q: second event is %s %s, want resync", bad, ev.Type, ev.Data)
		}
	}
}
