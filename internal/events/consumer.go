package events

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

	"github.com/fechatter/fechatter/internal/telemetry"
)

// Handler does one consumer's work for one event. Returning an error asks
// for redelivery (after a delay); wrap it with Permanent to dead-letter at once.
type Handler func(ctx context.Context, e Envelope) error

// BatchHandler does a consumer's work for several events, in stream order,
// as one unit (one index write for a whole batch, say). nil means every
// event was applied. An error means some may have been: the consumer then
// hands the events over again one at a time, to find the one that fails,
// so effects must be idempotent.
type BatchHandler func(ctx context.Context, batch []Envelope) error

// DeadLetterStream keeps events that a consumer gave up on, with the reason.
const DeadLetterStream = "EVENTS_DLQ"

// ConsumerOptions configure a durable pull consumer on EVENTS.
type ConsumerOptions struct {
	// Durable names the consumer; nodes sharing it share the work.
	Durable string
	// FilterSubjects narrows the events; empty means all.
	FilterSubjects []string
	// AckWait is how long an event may be in progress before redelivery;
	// handlers that take longer get InProgress heartbeats. Default: 30s.
	AckWait time.Duration
	// MaxDeliver bounds redelivery before the event is dead-lettered. Default: 5.
	MaxDeliver int
	// Backoff spaces redeliveries. Default: 1s, 5s, 30s.
	Backoff []time.Duration
	// MaxBatch is the most events handed to a BatchHandler at once: as
	// many as have arrived, never waiting for more. Default: 1 for a
	// Handler, 256 for a BatchHandler.
	MaxBatch int
	// Linger is how long a batch waits, after its first event, for more to
	// arrive (up to MaxBatch). Default 0: take what is there. A handler
	// whose cost is per call rather than per event (an index write) trades
	// this much delay for fewer calls.
	Linger time.Duration
	// Replicas of the consumer state (3 in a cluster). Default: the stream's.
	Replicas int
	// DeliverNew makes a consumer created for the first time start with
	// the events published after it, not with the stream's history: for
	// work that only makes sense live (the assistant answering a mention
	// must not answer a week of old ones when it is first turned on).
	// Default false.
	DeliverNew bool
	Log        *slog.Logger
}

// permanentError marks a failure that redelivery cannot fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps err so that the consumer dead-letters the event at once.
func Permanent(err error) error { return permanentError{err} }

// Consumer runs a handler over a durable pull consumer with explicit acks,
// skipping events it already completed (by event id), heartbeating slow
// work, and dead-lettering events that keep failing. Events are handled by
// one worker, in the order they arrive, in batches of what has arrived.
type Consumer struct {
	js     jetstream.JetStream
	opt    ConsumerOptions
	handle BatchHandler
	done   jetstream.Stream // completion records, one subject per event id
	cons   jetstream.Consumer
	inbox  chan jetstream.Msg

	mu      sync.Mutex
	consCtx jetstream.ConsumeContext
	quit    chan struct{} // closed when Stop begins
	wg      sync.WaitGroup
	cancel  context.CancelFunc
}

