package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sentMessage is one send, registered before the request goes out (its
// event can reach a stream before the HTTP answer does).
type sentMessage struct {
	chat  int
	start time.Time
	// seen[pos] is set when the member at pos in the chat saw the message.
	seen []atomic.Bool
	// acked is set when the server answered 201; failed when the send failed
	// (then its deliveries are not expected).
	acked, failed atomic.Bool
	// nseen counts the members that saw it; the one that completes the set
	// records the "last of all members" latency and closes all.
	nseen atomic.Int64
	all   chan struct{}
}

// tracker matches message.created events to sends.
type tracker struct {
	prefix string   // client ids of this run: prefix + number
	msgs   sync.Map // uint64 -> *sentMessage
	pop    *population
	log    io.Writer

	send    histogram // HTTP send latency
	deliver histogram // send start -> event on a recipient's stream
	last    histogram // send start -> event on the last member's stream

	sent, sendErrors atomic.Int64
	notCreated       atomic.Int64 // sends answered 200 (an idempotent replay), also in sendErrors
	expected         atomic.Int64 // deliveries due: acked sends x members
	delivered        atomic.Int64 // first sightings on a stream
	duplicated       atomic.Int64 // a message seen again on the same stream
	foreign          atomic.Int64 // message.created of another run or unparseable
	lastDeliver      atomic.Int64 // unix nanos of the newest delivery
}

// newTracker tags this invocation's client ids with a fresh nonce: a
// population loaded from --state keeps its run tag, and reusing a client id
// would make the server return the earlier message and record no event.
func newTracker(p *population, log io.Writer) *tracker {
	return &tracker{prefix: "fb-" + p.run + "-" + randomTag() + "-", pop: p, log: log}
}

func (t *tracker) logf(format string, args ...any) { fmt.Fprintf(t.log, format+"\n", args...) }

// begin registers message n to chat c, sent now, and returns its client id.
func (t *tracker) begin(n uint64, c int) (string, *sentMessage) {
	m := &sentMessage{chat: c, start: time.Now(), seen: make([]atomic.Bool, len(t.pop.chats[c].members)), all: make(chan struct{})}
	t.msgs.Store(n, m)
	return t.prefix + strconv.FormatUint(n, 10), m
}

// finish records the outcome of a send; created is false when the server
// answered with an earlier message of the same client id (no event then).
func (t *tracker) finish(m *sentMessage, created bool, err error) {
	t.send.record(time.Since(m.start))
	if err == nil && !created {
		t.notCreated.Add(1)
		err = errors.New("the server returned an earlier message with this client id")
	}
	if err != nil {
		m.failed.Store(true)
		t.sendErrors.Add(1)
		return
	}
	m.acked.Store(true)
	t.sent.Add(1)
	t.expected.Add(int64(len(m.seen)))
}

var clientIDKey = []byte(`"client_id":"`)

// observe handles one message.created event on user u's stream, received at.
func (t *tracker) observe(u int, data []byte, at time.Time) {
	n, ok := t.messageNumber(data)
	if !ok {
		t.foreign.Add(1)
		return
	}
	v, ok := t.msgs.Load(n)
	if !ok {
		t.foreign.Add(1)
		return
	}
	m := v.(*sentMessage)
	pos, ok := t.pop.memberPos[u][m.chat]
	if !ok {
		t.foreign.Add(1) // fan-out to a non-member would be a bug; count it visibly
		return
	}
	if m.seen[pos].Swap(true) {
		t.duplicated.Add(1)
		return
	}
	t.delivered.Add(1)
	t.deliver.record(at.Sub(m.start))
	t.lastDeliver.Store(at.UnixNano())
	if m.nseen.Add(1) == int64(len(m.seen)) {
		t.last.record(at.Sub(m.start))
		close(m.all)
	}
}

// messageNumber finds this run's client id in an event's data. A byte scan
// rather than a JSON decode: at 20,000 deliveries/s the generator shares the
// machine's two cores with the server, and a full decode of every event
// would cost the server its CPU. The fallback decodes when the scan fails.
func (t *tracker) messageNumber(data []byte) (uint64, bool) {
	var id string
	if i := bytes.Index(data, clientIDKey); i >= 0 {
		rest := data[i+len(clientIDKey):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			id = string(rest[:j])
		}
	}
	if id == "" {
		var ev struct {
			Message struct {
				ClientID string `json:"client_id"`
			} `json:"message"`
		}
		if json.Unmarshal(data, &ev) != nil {
			return 0, false
		}
		id = ev.Message.ClientID
	}
	num, ok := strings.CutPrefix(id, t.prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseUint(num, 10, 64)
	return n, err == nil
}

// outstanding is how many expected deliveries have not been seen yet.
func (t *tracker) outstanding() int64 { return t.expected.Load() - t.deliveredAcked() }

// deliveredAcked counts sightings of acknowledged messages, exactly.
func (t *tracker) deliveredAcked() int64 {
	var n int64
	t.msgs.Range(func(_, v any) bool {
		m := v.(*sentMessage)
		if m.acked.Load() {
			for i := range m.seen {
				if m.seen[i].Load() {
					n++
				}
			}
		}
		return true
	})
	return n
}

// lost counts expected deliveries never seen: members of the chat of an
// acknowledged message whose stream never carried it.
func (t *tracker) lost() (lost int64, unackedDelivered int64) {
	t.msgs.Range(func(_, v any) bool {
		m := v.(*sentMessage)
		for i := range m.seen {
			seen := m.seen[i].Load()
			switch {
			case m.acked.Load() && !seen:
				lost++
			case !m.acked.Load() && seen:
				unackedDelivered++
			}
		}
		return true
	})
	return lost, unackedDelivered
}
