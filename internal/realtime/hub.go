// Package realtime delivers events to browsers and other clients over
// Server-Sent Events: a live fan-out of the EVENTS stream to the current
// members of each chat, lossless resume from a stream sequence, and the
// ephemeral typing and presence signals that travel over core NATS.
package realtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// Membership answers who may receive what, from the database (the source of truth).
type Membership interface {
	// ChatMemberIDs lists the current members of a chat.
	ChatMemberIDs(ctx context.Context, chatID int64) ([]int64, error)
	// WorkspaceMemberIDs lists the current members of a workspace.
	WorkspaceMemberIDs(ctx context.Context, workspaceID int64) ([]int64, error)
	// UserWorkspaceIDs lists the workspaces a user belongs to.
	UserWorkspaceIDs(ctx context.Context, userID int64) ([]int64, error)
	// JoinTimes reports when a user's current memberships began (a replay
	// sends no event from before them).
	JoinTimes(ctx context.Context, userID int64) (model.JoinTimes, error)
	// MessagesNow returns the current state of those of the messages that
	// the user may read, as the REST API shows them to the user (a replay
	// sends that instead of the text an event was written with).
	MessagesNow(ctx context.Context, userID int64, ids []int64) ([]model.Message, error)
}

// Options tune the hub.
type Options struct {
	// Heartbeat is the interval of keep-alive comments. Default: 15s.
	Heartbeat time.Duration
	// Buffer is how many events may wait for one slow connection before it
	// is cut off. Default: 1024.
	Buffer int
	// NodeID names this node in presence announcements. Default: random.
	NodeID string
	// PresenceInterval is how often this node announces its online users. Default: 10s.
	PresenceInterval time.Duration
	// PresenceWindow is the shortest time between two presence events to
	// one connection: changes within it are sent together. Default: 500ms.
	PresenceWindow time.Duration
	// TypingTTL is how long a typing signal lasts. Default: 6s.
	TypingTTL time.Duration
	Log       *slog.Logger
}

// Hub fans events out to SSE connections. One hub runs per node.
type Hub struct {
	js      jetstream.JetStream
	nc      *nats.Conn
	members Membership
	opt     Options
	cache   *memberCache
	pres    *presence
	changed *changedUsers // presence to send at the next flush

	mu      sync.Mutex
	conns   map[int64][]*conn // by user id: a slice, cheaper to walk per event than a map
	lastSeq uint64            // newest stream sequence fanned out
	closed  bool
	// heard are the revocation notices of the last revokeMemory.
	heard []heardRevocation
	// revokeListeners are told of every revocation notice.
	revokeListeners []func(userID, sessionID int64)

	cancel context.CancelFunc
	cons   jetstream.ConsumeContext
	subs   []*nats.Subscription
	wg     sync.WaitGroup
}

// NewHub returns a hub that is not started.
func NewHub(nc *nats.Conn, js jetstream.JetStream, members Membership, opt Options) *Hub {
	if opt.Heartbeat <= 0 {
		opt.Heartbeat = 15 * time.Second
	}
	if opt.Buffer <= 0 {
		opt.Buffer = 1024
	}
	if opt.NodeID == "" {
		opt.NodeID = randomID()
	}
	if opt.PresenceInterval <= 0 {
		opt.PresenceInterval = 10 * time.Second
	}
	if opt.PresenceWindow <= 0 {
		opt.PresenceWindow = 500 * time.Millisecond
	}
	if opt.TypingTTL <= 0 {
		opt.TypingTTL = 6 * time.Second
	}
	if opt.Log == nil {
		opt.Log = telemetry.DefaultLogger()
	}
	h := &Hub{js: js, nc: nc, members: members, opt: opt, conns: map[int64][]*conn{}}
	h.cache = newMemberCache(members)
	h.pres = newPresence(opt.NodeID, 3*opt.PresenceInterval)
	h.changed = newChangedUsers()
	return h
}

