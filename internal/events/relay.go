package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// OutboxStore is the part of storage the relay needs.
type OutboxStore interface {
	UnpublishedEvents(ctx context.Context, limit int) ([]model.Event, error)
	MarkPublished(ctx context.Context, seqs []int64, at time.Time) error
	PublishedAfter(ctx context.Context, eventID string, limit int) ([]model.Event, error)
	PruneEvents(ctx context.Context, publishedBefore time.Time, limit int) (int, error)
}

// RelayOptions tune the relay.
type RelayOptions struct {
	// PollInterval is how often the relay looks for rows without being woken. Default: 1s.
	PollInterval time.Duration
	// Batch is how many rows one round publishes. Default: 256.
	Batch int
	// AckTimeout bounds the wait for one batch's PubAcks. Default: 5s.
	AckTimeout time.Duration
	// Window is how many publishes may await their PubAck at once. Default:
	// Batch (a whole round is pipelined). A replicated stream needs 1: when
	// its leader changes mid-round it can lose the start of a pipelined
	// round yet keep the end, and the retry would then store the start
	// after the end, out of commit order.
	Window int
	// Retention is how long a published event stays in the outbox: the
	// stream's replay horizon (MaxAge), after which the stream no longer
	// holds the event and its payload (message text that may since have
	// been edited or deleted) serves nothing. 0 keeps them forever.
	Retention time.Duration
	// PruneInterval is how often published events past Retention are
	// deleted (also once at start). Default: 1h.
	PruneInterval time.Duration
	Log           *slog.Logger
}

// Relay publishes committed outbox rows to the EVENTS stream, each with
// Nats-Msg-Id = event id so that a republish is deduplicated, and marks them
// published once the stream acknowledged them. Rows left unmarked by a crash
// are published again on the next start.
//
// A stream that does not fsync each write (nats.sync_always off, the
// default on a single node) keeps every acknowledged event through a crash
// of the process (the write reached the kernel), but a power cut can take
// the events written since its last sync. So the relay starts by putting
// back what the stream lost: every row published after the stream's last
// event, in the order it was published. Nothing was published after them,
// so they get their old sequence numbers back, and a client's resume point
// means what it meant before the cut.
type Relay struct {
	store OutboxStore
	js    jetstream.JetStream
	opt   RelayOptions
	wake  chan struct{}

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}

	recovered   bool // the stream's lost tail was put back (loop goroutine only)
	published   atomic.Int64
	pruned      atomic.Int64
	pruneRounds atomic.Int64
	lastErr     atomic.Value // string
}

// NewRelay returns a relay that is not started.
func NewRelay(store OutboxStore, js jetstream.JetStream, opt RelayOptions) *Relay {
	if opt.PollInterval <= 0 {
		opt.PollInterval = time.Second
	}
	if opt.Batch <= 0 {
		opt.Batch = 256
	}
	if opt.AckTimeout <= 0 {
		opt.AckTimeout = 5 * time.Second
	}
	if opt.Window <= 0 {
		opt.Window = opt.Batch
	}
	if opt.PruneInterval <= 0 {
		opt.PruneInterval = time.Hour
	}
	if opt.Log == nil {
		opt.Log = telemetry.DefaultLogger()
	}
	return &Relay{store: store, js: js, opt: opt, wake: make(chan struct{}, 1)}
}

// Notify wakes the relay at once; call it after a commit that wrote events.
func (r *Relay) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Start runs the relay loop, and the prune of published events when
// Retention is set, until Stop.
func (r *Relay) Start(context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel != nil {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	r.cancel, r.done = cancel, done
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.loop(ctx) }()
	if r.opt.Retention > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); r.pruneLoop(ctx) }()
	}
	go func() { wg.Wait(); close(done) }()
	return nil
}

// Stop ends the loop and waits for it. It is idempotent.
func (r *Relay) Stop(ctx context.Context) error {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.cancel = nil
	r.mu.Unlock()
	if cancel == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop outbox relay: %w", ctx.Err())
	}
}

// Pruned counts published events deleted from the outbox since start.
func (r *Relay) Pruned() int64 { return r.pruned.Load() }

// Published counts events published since start.
func (r *Relay) Published() int64 { return r.published.Load() }

// LastError is the most recent publish failure, or "".
func (r *Relay) LastError() string {
	s, _ := r.lastErr.Load().(string)
	return s
}

func (r *Relay) loop(ctx context.Context) {
	backoff := time.Duration(0)
	for {
		n, err := r.round(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			r.lastErr.Store(err.Error())
			backoff = min(max(2*backoff, 50*time.Millisecond), 5*time.Second)
			r.opt.Log.Warn("outbox relay round failed", "err", err, "retry_in", backoff)
		case n == r.opt.Batch:
			r.lastErr.Store("")
			backoff = 0
			continue // more rows are waiting
		default:
			r.lastErr.Store("")
			backoff = 0
		}
		wait := r.opt.PollInterval
		if backoff > 0 {
			wait = backoff
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-time.After(wait):
		}
	}
}

// round publishes one batch and reports how many rows it handled.
func (r *Relay) round(ctx context.Context) (int, error) {
	if !r.recovered {
		if err := r.recoverLost(ctx); err != nil {
			return 0, fmt.Errorf("recover the stream's lost events: %w", err)
		}
		r.recovered = true
	}
	rows, err := r.store.UnpublishedEvents(ctx, r.opt.Batch)
	if err != nil || len(rows) == 0 {
		if err == nil {
			telemetry.OutboxBacklog.Set(0)
		}
		return 0, err
	}
	acked, pubErr := r.publish(ctx, rows)
	if len(acked) > 0 {
		if err := r.store.MarkPublished(ctx, acked, time.Now().UTC()); err != nil {
			return 0, fmt.Errorf("mark published: %w", err)
		}
		r.published.Add(int64(len(acked)))
		observeRelayed(rows[:len(acked)])
	}
	// What this round found and could not publish: exact when the round
	// was not full, a lower bound (one batch) while JetStream refuses.
	telemetry.OutboxBacklog.Set(float64(len(rows) - len(acked)))
	return len(rows), pubErr
}