// NewConsumer returns a consumer of one event at a time, not started.
func NewConsumer(js jetstream.JetStream, opt ConsumerOptions, h Handler) *Consumer {
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 1
	}
	return NewBatchConsumer(js, opt, func(ctx context.Context, batch []Envelope) error {
		for _, e := range batch {
			if err := h(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// NewBatchConsumer returns a consumer that hands events over in batches,
// not started.
func NewBatchConsumer(js jetstream.JetStream, opt ConsumerOptions, h BatchHandler) *Consumer {
	if opt.AckWait <= 0 {
		opt.AckWait = 30 * time.Second
	}
	if opt.MaxDeliver <= 0 {
		opt.MaxDeliver = 5
	}
	if opt.Backoff == nil {
		opt.Backoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second}
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 256
	}
	if opt.Log == nil {
		opt.Log = telemetry.DefaultLogger()
	}
	opt.Log = opt.Log.With("consumer", opt.Durable)
	return &Consumer{js: js, opt: opt, handle: h}
}

// Start creates (or updates) the durable consumer and begins consuming.
func (c *Consumer) Start(ctx context.Context) error {
	if err := c.setupPatiently(ctx); err != nil {
		return err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	quit := make(chan struct{})
	c.inbox = make(chan jetstream.Msg, c.opt.MaxBatch)
	cc, err := c.cons.Consume(func(m jetstream.Msg) {
		// After Stop began, leave messages unacked (redelivered later).
		select {
		case c.inbox <- m:
		case <-quit:
		}
	}, jetstream.PullMaxMessages(max(64, c.opt.MaxBatch)))
	if err != nil {
		cancel()
		return fmt.Errorf("consume %s: %w", c.opt.Durable, err)
	}
	c.mu.Lock()
	c.consCtx, c.cancel, c.quit = cc, cancel, quit
	c.mu.Unlock()
	c.wg.Add(1)
	go c.work(runCtx, quit) // owned: Stop closes quit and waits
	return nil
}

// work handles what arrives, in batches of what is there, until quit.
func (c *Consumer) work(ctx context.Context, quit <-chan struct{}) {
	defer c.wg.Done()
	for {
		var batch []jetstream.Msg
		select {
		case m := <-c.inbox:
			batch = append(batch, m)
		case <-quit:
			select { // what was handed over before the stop is still done
			case m := <-c.inbox:
				batch = append(batch, m)
			default:
				return
			}
		}
		batch = c.fill(batch, quit)
		c.processBatch(ctx, batch)
	}
}

// setupPatience is how long setup is retried while JetStream cannot
// answer yet: a cluster that is forming, or whose node restarted after a
// crash, elects a leader for each new consumer, bucket and stream, and one
// election can outlast a JetStream API timeout.
const setupPatience = 2 * time.Minute

// fill adds to batch what has arrived, up to MaxBatch, waiting up to Linger
// for more.
func (c *Consumer) fill(batch []jetstream.Msg, quit <-chan struct{}) []jetstream.Msg {
	var linger <-chan time.Time
	if c.opt.Linger > 0 {
		t := time.NewTimer(c.opt.Linger)
		defer t.Stop()
		linger = t.C
	}
	for len(batch) < c.opt.MaxBatch {
		if linger == nil {
			select {
			case m := <-c.inbox:
				batch = append(batch, m)
				continue
			default:
				return batch
			}
		}
		select {
		case m := <-c.inbox:
			batch = append(batch, m)
		case <-linger:
			return batch
		case <-quit:
			return batch
		}
	}
	return batch
}

func (c *Consumer) setupPatiently(ctx context.Context) error {
	deadline := time.Now().Add(setupPatience)
	for {
		err := c.setup(ctx)
		if err == nil || !transient(err) || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		c.opt.Log.Info("waiting for JetStream (cluster forming?)", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// transient reports whether a JetStream API error may go away by itself:
// no answer in time, nobody to answer, or JetStream unavailable for now.
func transient(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.Code == 503 {
		return true
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse)
}

func (c *Consumer) setup(ctx context.Context) error {
	cons, err := ensureConsumer(ctx, c.js, c.config())
	if err != nil {
		return fmt.Errorf("create consumer %s: %w", c.opt.Durable, err)
	}
	c.cons = cons
	if c.done, err = ensureStream(ctx, c.js, c.completionConfig()); err != nil {
		return fmt.Errorf("create completion records for %s: %w", c.opt.Durable, err)
	}
	if _, err := ensureStream(ctx, c.js, c.deadLetterConfig()); err != nil {
		return fmt.Errorf("create dead-letter stream: %w", err)
	}
	return nil
}

// config is the durable consumer's configuration.
func (c *Consumer) config() jetstream.ConsumerConfig {
	cfg := jetstream.ConsumerConfig{
		Durable:       c.opt.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.opt.AckWait,
		MaxDeliver:    c.opt.MaxDeliver,
		BackOff:       backoffFor(c.opt.Backoff, c.opt.MaxDeliver),
		MaxAckPending: max(256, 2*c.opt.MaxBatch),
		Replicas:      c.opt.Replicas,
	}
	if c.opt.DeliverNew {
		cfg.DeliverPolicy = jetstream.DeliverNewPolicy
	}
	switch len(c.opt.FilterSubjects) {
	case 0:
	case 1:
		cfg.FilterSubject = c.opt.FilterSubjects[0]
	default:
		cfg.FilterSubjects = c.opt.FilterSubjects
	}
	return cfg
}

// deadLetterConfig is the stream of events consumers gave up on.
func (c *Consumer) deadLetterConfig() jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name: DeadLetterStream, Subjects: []string{"fc.dlq.>"}, MaxAge: 30 * 24 * time.Hour, Replicas: c.opt.Replicas,
	}
}

// ensureConsumer creates the durable consumer of EVENTS, or updates it,
// unless it exists with want's settings already: an update rewrites and
// fsyncs its state file even when nothing changed, a few ms per consumer
// at every start.
func ensureConsumer(ctx context.Context, js jetstream.JetStream, want jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	if cons, err := js.Consumer(ctx, StreamName, want.Durable); err == nil && sameConsumer(cons.CachedInfo().Config, want) {
		return cons, nil
	}
	return js.CreateOrUpdateConsumer(ctx, StreamName, want)
}

// sameConsumer reports whether have has every setting setup gives want
// (the server reports one replica as 0 or 1, and with a BackOff list its
// first step as the AckWait).
func sameConsumer(have, want jetstream.ConsumerConfig) bool {
	ackWait := want.AckWait
	if len(want.BackOff) > 0 {
		ackWait = want.BackOff[0]
	}
	return have.Durable == want.Durable && have.DeliverPolicy == want.DeliverPolicy &&
		have.AckPolicy == want.AckPolicy && have.AckWait == ackWait && have.MaxDeliver == want.MaxDeliver &&
		slices.Equal(have.BackOff, want.BackOff) && have.MaxAckPending == want.MaxAckPending &&
		have.FilterSubject == want.FilterSubject && slices.Equal(have.FilterSubjects, want.FilterSubjects) &&
		(have.Replicas == want.Replicas || have.Replicas <= 1 && want.Replicas <= 1)
}

// ensureStream creates or updates a stream that a consumer keeps beside
// EVENTS, unless it exists with want's settings already (see ensureConsumer).
func ensureStream(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig) (jetstream.Stream, error) {
	if s, err := js.Stream(ctx, want.Name); err == nil && sameStream(s.CachedInfo().Config, want) {
		return s, nil
	}
	return js.CreateOrUpdateStream(ctx, want)
}

// sameStream reports whether have has every setting that completionConfig
// and the dead-letter stream set (0 per-subject limit: none, as the
// server reports it, -1).
func sameStream(have, want jetstream.StreamConfig) bool {
	perSubject := want.MaxMsgsPerSubject
	if perSubject == 0 {
		perSubject = -1
	}
	return have.Description == want.Description && slices.Equal(have.Subjects, want.Subjects) &&
		have.MaxMsgsPerSubject == perSubject && have.MaxAge == want.MaxAge && have.Storage == want.Storage &&
		have.AllowDirect == want.AllowDirect && have.Discard == want.Discard && have.PersistMode == want.PersistMode &&
		(have.Replicas == want.Replicas || have.Replicas <= 1 && want.Replicas <= 1)
}

// backoffFor makes the server's BackOff list valid: it may not be longer than MaxDeliver.
func backoffFor(b []time.Duration, maxDeliver int) []time.Duration {
	if len(b) > maxDeliver {
		return b[:maxDeliver]
	}
	return b
}

// Stop stops fetching, handles what was already fetched (until ctx ends),
// and is idempotent.
func (c *Consumer) Stop(ctx context.Context) error {
	c.mu.Lock()
	cc, cancel, quit := c.consCtx, c.cancel, c.quit
	c.consCtx, c.cancel, c.quit = nil, nil, nil
	c.mu.Unlock()
	if cc == nil {
		return nil
	}
	// Drain hands over what the client already buffered and then stops,
	// so fewer events are left to a redelivery that could come out of order.
	cc.Drain()
	select {
	case <-cc.Closed():
	case <-ctx.Done():
	}
	close(quit)
	waited := make(chan struct{})
	go func() { c.wg.Wait(); close(waited) }() // ends when the worker does
	select {
	case <-waited:
	case <-ctx.Done():
	}
	cancel()
	return nil
}

// Lag is how many events the consumer has not yet been handed.
func (c *Consumer) Lag(ctx context.Context) (uint64, error) {
	if c.cons == nil {
		return 0, errors.New("consumer not started")
	}
	info, err := c.cons.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.NumPending + uint64(info.NumAckPending), nil
}

// completionConfig is the stream of completion records: one message per
// completed event id (the last one per subject is kept), for as long as the
// event stream can redeliver. On a single node it flushes in the background
// instead of fsyncing each write (JetStream's SyncAlways applies to every
// file stream): the records only spare a redelivered event a second
// application, and every handler is idempotent, so a power cut that loses
// the last few costs nothing but repeated work. That halves the fsyncs per
// consumed event. Replicated streams refuse async persistence, and Raft
// relaxes their syncing anyway.
func (c *Consumer) completionConfig() jetstream.StreamConfig {
	cfg := jetstream.StreamConfig{
		Name:              doneStream(c.opt.Durable),
		Description:       "event ids that consumer " + c.opt.Durable + " has completed",
		Subjects:          []string{doneSubjectPrefix(c.opt.Durable) + ">"},
		MaxMsgsPerSubject: 1,
		MaxAge:            8 * 24 * time.Hour,
		Storage:           jetstream.FileStorage,
		Replicas:          c.opt.Replicas,
		AllowDirect:       true,
		Discard:           jetstream.DiscardOld,
	}
	if c.opt.Replicas <= 1 {
		cfg.PersistMode = jetstream.AsyncPersistMode
	}
	return cfg
}

// Patiently runs step, each try bounded to 5s, until it succeeds, fails
// with an error that will not go away by itself, ctx ends or the setup
// patience runs out: for streams and consumers other packages create on
// a cluster that may still be electing its leaders.
func Patiently(ctx context.Context, log *slog.Logger, what string, step func(context.Context) error) error {
	deadline := time.Now().Add(setupPatience)
	for {
		tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := step(tctx)
		cancel()
		if err == nil || !transient(err) || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		log.Info("waiting for JetStream (cluster forming?)", "what", what, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