// Start begins the live feed at the stream's current end and subscribes to
// the ephemeral signals.
func (h *Hub) Start(ctx context.Context) error {
	st, err := h.js.Stream(ctx, events.StreamName)
	if err != nil {
		return fmt.Errorf("realtime: open stream: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return fmt.Errorf("realtime: stream info: %w", err)
	}
	h.mu.Lock()
	h.lastSeq = info.State.LastSeq
	h.mu.Unlock()
	oc, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: info.State.LastSeq + 1,
	})
	if err != nil {
		return fmt.Errorf("realtime: live consumer: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	cc, err := oc.Consume(func(m jetstream.Msg) { h.onLive(runCtx, m) })
	if err != nil {
		cancel()
		return fmt.Errorf("realtime: consume: %w", err)
	}
	h.cons = cc
	if err := h.subscribeEphemeral(runCtx); err != nil {
		h.stopFeeds()
		return err
	}
	if err := h.subscribeRevocations(); err != nil {
		h.stopFeeds()
		return err
	}
	if err := h.subscribeDirect(); err != nil {
		h.stopFeeds()
		return err
	}
	h.wg.Add(2)
	go h.announceLoop(runCtx)
	go h.presenceLoop(runCtx)
	return nil
}

// Stop ends every stream (each gets a jittered retry hint) and the feeds.
// It is idempotent.
func (h *Hub) Stop(ctx context.Context) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	var all []*conn
	for _, set := range h.conns {
		all = append(all, set...)
	}
	h.mu.Unlock()
	for _, c := range all {
		c.shutdown()
	}
	h.stopFeeds()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("realtime: stop: %w", ctx.Err())
	}
}

func (h *Hub) stopFeeds() {
	if h.cons != nil {
		h.cons.Stop()
	}
	for _, s := range h.subs {
		_ = s.Unsubscribe()
	}
	if h.cancel != nil {
		h.cancel()
	}
}

// LastSeq is the newest stream sequence the hub has fanned out.
func (h *Hub) LastSeq() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastSeq
}

// Connections counts open streams.
func (h *Hub) Connections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, set := range h.conns {
		n += len(set)
	}
	return n
}

// onLive handles one event of the live feed, in stream order.
func (h *Hub) onLive(ctx context.Context, m jetstream.Msg) {
	meta, err := m.Metadata()
	if err != nil {
		return
	}
	e, err := events.Decode(m.Data())
	if err != nil {
		h.opt.Log.Warn("realtime: undecodable event", "subject", m.Subject(), "err", err)
		return
	}
	ctx = telemetry.WithEventID(telemetry.ContextWithTraceParent(ctx, events.TraceParent(m.Headers(), e)), e.ID)
	ctx, span := telemetry.StartSpan(ctx, "realtime fan-out", trace.SpanKindConsumer,
		attribute.String("event.id", e.ID), attribute.String("event.type", e.Type))
	defer span.End()
	if e.Type == model.EventCredentialsRevoked {
		h.onCredentialsRevoked(e, meta.Sequence.Stream)
		return
	}
	recipients := h.recipients(ctx, e)
	out := newFrame(meta.Sequence.Stream, e.Type, dataOf(e))
	out.committed = e.Time
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastSeq = meta.Sequence.Stream
	offered := 0
	for uid := range recipients {
		for _, c := range h.conns[uid] {
			c.offer(out)
			offered++
		}
	}
	span.SetAttributes(attribute.Int("realtime.recipients", len(recipients)), attribute.Int("realtime.streams", offered))
}

// recipients applies membership changes carried by e to the cache and
// returns who should receive e: current members, plus the user a leave or
// removal is about (so their clients drop the chat).
func (h *Hub) recipients(ctx context.Context, e events.Envelope) map[int64]struct{} {
	set, err := h.cache.audience(ctx, e)
	if err != nil {
		h.opt.Log.WarnContext(ctx, "realtime: membership lookup failed", "err", err)
	}
	return set
}

var errHubClosed = errors.New("realtime: hub is shutting down")

// register adds c and returns the stream position it starts from: c gets
// every live event after it. A credential that expired, or that a notice
// heard since it was checked revoked, is refused with ErrRevoked.
func (h *Hub) register(c *conn) (uint64, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return 0, errHubClosed
	}
	if c.expired(time.Now()) || h.revokedSince(c) {
		return 0, ErrRevoked
	}
	set := append(h.conns[c.userID], c)
	h.conns[c.userID] = set
	first := len(set) == 1
	seq := h.lastSeq
	if first {
		h.pres.localOnline(c.userID)
		h.wg.Add(1)
		go func() { defer h.wg.Done(); h.announce(context.Background(), c.userID, true) }()
	}
	return seq, nil
}

func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set := slices.DeleteFunc(h.conns[c.userID], func(o *conn) bool { return o == c })
	h.conns[c.userID] = set
	if len(set) == 0 {
		delete(h.conns, c.userID)
		h.pres.localOffline(c.userID)
		if !h.closed {
			h.wg.Add(1)
			go func() { defer h.wg.Done(); h.announce(context.Background(), c.userID, false) }()
		}
	}
}
