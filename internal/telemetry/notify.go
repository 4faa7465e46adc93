package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// AlertNotifier delivers built-in alert notices somewhere: the admins'
// direct messages, a webhook. An error makes the sampler retry later.
type AlertNotifier interface {
	NotifyAlert(ctx context.Context, n AlertNotice) error
}

// AlertNotifierFunc adapts a function to AlertNotifier.
type AlertNotifierFunc func(ctx context.Context, n AlertNotice) error

// NotifyAlert calls f.
func (f AlertNotifierFunc) NotifyAlert(ctx context.Context, n AlertNotice) error { return f(ctx, n) }

// Notice delivery: how many notices may wait per notifier, how often one
// is tried, and the first wait between tries (doubled each time, at most
// maxRetryWait).
const (
	noticeQueueSize = 64
	noticeAttempts  = 6
	maxRetryWait    = time.Minute
)

// noticeQueue delivers notices to one notifier from its own goroutine, in
// order, retrying each with exponential backoff. Enqueue never blocks: a
// full queue drops the notice and logs it, so alerting can never slow
// serving.
type noticeQueue struct {
	name      string
	notifier  AlertNotifier
	firstWait time.Duration
	log       *slog.Logger
	ch        chan AlertNotice
	done      chan struct{}
}

func newNoticeQueue(name string, n AlertNotifier, firstWait time.Duration, log *slog.Logger) *noticeQueue {
	return &noticeQueue{name: name, notifier: n, firstWait: firstWait, log: log,
		ch: make(chan AlertNotice, noticeQueueSize), done: make(chan struct{})}
}

// enqueue hands n to the queue's goroutine without waiting.
func (q *noticeQueue) enqueue(n AlertNotice) {
	select {
	case q.ch <- n:
	default:
		q.log.Warn("alert notice dropped: queue full", "notifier", q.name, "alert", n.Alert, "state", n.State)
	}
}

// run delivers until ctx ends.
func (q *noticeQueue) run(ctx context.Context) {
	defer close(q.done)
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-q.ch:
			q.deliver(ctx, n)
		}
	}
}

func (q *noticeQueue) deliver(ctx context.Context, n AlertNotice) {
	wait := q.firstWait
	for attempt := 1; ; attempt++ {
		err := q.notifier.NotifyAlert(ctx, n)
		if err == nil {
			return
		}
		if attempt == noticeAttempts || ctx.Err() != nil {
			q.log.Error("alert notice not delivered", "notifier", q.name, "alert", n.Alert, "state", n.State,
				"attempts", attempt, "err", err)
			return
		}
		q.log.Warn("alert notice failed; retrying", "notifier", q.name, "alert", n.Alert, "attempt", attempt,
			"retry_in", wait, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, maxRetryWait)
	}
}

// Webhook POSTs notices as JSON (AlertNotice) to a URL; any 2xx is
// success.
type Webhook struct {
	URL    string
	Client *http.Client
}

// webhookTimeout bounds one POST.
const webhookTimeout = 10 * time.Second

// NotifyAlert POSTs n.
func (w Webhook) NotifyAlert(ctx context.Context, n AlertNotice) error {
	body, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("encode notice: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "fechatter-alerts")
	client := w.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// noticeQueues runs one queue per notifier.
type noticeQueues struct {
	queues []*noticeQueue
	wg     sync.WaitGroup
}

func (qs *noticeQueues) start(ctx context.Context) {
	for _, q := range qs.queues {
		qs.wg.Add(1)
		go func() { defer qs.wg.Done(); q.run(ctx) }()
	}
}

func (qs *noticeQueues) send(n AlertNotice) {
	for _, q := range qs.queues {
		q.enqueue(n)
	}
}
