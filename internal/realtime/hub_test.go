package realtime

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/embedded/natsd"
	"github.com/fechatter/fechatter/embedded/natsd/natstest"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
)

// roster is the membership source for these tests: the hub's logic, not the
// database, is under test here (the appliance's tests cover the real store).
type roster struct {
	mu    sync.Mutex
	chats map[int64][]int64 // chat -> users
	ws    map[int64][]int64 // workspace -> users
	// joined holds when a user's memberships began, where a test sets
	// it; other memberships began at the zero time (before any event).
	joined map[int64]JoinTimes
	// messages are the messages as they are now, by id.
	messages map[int64]model.Message
}

func (r *roster) JoinTimes(_ context.Context, uid int64) (model.JoinTimes, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	jt := model.JoinTimes{Workspaces: map[int64]time.Time{}, Chats: map[int64]time.Time{}}
	for ws, users := range r.ws {
		if slices.Contains(users, uid) {
			jt.Workspaces[ws] = r.joined[uid].Workspaces[ws]
		}
	}
	for chat, users := range r.chats {
		if slices.Contains(users, uid) {
			jt.Chats[chat] = r.joined[uid].Chats[chat]
		}
	}
	return jt, nil
}

func (r *roster) MessagesNow(_ context.Context, uid int64, ids []int64) ([]model.Message, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []model.Message
	for _, id := range ids {
		if m, ok := r.messages[id]; ok && slices.Contains(r.chats[m.ChatID], uid) {
			out = append(out, m)
		}
	}
	return out, nil
}

func (r *roster) ChatMemberIDs(_ context.Context, chat int64) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.chats[chat]...), nil
}

func (r *roster) WorkspaceMemberIDs(_ context.Context, ws int64) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.ws[ws]...), nil
}

func (r *roster) UserWorkspaceIDs(_ context.Context, uid int64) ([]int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int64
	for ws, users := range r.ws {
		for _, u := range users {
			if u == uid {
				out = append(out, ws)
			}
		}
	}
	return out, nil
}

func (r *roster) removeFromChat(chat, uid int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var keep []int64
	for _, u := range r.chats[chat] {
		if u != uid {
			keep = append(keep, u)
		}
	}
	r.chats[chat] = keep
}

type env struct {
	js     jetstream.JetStream
	hub    *Hub
	srv    *httptest.Server
	roster *roster
	n      int
}

// newEnv: workspace 1 has users 1,2,3; chats 10 (1,2), 11 (1,3), 12 (2,3).
// Workspace 2 has user 4 with chat 20.
func newEnv(t testing.TB, opt Options) *env {
	t.Helper()
	ns := natstest.Start(t, natsd.Config{})
	nc, js := ns.Conn, ns.JS
	if _, err := events.EnsureStream(context.Background(), js, events.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	r := &roster{
		chats: map[int64][]int64{10: {1, 2}, 11: {1, 3}, 12: {2, 3}, 20: {4}},
		ws:    map[int64][]int64{1: {1, 2, 3}, 2: {4}},
	}
	h := NewHub(nc, js, r, opt)
	if err := h.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Stop(context.Background()) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		serveTest(w, req, h)
	}))
	t.Cleanup(srv.Close)
	return &env{js: js, hub: h, srv: srv, roster: r}
}

// publish puts one event on the stream, as the outbox relay would.
func (e *env) publish(t testing.TB, ws, chat int64, typ string, extra map[string]any) {
	t.Helper()
	e.n++
	payload := map[string]any{"type": typ, "workspace_id": ws, "chat_id": chat, "n": e.n}
	for k, v := range extra {
		payload[k] = v
	}
	body, _ := json.Marshal(payload)
	m, err := events.Message(events.Envelope{ID: fmt.Sprintf("e%d", e.n), Type: typ, WorkspaceID: ws, ChatID: chat, Payload: body})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.PublishMsg(context.Background(), m); err != nil {
		t.Fatal(err)
	}
}

type sseEvent struct {
	ID    string
	Event string
	Data  map[string]any
	Retry string
}

type stream struct {
	resp   *http.Response
	events chan sseEvent
}

func (e *env) connect(t *testing.T, uid int64, lastID string) *stream {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL, nil)
	req.Header.Set("X-User", strconv.FormatInt(uid, 10))
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("status %d content-type %q", resp.StatusCode, ct)
	}
	s := &stream{resp: resp, events: make(chan sseEvent, 1024)}
	go s.read()
	t.Cleanup(s.close)
	return s
}

func (s *stream) close() { s.resp.Body.Close() }

