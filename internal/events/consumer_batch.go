package events

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// pending is an event handed to the consumer and not yet settled.
type pending struct {
	msg jetstream.Msg
	env Envelope
	// ctx carries the event id and the trace the event was written in, so
	// the handler's span continues it and log lines carry both.
	ctx context.Context
}

// eventContext is ctx carrying e's id and the trace context of m.
func eventContext(ctx context.Context, m jetstream.Msg, e Envelope) context.Context {
	ctx = telemetry.ContextWithTraceParent(ctx, TraceParent(m.Headers(), e))
	return telemetry.WithEventID(ctx, e.ID)
}

// processBatch skips what was completed before, hands the rest to the
// handler as one batch and settles each event. When the batch fails, its
// events are handled again one at a time, so one bad event is retried or
// dead-lettered alone and the others go through.
func (c *Consumer) processBatch(ctx context.Context, msgs []jetstream.Msg) {
	due := make([]pending, 0, len(msgs))
	for _, m := range msgs {
		e, err := Decode(m.Data())
		if err != nil {
			c.deadLetter(ctx, m, Envelope{}, Permanent(err))
			continue
		}
		p := pending{m, e, eventContext(ctx, m, e)}
		if c.completed(ctx, e.ID) {
			c.ack(ctx, []pending{p})
			continue
		}
		due = append(due, p)
	}
	if len(due) == 0 {
		return
	}
	err := c.run(ctx, due)
	if err == nil || len(due) == 1 {
		c.settle(ctx, due, err)
		return
	}
	c.opt.Log.InfoContext(ctx, "batch failed; handling its events one at a time", "events", len(due), "err", err)
	for i := range due {
		one := due[i : i+1]
		c.settle(ctx, one, c.run(ctx, one))
	}
}

// settle records and acks the events of a successful run, or decides the
// fate of the one event of a failed run: retry later or dead-letter.
func (c *Consumer) settle(ctx context.Context, ps []pending, err error) {
	if err == nil {
		c.markCompleted(ctx, ps)
		c.ack(ctx, ps)
		if c.opt.Log.Enabled(ctx, slog.LevelDebug) {
			for _, p := range ps {
				c.opt.Log.DebugContext(p.ctx, "event handled", "consumer", c.opt.Durable, "type", p.env.Type)
			}
		}
		return
	}
	p := ps[0]
	meta, _ := p.msg.Metadata()
	var perm permanentError
	if errors.As(err, &perm) || (meta != nil && int(meta.NumDelivered) >= c.opt.MaxDeliver) {
		c.deadLetter(p.ctx, p.msg, p.env, err)
		return
	}
	c.opt.Log.WarnContext(p.ctx, "event handler failed; will retry", "type", p.env.Type, "err", err)
	_ = p.msg.Nak()
}

// run calls the handler while telling the server the work is in progress,
// each event under a span continuing the trace it was written in. A batch
// of one event hands the handler that span's context (its storage spans
// and log lines join the trace); a larger one, ctx.
func (c *Consumer) run(ctx context.Context, ps []pending) (err error) {
	spans := make([]trace.Span, len(ps))
	for i, p := range ps {
		var sctx context.Context
		sctx, spans[i] = telemetry.StartSpan(p.ctx, c.opt.Durable+" process", trace.SpanKindConsumer,
			attribute.String("messaging.system", "nats"), attribute.String("messaging.consumer.group.name", c.opt.Durable),
			attribute.String("event.id", p.env.ID), attribute.String("event.type", p.env.Type))
		if len(ps) == 1 {
			ctx = sctx
		}
	}
	defer func() {
		for _, span := range spans {
			telemetry.EndSpan(span, err)
		}
	}()
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
				for _, p := range ps {
					_ = p.msg.InProgress()
				}
			}
		}
	}()
	batch := make([]Envelope, len(ps))
	for i, p := range ps {
		batch[i] = p.env
	}
	return c.handle(hctx, batch)
}

func (c *Consumer) completed(ctx context.Context, id string) bool {
	_, err := c.done.GetLastMsgForSubject(ctx, c.doneSubject(id))
	return err == nil
}

// markCompleted records the events' ids in the completion records, all
// published at once and then awaited, so a batch costs one round of
// acknowledgements rather than one per event. A record that fails is only
// logged: the worst case is that a redelivery is applied again, which
// handlers must tolerate anyway.
func (c *Consumer) markCompleted(ctx context.Context, ps []pending) {
	futs := make([]jetstream.PubAckFuture, 0, len(ps))
	for _, p := range ps {
		f, err := c.js.PublishAsync(c.doneSubject(p.env.ID), []byte{1})
		if err != nil {
			c.opt.Log.Warn("record completed event", "event_id", p.env.ID, "err", err)
			continue
		}
		futs = append(futs, f)
	}
	if _, err := awaitAcks(ctx, futs, 5*time.Second); err != nil {
		c.opt.Log.Warn("record completed events", "err", err)
	}
}

// doneSubject is where an event id's completion record is kept.
func (c *Consumer) doneSubject(id string) string { return doneSubjectPrefix(c.opt.Durable) + id }

func doneSubjectPrefix(durable string) string { return "fc.done." + durable + "." }

func doneStream(durable string) string { return "DONE_" + durable }

// ack acknowledges the events in order: plain acks, then a double ack of
// the last one, which the server answers only after it processed the ones
// before it on this connection.
func (c *Consumer) ack(ctx context.Context, ps []pending) {
	for _, p := range ps[:len(ps)-1] {
		if err := p.msg.Ack(); err != nil {
			c.opt.Log.WarnContext(p.ctx, "ack event", "err", err)
		}
	}
	last := ps[len(ps)-1]
	actx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := last.msg.DoubleAck(actx); err != nil {
		c.opt.Log.WarnContext(last.ctx, "ack event", "err", err)
	}
}

func (c *Consumer) deadLetter(ctx context.Context, m jetstream.Msg, e Envelope, cause error) {
	if e.ID != "" && telemetry.EventID(ctx) == "" {
		ctx = telemetry.WithEventID(ctx, e.ID)
	}
	c.opt.Log.ErrorContext(ctx, "event dead-lettered", "type", e.Type, "err", cause)
	dl := nats.NewMsg("fc.dlq." + c.opt.Durable)
	dl.Data = m.Data()
	dl.Header.Set("Fc-Consumer", c.opt.Durable)
	dl.Header.Set("Fc-Error", cause.Error())
	dl.Header.Set("Fc-Subject", m.Subject())
	if meta, err := m.Metadata(); err == nil {
		dl.Header.Set("Fc-Stream-Seq", strconv.FormatUint(meta.Sequence.Stream, 10))
	}
	if _, err := c.js.PublishMsg(ctx, dl); err != nil {
		c.opt.Log.ErrorContext(ctx, "publish dead letter; leaving event for redelivery", "err", err)
		_ = m.Nak()
		return
	}
	_ = m.Term()
}
