package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Handler does one consumer's work for one event. Returning an error asks
// for redelivery (after a delay); wrap it with Permanent to dead-letter at once.
type Handler func(ctx context.Context, e Envelope) error

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
	// Replicas of the consumer state (3 in a cluster). Default: the stream's.
	Replicas int
	Log      *slog.Logger
}

// permanentError marks a failure that redelivery cannot fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps err so that the consumer dead-letters the event at once.
func Permanent(err error) error { return permanentError{err} }

// Consumer runs a Handler over a durable pull consumer with explicit acks,
// skipping events it already completed (by event id), heartbeating slow
// work, and dead-lettering events that keep failing.
type Consumer struct {
	js      jetstream.JetStream
	opt     ConsumerOptions
	handle  Handler
	done    jetstream.KeyValue
	cons    jetstream.Consumer
	mu      sync.Mutex
	consCtx jetstream.ConsumeContext
	// stopping is set once Stop began; the handler then takes no more work.
	stopping bool
	wg       sync.WaitGroup
	cancel   context.CancelFunc
}

// NewConsumer returns a consumer that is not started.
func NewConsumer(js jetstream.JetStream, opt ConsumerOptions, h Handler) *Consumer {
	if opt.AckWait <= 0 {
		opt.AckWait = 30 * time.Second
	}
	if opt.MaxDeliver <= 0 {
		opt.MaxDeliver = 5
	}
	if opt.Backoff == nil {
		opt.Backoff = []time.Duration{time.Second, 5 * time.Second, 30 * time.Second}
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
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
	cc, err := c.cons.Consume(func(m jetstream.Msg) {
		// Messages may still arrive after Stop began; leave them unacked
		// (redelivered later) rather than race Stop's wait.
		c.mu.Lock()
		if c.stopping {
			c.mu.Unlock()
			return
		}
		c.wg.Add(1)
		c.mu.Unlock()
		defer c.wg.Done()
		c.process(runCtx, m)
	}, jetstream.PullMaxMessages(64))
	if err != nil {
		cancel()
		return fmt.Errorf("consume %s: %w", c.opt.Durable, err)
	}
	c.mu.Lock()
	c.consCtx, c.cancel = cc, cancel
	c.mu.Unlock()
	return nil
}

// setupPatience is how long setup is retried while JetStream cannot
// answer yet: a cluster that is forming, or whose node restarted after a
// crash, elects a leader for each new consumer, bucket and stream, and one
// election can outlast a JetStream API timeout.
const setupPatience = 2 * time.Minute

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
	cfg := jetstream.ConsumerConfig{
		Durable:       c.opt.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.opt.AckWait,
		MaxDeliver:    c.opt.MaxDeliver,
		BackOff:       backoffFor(c.opt.Backoff, c.opt.MaxDeliver),
		MaxAckPending: 256,
		Replicas:      c.opt.Replicas,
	}
	switch len(c.opt.FilterSubjects) {
	case 0:
	case 1:
		cfg.FilterSubject = c.opt.FilterSubjects[0]
	default:
		cfg.FilterSubjects = c.opt.FilterSubjects
	}
	cons, err := c.js.CreateOrUpdateConsumer(ctx, StreamName, cfg)
	if err != nil {
		return fmt.Errorf("create consumer %s: %w", c.opt.Durable, err)
	}
	c.cons = cons
	if c.done, err = c.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: "done_" + c.opt.Durable, TTL: 8 * 24 * time.Hour, Replicas: c.opt.Replicas,
		Description: "event ids that consumer " + c.opt.Durable + " has completed",
	}); err != nil {
		return fmt.Errorf("create completion bucket for %s: %w", c.opt.Durable, err)
	}
	if _, err := c.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: DeadLetterStream, Subjects: []string{"fc.dlq.>"}, MaxAge: 30 * 24 * time.Hour, Replicas: c.opt.Replicas,
	}); err != nil {
		return fmt.Errorf("create dead-letter stream: %w", err)
	}
	return nil
}

// backoffFor makes the server's BackOff list valid: it may not be longer than MaxDeliver.
func backoffFor(b []time.Duration, maxDeliver int) []time.Duration {
	if len(b) > maxDeliver {
		return b[:maxDeliver]
	}
	return b
}

// Stop stops fetching, waits for the event in hand, and is idempotent.
func (c *Consumer) Stop(ctx context.Context) error {
	c.mu.Lock()
	cc, cancel := c.consCtx, c.cancel
	c.consCtx, c.cancel = nil, nil
	c.stopping = cc != nil
	c.mu.Unlock()
	if cc == nil {
		return nil
	}
	cc.Stop()
	waited := make(chan struct{})
	go func() { c.wg.Wait(); close(waited) }()
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

func (c *Consumer) process(ctx context.Context, m jetstream.Msg) {
	e, err := Decode(m.Data())
	if err != nil {
		c.deadLetter(ctx, m, Envelope{}, Permanent(err))
		return
	}
	if c.completed(ctx, e.ID) {
		c.ack(ctx, m, e)
		return
	}
	err = c.run(ctx, m, e)
	if err == nil {
		c.markCompleted(ctx, e.ID)
		c.ack(ctx, m, e)
		return
	}
	meta, _ := m.Metadata()
	var perm permanentError
	if errors.As(err, &perm) || (meta != nil && int(meta.NumDelivered) >= c.opt.MaxDeliver) {
		c.deadLetter(ctx, m, e, err)
		return
	}
	c.opt.Log.Warn("event handler failed; will retry", "event_id", e.ID, "type", e.Type, "err", err)
	_ = m.Nak()
}

// run calls the handler while telling the server the work is in progress.
func (c *Consumer) run(ctx context.Context, m jetstream.Msg, e Envelope) error {
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // owned: ends with hctx when the handler returns
		t := time.NewTicker(c.opt.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				_ = m.InProgress()
			}
		}
	}()
	return c.handle(hctx, e)
}

func (c *Consumer) completed(ctx context.Context, id string) bool {
	_, err := c.done.Get(ctx, id)
	return err == nil
}

func (c *Consumer) markCompleted(ctx context.Context, id string) {
	if _, err := c.done.Put(ctx, id, []byte{1}); err != nil {
		c.opt.Log.Warn("record completed event", "event_id", id, "err", err)
	}
}

func (c *Consumer) ack(ctx context.Context, m jetstream.Msg, e Envelope) {
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := m.DoubleAck(actx); err != nil {
		c.opt.Log.Warn("ack event", "event_id", e.ID, "err", err)
	}
}

func (c *Consumer) deadLetter(ctx context.Context, m jetstream.Msg, e Envelope, cause error) {
	c.opt.Log.Error("event dead-lettered", "event_id", e.ID, "type", e.Type, "err", cause)
	dl := nats.NewMsg("fc.dlq." + c.opt.Durable)
	dl.Data = m.Data()
	dl.Header.Set("Fc-Consumer", c.opt.Durable)
	dl.Header.Set("Fc-Error", cause.Error())
	dl.Header.Set("Fc-Subject", m.Subject())
	if meta, err := m.Metadata(); err == nil {
		dl.Header.Set("Fc-Stream-Seq", strconv.FormatUint(meta.Sequence.Stream, 10))
	}
	if _, err := c.js.PublishMsg(ctx, dl); err != nil {
		c.opt.Log.Error("publish dead letter; leaving event for redelivery", "event_id", e.ID, "err", err)
		_ = m.Nak()
		return
	}
	_ = m.Term()
}