func (s *stream) read() {
	defer close(s.events)
	sc := bufio.NewScanner(s.resp.Body)
	var cur sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.Event != "" || cur.Retry != "" {
				s.events <- cur
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "id: "):
			cur.ID = line[4:]
		case strings.HasPrefix(line, "event: "):
			cur.Event = line[7:]
		case strings.HasPrefix(line, "retry: "):
			cur.Retry = line[7:]
		case strings.HasPrefix(line, "data: "):
			_ = json.Unmarshal([]byte(line[6:]), &cur.Data)
		}
	}
}

func (s *stream) next(t *testing.T) sseEvent {
	t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			t.Fatal("stream ended")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10s")
	}
	return sseEvent{}
}

// nextOf skips ephemeral events (presence) and returns the next stored one.
func (s *stream) nextOf(t *testing.T, types ...string) sseEvent {
	t.Helper()
	for {
		ev := s.next(t)
		for _, typ := range types {
			if ev.Event == typ {
				return ev
			}
		}
	}
}

// nextIsSentinel reads up to the next event of the given types, which must
// be the sentinel (the event the test caused after the unwanted ones would
// have come): an unwanted event of those types shows up before it. Not
// receiving something is checked this way, by order, never by waiting a
// while for nothing.
func (s *stream) nextIsSentinel(t *testing.T, what string, sentinel func(sseEvent) bool, types ...string) {
	t.Helper()
	if ev := s.nextOf(t, types...); !sentinel(ev) {
		t.Fatalf("unexpected %s event before %s: %+v", ev.Event, what, ev)
	}
}

func TestReadyCarriesNewestSequence(t *testing.T) {
	e := newEnv(t, Options{})
	e.publish(t, 1, 10, model.EventMessageCreated, nil)
	waitSeq(t, e.hub, 1)
	s := e.connect(t, 1, "")
	ev := s.next(t)
	if ev.Event != "ready" || ev.ID != "1" || ev.Data["last_event_id"] != float64(1) || ev.Data["user_id"] != float64(1) {
		t.Fatalf("first event = %+v, want ready with id 1", ev)
	}
}

func waitSeq(t testing.TB, h *Hub, seq uint64) {
	t.Helper()
	testproc.Eventually(t, 10*time.Second, func() error {
		if got := h.LastSeq(); got < seq {
			return fmt.Errorf("hub at %d, want %d", got, seq)
		}
		return nil
	})
}

func TestResumeReplaysExactlyTheUsersEventsThenLive(t *testing.T) {
	e := newEnv(t, Options{})
	s := e.connect(t, 1, "")
	ready := s.next(t)
	e.publish(t, 1, 10, model.EventMessageCreated, nil)
	first := s.nextOf(t, model.EventMessageCreated)
	if first.ID != "1" {
		t.Fatalf("live event id %s, want 1 (ready was %s)", first.ID, ready.ID)
	}
	s.close()
	var want []string
	for i := 0; i < 50; i++ { // 50 events the user should get, interleaved with others
		chat := []int64{10, 11}[i%2]
		e.publish(t, 1, chat, model.EventMessageCreated, nil)
		want = append(want, strconv.Itoa(e.n))
		e.publish(t, 1, 12, model.EventMessageCreated, nil) // user 1 not a member
		e.publish(t, 2, 20, model.EventMessageCreated, nil) // other workspace
	}
	waitSeq(t, e.hub, uint64(e.n))
	s2 := e.connect(t, 1, first.ID)
	if ev := s2.next(t); ev.Event != "ready" || ev.ID != first.ID {
		t.Fatalf("resume ready = %+v, want id %s", ev, first.ID)
	}
	for _, id := range want {
		ev := s2.nextOf(t, model.EventMessageCreated)
		if ev.ID != id {
			t.Fatalf("replayed id %s, want %s", ev.ID, id)
		}
	}
	e.publish(t, 1, 12, model.EventMessageCreated, nil)
	e.publish(t, 1, 10, model.EventMessageCreated, nil)
	live := s2.nextOf(t, model.EventMessageCreated)
	if live.ID != strconv.Itoa(e.n) {
		t.Fatalf("live id %s after replay, want %d (no gap, no duplicate)", live.ID, e.n)
	}
}

