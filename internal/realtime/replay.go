package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// start writes ready, then a replay or a resync, and returns the sequence
// the client has seen up to.
func (h *Hub) start(ctx context.Context, w io.Writer, c *conn, regSeq uint64, lastEventID string) (uint64, error) {
	online := h.onlinePeers(ctx, c.userID)
	if lastEventID == "" {
		return regSeq, h.writeReady(w, c.userID, regSeq, regSeq, online)
	}
	after, parsed := parseResume(lastEventID)
	first, last, err := h.streamBounds(ctx)
	if err != nil {
		return 0, err
	}
	// after+1 < first: events after the client's are gone (aged out, or
	// the stream was made anew after a restore and starts past it).
	if !parsed || after > last || after+1 < first {
		if err := h.writeReady(w, c.userID, regSeq, regSeq, online); err != nil {
			return 0, err
		}
		telemetry.SSEResumes.WithLabelValues("resync").Inc()
		data, _ := json.Marshal(map[string]any{"type": "resync", "user_id": c.userID, "last_event_id": regSeq})
		return regSeq, newFrame(regSeq, "resync", data).writeTo(w)
	}
	telemetry.SSEResumes.WithLabelValues("replayed").Inc()
	if err := h.writeReady(w, c.userID, after, regSeq, online); err != nil {
		return 0, err
	}
	if after >= regSeq {
		return after, nil
	}
	return h.replay(ctx, w, c.userID, after, regSeq)
}

// parseResume reads a Last-Event-ID (or last_event_id): a stream sequence
// in decimal digits, surrounding white space allowed. Anything else (a
// sign, junk, a number past uint64) is not a place to resume from; the
// client is then told to resync.
func parseResume(lastEventID string) (uint64, bool) {
	after, err := strconv.ParseUint(strings.TrimSpace(lastEventID), 10, 64)
	return after, err == nil
}

func (h *Hub) writeReady(w io.Writer, userID int64, id, newest uint64, online []int64) error {
	data, _ := json.Marshal(map[string]any{"type": "ready", "user_id": userID, "last_event_id": newest, "online_user_ids": online})
	if id == 0 {
		// Sequence 0 is "nothing yet"; an id line of 0 would be ambiguous.
		return newFrame(0, "ready", data).writeTo(w)
	}
	return newFrame(id, "ready", data).writeTo(w)
}

func (h *Hub) streamBounds(ctx context.Context) (first, last uint64, err error) {
	st, err := h.js.Stream(ctx, events.StreamName)
	if err != nil {
		return 0, 0, err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return 0, 0, err
	}
	return info.State.FirstSeq, info.State.LastSeq, nil
}

// replayResetAttempts bounds how often a replay tries to (re)create its
// consumer per fetch.
const replayResetAttempts = 3

// replayPage is how many stream events one fetch of a replay reads; the
// database lookups a replay needs are made once per page.
const replayPage = 256

// replay writes the user's events in (after, upto] from the stream. It
// reads every workspace's events and keeps those the user may see now:
// filtering by the user's current workspaces would hide the removal from a
// workspace the user no longer belongs to.
//
// The join times are read after the connection registered (regSeq =
// upto): every membership whose event is at or before upto has committed
// by then, and a chat joined later has no event of its own in the replay,
// so all of that chat's replayed events predate the join and are cut.
func (h *Hub) replay(ctx context.Context, w io.Writer, userID int64, after, upto uint64) (uint64, error) {
	jt, err := h.members.JoinTimes(ctx, userID)
	if err != nil {
		return 0, err
	}
	joined := JoinTimes(jt)
	st, err := h.js.Stream(ctx, events.StreamName)
	if err != nil {
		return 0, err
	}
	// An ordered consumer recreates its server-side consumer on every
	// fetch and, by default, retries that forever, ignoring ctx: while a
	// cluster has no meta or stream leader the request would then hang
	// without an answer. A bounded number of tries ends the replay with an
	// error instead, and the client comes back with its Last-Event-ID.
	oc, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: after + 1,
		MaxResetAttempts: replayResetAttempts,
	})
	if err != nil {
		return 0, err
	}
	return h.copyReplay(ctx, w, oc, viewer{userID: userID, joined: joined}, upto)
}

func (h *Hub) copyReplay(ctx context.Context, w io.Writer, oc jetstream.Consumer, v viewer, upto uint64) (uint64, error) {
	empty := 0
	for {
		page, n, done, err := fetchPage(oc, upto)
		if err != nil {
			return 0, err
		}
		if err := h.writePage(ctx, w, v, page); err != nil {
			return 0, err
		}
		if done {
			return upto, nil
		}
		if n == 0 {
			// Nothing came although (after, upto] is not done: the server
			// did not hand the messages over yet (a consumer on a stream
			// whose leader just changed, say). Never claim events unseen:
			// try again, then end the stream; the client resumes.
			if empty++; empty >= replayEmptyFetches {
				return 0, errReplayStalled
			}
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(replayEmptyWait):
			}
			continue
		}
		empty = 0
	}
}

// A replay that gets nothing replayEmptyFetches times in a row, waiting
// replayEmptyWait in between, gives up with errReplayStalled.
const (
	replayEmptyFetches = 10
	replayEmptyWait    = 200 * time.Millisecond
)

var errReplayStalled = errors.New("realtime: replay got no events from the stream")

// storedEvent is one event read back from the stream.
type storedEvent struct {
	seq uint64
	e   events.Envelope
}

// fetchPage reads the next page of events up to upto. n counts the stream
// messages fetched (undecodable ones are counted but left out); done is
// true once upto or the stream's end was reached.
func fetchPage(oc jetstream.Consumer, upto uint64) (page []storedEvent, n int, done bool, err error) {
	batch, err := oc.FetchNoWait(replayPage)
	if err != nil {
		return nil, 0, false, err
	}
	for m := range batch.Messages() {
		n++
		meta, err := m.Metadata()
		if err != nil {
			return nil, n, false, err
		}
		seq := meta.Sequence.Stream
		if seq > upto {
			return page, n, true, nil
		}
		if e, err := events.Decode(m.Data()); err == nil {
			page = append(page, storedEvent{seq: seq, e: e})
		}
		// Done only at upto itself: NumPending counts what the replica
		// serving this consumer holds, and in a cluster that may be a
		// follower still catching up (a node just restarted). Ending at
		// its NumPending of 0 would claim events it has not yet got, and
		// the live feed would then skip them as already sent.
		if seq >= upto {
			return page, n, true, nil
		}
	}
	if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) {
		return nil, n, false, err
	}
	return page, n, false, nil
}