// recoverLost republishes the rows published after the stream's last
// event (none unless a power cut took the stream's unsynced tail), before
// anything new is published.
func (r *Relay) recoverLost(ctx context.Context) error {
	st, err := r.js.Stream(ctx, StreamName)
	if err != nil {
		return err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return err
	}
	if info.State.Msgs == 0 {
		return nil // a new or emptied stream: there is no point to resume from
	}
	last, err := st.GetMsg(ctx, info.State.LastSeq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		r.opt.Log.Warn("the stream's last event is gone; not checking for events lost in a power cut", "seq", info.State.LastSeq)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read the stream's last event (seq %d): %w", info.State.LastSeq, err)
	}
	after := last.Header.Get(jetstream.MsgIDHeader)
	total := 0
	for {
		// None when the stream is ahead of the database (restored alone)
		// or its last event left the outbox: nothing is known to follow.
		rows, err := r.store.PublishedAfter(ctx, after, r.opt.Batch)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			break
		}
		acked, err := r.publish(ctx, rows)
		total += len(acked)
		if err != nil {
			return err
		}
		after = rows[len(rows)-1].ID
	}
	if total > 0 {
		r.opt.Log.Warn("republished events the stream had lost (a power cut before JetStream synced them)",
			"events", total, "stream_last_seq", info.State.LastSeq)
	}
	return nil
}

// observeRelayed records the commit-to-PubAck lag of published rows.
func observeRelayed(rows []model.Event) {
	now := time.Now()
	for _, row := range rows {
		telemetry.RelayLag.Observe(now.Sub(row.CreatedAt).Seconds())
	}
	telemetry.RelayPublished.Add(float64(len(rows)))
}

// publish sends rows in order, at most Window of them awaiting their PubAck
// at a time, and returns the seqs of the leading run that the stream
// acknowledged; it stops at the first failure so that order is kept on retry.
func (r *Relay) publish(ctx context.Context, rows []model.Event) ([]int64, error) {
	acked := make([]int64, 0, len(rows))
	for start := 0; start < len(rows); start += r.opt.Window {
		window := rows[start:min(start+r.opt.Window, len(rows))]
		n, err := r.publishWindow(ctx, window)
		for _, row := range window[:n] {
			acked = append(acked, row.Seq)
		}
		if err != nil {
			return acked, err
		}
	}
	return acked, nil
}

// publishWindow pipelines rows and reports how many leading ones were acknowledged.
func (r *Relay) publishWindow(ctx context.Context, rows []model.Event) (int, error) {
	futures := make([]jetstream.PubAckFuture, 0, len(rows))
	spans := make([]trace.Span, 0, len(rows))
	defer func() { // after the acks are in, or not
		for _, span := range spans {
			span.End()
		}
	}()
	for _, row := range rows {
		env, span := r.publishSpan(ctx, row)
		msg, err := Message(env)
		if err != nil {
			telemetry.EndSpan(span, err)
			return 0, err
		}
		f, err := r.js.PublishMsgAsync(msg, jetstream.WithMsgID(row.ID))
		if err != nil {
			telemetry.EndSpan(span, err)
			break
		}
		futures = append(futures, f)
		spans = append(spans, span)
	}
	n, err := awaitAcks(ctx, futures, r.opt.AckTimeout)
	for i, span := range spans {
		if i >= n {
			span.SetStatus(codes.Error, "not acknowledged")
		}
	}
	if err != nil {
		if n < len(futures) {
			err = fmt.Errorf("publish event %s: %w", rows[n].ID, err)
		}
		return n, err
	}
	if len(futures) < len(rows) {
		return n, errors.New("publish: could not queue every event")
	}
	return n, nil
}

// publishSpan starts the publish span of an event written inside a sampled
// trace, a child of the span that wrote it, and returns the envelope
// carrying the publish span's traceparent, so the consumers continue the
// trace under it. Other events go as they are, their traceparent kept.
func (r *Relay) publishSpan(ctx context.Context, row model.Event) (Envelope, trace.Span) {
	env := FromModel(row)
	ctx = telemetry.ContextWithTraceParent(ctx, row.TraceParent)
	ctx, span := telemetry.StartSpan(ctx, "outbox.publish", trace.SpanKindProducer,
		attribute.String("messaging.system", "nats"),
		attribute.String("messaging.destination.name", env.Subject()),
		attribute.String("event.id", row.ID), attribute.String("event.type", row.Type))
	if span.IsRecording() {
		env.Trace = map[string]string{TraceParentHeader: telemetry.TraceParent(ctx)}
	}
	return env, span
}

// awaitAcks waits for the acknowledgements of asynchronous publishes, in
// order, and returns how many came before the first failure (a refusal, no
// answer within timeout, or ctx ending), with that failure.
func awaitAcks(ctx context.Context, futures []jetstream.PubAckFuture, timeout time.Duration) (int, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return i, err
		case <-t.C:
			return i, errors.New("publish: timed out waiting for acks")
		case <-ctx.Done():
			return i, ctx.Err()
		}
	}
	return len(futures), nil
}