func TestRemovedMemberStopsReceiving(t *testing.T) {
	e := newEnv(t, Options{})
	s := e.connect(t, 2, "")
	s.next(t)
	e.publish(t, 1, 10, model.EventMessageCreated, nil)
	s.nextOf(t, model.EventMessageCreated)
	e.roster.removeFromChat(10, 2)
	e.publish(t, 1, 10, model.EventMemberLeft, map[string]any{"user_id": 2})
	if ev := s.nextOf(t, model.EventMemberLeft, model.EventMessageCreated); ev.Event != model.EventMemberLeft {
		t.Fatalf("got %s, want the removed user's own member.left", ev.Event)
	}
	e.publish(t, 1, 10, model.EventMessageCreated, nil)
	e.publish(t, 1, 12, model.EventMessageCreated, nil) // still a member of 12
	if ev := s.nextOf(t, model.EventMessageCreated); ev.Data["chat_id"] != float64(12) {
		t.Fatalf("received an event of chat %v after removal", ev.Data["chat_id"])
	}
}

func TestOtherWorkspaceNeverReceives(t *testing.T) {
	e := newEnv(t, Options{})
	s := e.connect(t, 4, "")
	s.next(t)
	for _, chat := range []int64{10, 11, 12} {
		e.publish(t, 1, chat, model.EventMessageCreated, nil)
	}
	e.publish(t, 1, 0, model.EventWorkspaceUpdated, nil)
	e.publish(t, 2, 20, model.EventMessageCreated, nil) // the sentinel: user 4's own workspace
	s.nextIsSentinel(t, "the sentinel of chat 20", func(ev sseEvent) bool { return ev.Data["chat_id"] == float64(20) },
		model.EventMessageCreated, model.EventWorkspaceUpdated)
}

func TestBadOrTooOldLastEventIDGetsResync(t *testing.T) {
	e := newEnv(t, Options{})
	e.publish(t, 1, 10, model.EventMessageCreated, nil)
	waitSeq(t, e.hub, 1)
	for _, last := range []string{"garbage", "999"} {
		s := e.connect(t, 1, last)
		s.next(t) // ready
		if ev := s.next(t); ev.Event != "resync" || ev.ID != "1" {
			t.Fatalf("Last-Event-ID %q: got %+v, want resync with id 1", last, ev)
		}
		s.close()
	}
	// Purge the stream: a resume point before its first sequence is gone.
	st, _ := e.js.Stream(context.Background(), events.StreamName)
	e.publish(t, 1, 10, model.EventMessageCreated, nil)
	if err := st.Purge(context.Background(), jetstream.WithPurgeKeep(1)); err != nil {
		t.Fatal(err)
	}
	s := e.connect(t, 1, "0")
	s.next(t)
	if ev := s.next(t); ev.Event != "resync" {
		t.Fatalf("got %+v, want resync for a purged resume point", ev)
	}
}

func TestTypingReachesOtherMembersOnly(t *testing.T) {
	e := newEnv(t, Options{})
	s1 := e.connect(t, 1, "")
	s1.next(t)
	s3 := e.connect(t, 3, "")
	s3.next(t)
	if err := e.hub.NotifyTyping(context.Background(), 1, 10, 2); err != nil {
		t.Fatal(err)
	}
	ev := s1.nextOf(t, "typing")
	if ev.ID != "" || ev.Data["user_id"] != float64(2) || ev.Data["chat_id"] != float64(10) {
		t.Fatalf("typing event = %+v", ev)
	}
	// User 3 is not in chat 10: the next typing they see is the sentinel's,
	// in chat 11 (the signals travel one subscription, in order).
	if err := e.hub.NotifyTyping(context.Background(), 1, 11, 1); err != nil {
		t.Fatal(err)
	}
	s3.nextIsSentinel(t, "typing in chat 11", func(ev sseEvent) bool { return ev.Data["chat_id"] == float64(11) }, "typing")
}

func TestPresenceFollowsConnections(t *testing.T) {
	e := newEnv(t, Options{})
	s1 := e.connect(t, 1, "")
	s1.next(t)
	s2 := e.connect(t, 2, "")
	if ev := s2.next(t); !contains(ev.Data["online_user_ids"], 1) {
		t.Fatalf("ready.online_user_ids = %v, want user 1 in it", ev.Data["online_user_ids"])
	}
	if ev := s1.nextOf(t, "presence"); ev.Data["user_id"] != float64(2) || ev.Data["status"] != StatusOnline {
		t.Fatalf("presence = %+v, want user 2 online", ev.Data)
	}
	s2.close()
	if ev := s1.nextOf(t, "presence"); ev.Data["user_id"] != float64(2) || ev.Data["status"] != StatusOffline {
		t.Fatalf("presence = %+v, want user 2 offline", ev.Data)
	}
}

