package events

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/embedded/natsd"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/sqlite"
)

func openStore(t *testing.T) storage.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fechatter.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

func appendEvents(t *testing.T, st storage.Store, from, n int) {
	t.Helper()
	err := st.InTx(context.Background(), func(tx storage.Tx) error {
		for i := from; i < from+n; i++ {
			e := model.Event{ID: fmt.Sprintf("ev-%d", i), Type: model.EventMessageCreated, WorkspaceID: 1, ChatID: int64(1 + i%3), Payload: []byte(`{"n":` + fmt.Sprint(i) + `}`)}
			if err := tx.AppendEvent(context.Background(), &e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func streamMsgs(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	st, err := js.Stream(context.Background(), StreamName)
	if err != nil {
		return 0
	}
	info, err := st.Info(context.Background())
	if err != nil {
		return 0
	}
	return info.State.Msgs
}

func TestRelayPublishesBacklogInOrderAndMarksRows(t *testing.T) {
	// Window 0 pipelines each round whole; 7 (as a cluster's 1) awaits the
	// acks of a few before sending more, with a window cut inside a round.
	for _, window := range []int{0, 7} {
		t.Run(fmt.Sprintf("window %d", window), func(t *testing.T) { relayBacklogInOrder(t, window) })
	}
}

func relayBacklogInOrder(t *testing.T, window int) {
	st := openStore(t)
	_, js := startJS(t)
	appendEvents(t, st, 0, 300) // written while no relay runs: the start republishes them
	r := NewRelay(st, js, RelayOptions{PollInterval: time.Hour, Batch: 64, Window: window})
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	waitFor(t, "300 events in the stream", func() bool { return streamMsgs(t, js) == 300 })
	waitFor(t, "rows marked", func() bool {
		rows, err := st.UnpublishedEvents(context.Background(), 10)
		return err == nil && len(rows) == 0
	})
	// Woken by Notify, not by the (hour-long) poll.
	appendEvents(t, st, 300, 5)
	r.Notify()
	waitFor(t, "woken relay", func() bool { return streamMsgs(t, js) == 305 })
	s, _ := js.Stream(context.Background(), StreamName)
	for seq := uint64(1); seq <= 305; seq++ {
		raw, err := s.GetMsg(context.Background(), seq)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Decode(raw.Data)
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("ev-%d", seq-1); e.ID != want || raw.Header.Get(jetstream.MsgIDHeader) != want {
			t.Fatalf("stream seq %d holds %s, want %s in commit order", seq, e.ID, want)
		}
		if raw.Subject != e.Subject() {
			t.Fatalf("subject %q, want %q", raw.Subject, e.Subject())
		}
	}
}

func TestRelayRepublishIsDeduplicated(t *testing.T) {
	st := openStore(t)
	_, js := startJS(t)
	appendEvents(t, st, 0, 10)
	rows, err := st.UnpublishedEvents(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	// Simulate a crash after publishing but before marking: publish by hand.
	for _, row := range rows {
		m, _ := Message(FromModel(row))
		if _, err := js.PublishMsg(context.Background(), m, jetstream.WithMsgID(row.ID)); err != nil {
			t.Fatal(err)
		}
	}
	r := NewRelay(st, js, RelayOptions{PollInterval: 20 * time.Millisecond})
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	waitFor(t, "rows marked", func() bool {
		rows, err := st.UnpublishedEvents(context.Background(), 10)
		return err == nil && len(rows) == 0
	})
	if n := streamMsgs(t, js); n != 10 {
		t.Fatalf("stream holds %d messages after republish, want 10", n)
	}
}

func TestRelayWaitsOutAnUnavailableStream(t *testing.T) {
	st := openStore(t)
	_, js := startJS(t)
	if err := js.DeleteStream(context.Background(), StreamName); err != nil {
		t.Fatal(err)
	}
	r := NewRelay(st, js, RelayOptions{PollInterval: 20 * time.Millisecond, AckTimeout: 200 * time.Millisecond})
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	appendEvents(t, st, 0, 20) // writes succeed while nothing can be published
	waitFor(t, "a publish failure", func() bool { return r.LastError() != "" })
	if rows, _ := st.UnpublishedEvents(context.Background(), 100); len(rows) != 20 {
		t.Fatalf("%d rows unpublished while the stream is gone, want 20", len(rows))
	}
	if _, err := EnsureStream(context.Background(), js, StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "events flow once the stream is back", func() bool { return streamMsgs(t, js) == 20 })
}

// With a window of 1 (what a cluster uses) the relay sends nothing past an
// event the stream did not take (here the first, too large for the stream),
// so what the stream holds is always a prefix of the commit order. The
// cluster test saw the opposite with whole rounds pipelined: a leader change
// dropped the start of a round while its end was stored, and members got
// the end first.
func TestRelayWindowOfOneNeverStoresPastARefusedEvent(t *testing.T) {
	st := openStore(t)
	_, js := startJS(t)
	s, err := js.Stream(context.Background(), StreamName)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	cfg.MaxMsgSize = 2048
	if _, err := js.UpdateStream(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	err = st.InTx(context.Background(), func(tx storage.Tx) error {
		big := model.Event{ID: "ev-big", Type: model.EventMessageCreated, WorkspaceID: 1, ChatID: 1,
			Payload: []byte(`{"text":"` + strings.Repeat("x", 4096) + `"}`)}
		return tx.AppendEvent(context.Background(), &big)
	})
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, st, 0, 9)
	r := NewRelay(st, js, RelayOptions{PollInterval: 20 * time.Millisecond, AckTimeout: time.Second, Window: 1})
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	waitFor(t, "the refusal", func() bool { return r.LastError() != "" })
	if n := streamMsgs(t, js); n != 0 {
		t.Fatalf("stream holds %d events published after the refused first one, want 0", n)
	}
	if rows, _ := st.UnpublishedEvents(context.Background(), 100); len(rows) != 10 {
		t.Fatalf("%d rows unpublished, want all 10", len(rows))
	}
}

// TestRelayPutsBackWhatAPowerCutTookFromTheStream: JetStream without
// sync_always keeps a crashed process's writes, but a power cut takes
// what it wrote since its last sync. The relay, at start, republishes the
// rows published after the stream's last event, so they come back at the
// sequence numbers clients already saw; events written later follow them.
func TestRelayPutsBackWhatAPowerCutTookFromTheStream(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	dir := t.TempDir()
	synced := t.TempDir()
	run := func(from, n int, before func(js jetstream.JetStream)) map[uint64]string {
		ns, err := natsd.New(natsd.Config{StoreDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := ns.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = ns.Stop(ctx) }()
		nc, err := ns.Connect()
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		js, _ := jetstream.New(nc)
		if _, err := EnsureStream(ctx, js, StreamOptions{}); err != nil {
			t.Fatal(err)
		}
		if before != nil {
			before(js)
		}
		r := NewRelay(st, js, RelayOptions{PollInterval: 10 * time.Millisecond, Batch: 16})
		if err := r.Start(ctx); err != nil {
			t.Fatal(err)
		}
		appendEvents(t, st, from, n)
		r.Notify()
		want := uint64(from + n)
		waitFor(t, fmt.Sprintf("%d events in the stream", want), func() bool { return streamMsgs(t, js) == want })
		waitFor(t, "rows marked", func() bool {
			rows, err := st.UnpublishedEvents(ctx, 10)
			return err == nil && len(rows) == 0
		})
		if err := r.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		s, _ := js.Stream(ctx, StreamName)
		ids := map[uint64]string{}
		for seq := uint64(1); seq <= want; seq++ {
			raw, err := s.GetMsg(ctx, seq)
			if err != nil {
				t.Fatalf("seq %d: %v", seq, err)
			}
			ids[seq] = raw.Header.Get(jetstream.MsgIDHeader)
		}
		return ids
	}
	run(0, 40, nil)
	copyDir(t, dir, synced) // what had reached the disk when the power went
	before := run(40, 60, nil)
	// The power cut: the stream's files are back to their last sync.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	copyDir(t, synced, dir)
	after := run(100, 5, func(js jetstream.JetStream) {
		if n := streamMsgs(t, js); n != 40 {
			t.Fatalf("after the cut the stream holds %d events, want the 40 synced ones", n)
		}
	})
	for seq, id := range before {
		if after[seq] != id {
			t.Fatalf("seq %d holds %q after the cut, %q before: a resume point changed meaning", seq, after[seq], id)
		}
	}
	for i := range 5 {
		if seq, want := uint64(101+i), fmt.Sprintf("ev-%d", 100+i); after[seq] != want {
			t.Fatalf("seq %d holds %q, want %q after the put-back events", seq, after[seq], want)
		}
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}