// Changes within one presence window reach a peer as one event that lists
// them all, never its own status, and not the users of another workspace.
func TestPresenceChangesAreSentTogether(t *testing.T) {
	e := newEnv(t, Options{PresenceWindow: 2 * time.Second})
	e.roster.mu.Lock()
	e.roster.ws[2] = append(e.roster.ws[2], 5) // user 5 comes online as workspace 2's sentinel
	e.roster.mu.Unlock()
	s1 := e.connect(t, 1, "")
	s1.next(t)
	s4 := e.connect(t, 4, "") // workspace 2: never told about workspace 1
	s4.next(t)
	// The first change after a quiet spell goes out at once: user 2; the
	// window then gathers user 3 coming online and user 2 leaving.
	s2 := e.connect(t, 2, "")
	s2.next(t)
	if ev := s1.nextOf(t, "presence"); ev.Data["user_id"] != float64(2) || ev.Data["changes"] != nil {
		t.Fatalf("first presence = %+v, want user 2 alone", ev.Data)
	}
	s3 := e.connect(t, 3, "")
	s3.next(t)
	s2.close()
	ev := s1.nextOf(t, "presence")
	changes, _ := ev.Data["changes"].([]any)
	got := map[float64]any{}
	for _, c := range changes {
		m, _ := c.(map[string]any)
		got[m["user_id"].(float64)] = m["status"]
	}
	if len(got) != 2 || got[2] != StatusOffline || got[3] != StatusOnline {
		t.Fatalf("batched presence = %+v, want user 2 offline and user 3 online", ev.Data)
	}
	if ev.Data["user_id"] != float64(2) || ev.Data["status"] != StatusOffline {
		t.Fatalf("batched presence top level = %+v, want its first change", ev.Data)
	}
	// Sentinels: user 3 leaves (seen by user 1), user 5 of workspace 2
	// arrives (seen by user 4). Presence is flushed by one loop, in order,
	// so a stray event would reach either before its sentinel.
	s3.close()
	e.connect(t, 5, "").next(t)
	s1.nextIsSentinel(t, "user 3 going offline alone", func(ev sseEvent) bool {
		return ev.Data["user_id"] == float64(3) && ev.Data["status"] == StatusOffline && ev.Data["changes"] == nil
	}, "presence")
	s4.nextIsSentinel(t, "user 5 coming online alone", func(ev sseEvent) bool {
		return ev.Data["user_id"] == float64(5) && ev.Data["status"] == StatusOnline && ev.Data["changes"] == nil
	}, "presence")
}

func contains(v any, id float64) bool {
	list, _ := v.([]any)
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

func TestShutdownEndsStreamsWithRetryHint(t *testing.T) {
	e := newEnv(t, Options{})
	s := e.connect(t, 1, "")
	s.next(t)
	if err := e.hub.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	for ev := range s.events {
		if ev.Retry != "" {
			if n, err := strconv.Atoi(ev.Retry); err != nil || n < 1000 || n > 4000 {
				t.Fatalf("retry %q, want 1000-4000 ms", ev.Retry)
			}
			return
		}
	}
	t.Fatal("stream ended without a retry hint")
}

func TestSlowConnectionIsCutOff(t *testing.T) {
	c := newConn(Credential{UserID: 1}, 2)
	for i := 1; i <= 3; i++ {
		c.offer(newFrame(uint64(i), "x", []byte("{}")))
	}
	select {
	case <-c.cut:
	default:
		t.Fatal("a full buffer did not cut the connection")
	}
	if c.isStopping() {
		t.Fatal("a slow cut must not look like a shutdown")
	}
}

// A batch is written in one go, in order, without the frames a replay
// already sent; ephemeral frames (no id) always go out.
func TestWriteBatchSkipsReplayedFrames(t *testing.T) {
	var out strings.Builder
	batch := []frame{newFrame(3, "a", []byte(`{"n":3}`)), newFrame(0, "presence", []byte(`{}`)),
		newFrame(5, "a", []byte(`{"n":5}`)), newFrame(6, "a", []byte(`{"n":6}`))}
	sent, err := writeBatch(&out, batch, 5)
	if err != nil || sent != 6 {
		t.Fatalf("sent %d, err %v; want 6", sent, err)
	}
	want := "event: presence\ndata: {}\n\nid: 6\nevent: a\ndata: {\"n\":6}\n\n"
	if out.String() != want {
		t.Fatalf("wrote %q, want %q", out.String(), want)
	}
}

// An idle connection holds no queue; frames offered wait until taken, and
// the limit counts only frames not yet taken.
func TestQueueCostsNothingIdleAndCutsAtTheLimit(t *testing.T) {
	c := newConn(Credential{UserID: 1}, 2)
	if c.queue != nil {
		t.Fatal("a new connection allocated a queue")
	}
	c.offer(newFrame(1, "x", []byte("{}")))
	c.offer(newFrame(2, "x", []byte("{}")))
	if got := c.take(nil); len(got) != 2 || got[0].id != 1 || got[1].id != 2 {
		t.Fatalf("took %+v, want frames 1 and 2", got)
	}
	c.offer(newFrame(3, "x", []byte("{}")))
	c.offer(newFrame(4, "x", []byte("{}")))
	if c.isCut() {
		t.Fatal("cut with 2 frames waiting, limit 2")
	}
	c.offer(newFrame(5, "x", []byte("{}")))
	if !c.isCut() {
		t.Fatal("a third waiting frame did not cut the connection")
	}
}

// A wake-up with nothing queued (a heartbeat) must leave the pump's spare
// its own: a batch taken later must not share its array with the queue,
// or frames offered while it is written overwrite it.
func TestTakeNeverSharesTheBatchWithTheQueue(t *testing.T) {
	c := newConn(Credential{UserID: 1}, 16)
	spare := make([]frame, 0, 4)
	c.offer(newFrame(1, "x", []byte("{}")))
	batch := c.take(spare) // as the pump does: write it, then keep it as the spare
	spare = batch[:0]
	if got := c.take(spare); len(got) != 0 { // a heartbeat's wake-up: nothing waits
		t.Fatalf("took %+v from an empty queue", got)
	}
	c.offer(newFrame(2, "x", []byte("{}")))
	batch = c.take(spare)
	c.offer(newFrame(3, "x", []byte("{}"))) // arrives while batch is written
	if len(batch) != 1 || batch[0].id != 2 {
		t.Fatalf("the batch being written became %+v, want frame 2", batch)
	}
	if got := c.take(nil); len(got) != 1 || got[0].id != 3 {
		t.Fatalf("queue holds %+v, want frame 3", got)
	}
}

// The heartbeat comes again and again (it is re-armed after each ping),
// between events, and the HTTP/1.1 body is not chunked: it ends with the
// connection, as the SSE specification suggests.
func TestHeartbeatRepeatsOnAnUnchunkedStream(t *testing.T) {
	e := newEnv(t, Options{Heartbeat: 20 * time.Millisecond})
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL, nil)
	req.Header.Set("X-User", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 1 || len(resp.TransferEncoding) != 0 || resp.ContentLength != -1 {
		t.Fatalf("%s, transfer encoding %v, length %d: want HTTP/1.x, no chunking, no length",
			resp.Proto, resp.TransferEncoding, resp.ContentLength)
	}
	sc := bufio.NewScanner(resp.Body)
	pings := 0
	for pings < 3 && sc.Scan() {
		if sc.Text() == ": ping" {
			pings++
			if pings == 2 {
				e.publish(t, 1, 10, model.EventMessageCreated, nil)
			}
		}
	}
	if pings < 3 {
		t.Fatalf("stream ended after %d pings: %v", pings, sc.Err())
	}
}

// A leave's audience adds the user who left to the chat's members for that
// one event; the cached members stay as they are, so the next message does
// not go to them.
func TestAudienceOfALeaveLeavesTheCacheAlone(t *testing.T) {
	r := &roster{chats: map[int64][]int64{10: {1, 2}}, ws: map[int64][]int64{1: {1, 2}}}
	c := newMemberCache(r)
	msg := events.Envelope{Type: model.EventMessageCreated, WorkspaceID: 1, ChatID: 10}
	keys := func(set map[int64]struct{}) []int64 {
		out := slices.Collect(maps.Keys(set))
		slices.Sort(out)
		return out
	}
	for range 2 {
		set, err := c.audience(context.Background(), msg)
		if err != nil || !slices.Equal(keys(set), []int64{1, 2}) {
			t.Fatalf("message audience %v, %v; want [1 2]", keys(set), err)
		}
	}
	r.removeFromChat(10, 2)
	left := events.Envelope{Type: model.EventMemberLeft, WorkspaceID: 1, ChatID: 10,
		Payload: json.RawMessage(`{"type":"member.left","workspace_id":1,"chat_id":10,"user_id":2}`)}
	set, err := c.audience(context.Background(), left)
	if err != nil || !slices.Equal(keys(set), []int64{1, 2}) {
		t.Fatalf("leave audience %v, %v; want [1 2]", keys(set), err)
	}
	// The leave reloaded the chat's members ([1]) into the cache; adding
	// user 2 to that cached set, not to a copy, would show here.
	set, err = c.audience(context.Background(), msg)
	if err != nil || !slices.Equal(keys(set), []int64{1}) {
		t.Fatalf("message audience after the leave %v, %v; want [1]", keys(set), err)
	}
}
