package integ

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
)

// Streams and consumers of the outgoing webhooks. The fan-out consumer
// reads new messages from EVENTS and queues one delivery per matching
// webhook in DeliveryStream (deduplicated by event and webhook); the
// delivery consumer sends each, retrying with backoff until MaxDeliver.
const (
	FanoutDurable   = "webhooks"
	DeliveryStream  = "WEBHOOKS"
	DeliveryDurable = "webhook-delivery"
	deliverySubject = "fc.hooks.deliver"
)

// delivery is one queued request to an outgoing webhook.
type delivery struct {
	EventID   string        `json:"event_id"`
	HookID    int64         `json:"hook_id"`
	Workspace int64         `json:"workspace_id"`
	Message   model.Message `json:"message"`
	Trigger   string        `json:"trigger_word,omitempty"`
}

// OutgoingPayload is the JSON body POSTed to an outgoing webhook.
type OutgoingPayload struct {
	EventID     string    `json:"event_id"`
	Type        string    `json:"type"`
	WebhookID   int64     `json:"webhook_id"`
	WorkspaceID int64     `json:"workspace_id"`
	ChatID      int64     `json:"chat_id"`
	MessageID   int64     `json:"message_id"`
	Seq         int64     `json:"seq"`
	Text        string    `json:"text"`
	TriggerWord string    `json:"trigger_word,omitempty"`
	UserID      int64     `json:"user_id"`
	Username    string    `json:"username"`
	CreatedAt   time.Time `json:"created_at"`
	Timestamp   int64     `json:"timestamp"`
}

// reply is what a webhook or a slash command may answer.
type reply struct {
	Text         string `json:"text"`
	ResponseType string `json:"response_type"`
}

// Start creates the delivery stream and runs both consumers; without
// JetStream it does nothing.
func (s *Service) Start(ctx context.Context) error {
	if s.js == nil {
		return nil
	}
	// A forming cluster may take a while to elect the stream's leader.
	err := events.Patiently(ctx, s.log, "stream "+DeliveryStream, func(ctx context.Context) error {
		_, err := s.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
			Name: DeliveryStream, Description: "outgoing webhook deliveries waiting to succeed",
			Subjects: []string{deliverySubject}, Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
			MaxAge: 7 * 24 * time.Hour, Replicas: max(s.cfg.Replicas, 1), Duplicates: 10 * time.Minute,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("create stream %s: %w", DeliveryStream, err)
	}
	var cons jetstream.Consumer
	err = events.Patiently(ctx, s.log, "consumer "+DeliveryDurable, func(ctx context.Context) (err error) {
		cons, err = s.js.CreateOrUpdateConsumer(ctx, DeliveryStream, jetstream.ConsumerConfig{
			Durable: DeliveryDurable, AckPolicy: jetstream.AckExplicitPolicy, MaxDeliver: s.cfg.MaxDeliver,
			AckWait: s.cfg.DeliveryTimeout + 20*time.Second, Replicas: s.cfg.Replicas, MaxAckPending: 64,
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("create consumer %s: %w", DeliveryDurable, err)
	}
	cc, err := cons.Consume(s.onDelivery)
	if err != nil {
		return fmt.Errorf("consume %s: %w", DeliveryDurable, err)
	}
	fanout := events.NewBatchConsumer(s.js, events.ConsumerOptions{
		Durable: FanoutDurable, FilterSubjects: []string{events.SubjectPrefix + ".*.*." + model.EventMessageCreated},
		Replicas: s.cfg.Replicas, DeliverNew: true, Log: s.log,
	}, s.fanOutBatch)
	if err := fanout.Start(ctx); err != nil {
		cc.Stop()
		return err
	}
	s.mu.Lock()
	s.fanout, s.deliver = fanout, cc
	s.mu.Unlock()
	return nil
}

// Stop stops both consumers; it is idempotent. Deliveries in flight are
// retried after a restart.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	fanout, cc := s.fanout, s.deliver
	s.fanout, s.deliver = nil, nil
	s.mu.Unlock()
	if cc != nil {
		cc.Drain()
		select {
		case <-cc.Closed():
		case <-ctx.Done():
		}
	}
	if fanout != nil {
		return fanout.Stop(ctx)
	}
	return nil
}

// fanOutBatch fans out a batch of new messages, reading each workspace's
// outgoing webhooks once per batch rather than once per message (under
// load that read was most of this consumer's CPU).
func (s *Service) fanOutBatch(ctx context.Context, batch []events.Envelope) error {
	hooks := map[int64][]model.Integration{}
	for _, e := range batch {
		if err := s.fanOut(ctx, e, hooks); err != nil {
			return err
		}
	}
	return nil
}

// fanOut queues a delivery for every outgoing webhook a new message
// matches: one set on its chat, whose trigger words (if any) it starts
// with. Bots' messages are not sent, so two integrations never answer
// each other forever. known holds the hooks of workspaces read before.
func (s *Service) fanOut(ctx context.Context, e events.Envelope, known map[int64][]model.Integration) error {
	if e.Type != model.EventMessageCreated {
		return nil
	}
	p, err := events.PayloadAs[events.MessageEvent](e)
	if err != nil {
		return events.Permanent(err)
	}
	m := p.Message
	if m.Sender.IsBot || m.Deleted {
		return nil
	}
	hooks, ok := known[e.WorkspaceID]
	if !ok {
		var err error
		if hooks, err = s.store.Integrations(ctx, e.WorkspaceID, model.IntegrationOutgoing); err != nil {
			return err
		}
		known[e.WorkspaceID] = hooks
	}
	for _, h := range hooks {
		if !slices.Contains(h.ChatIDs, m.ChatID) {
			continue
		}
		word, ok := triggered(h.TriggerWords, m.Content)
		if !ok {
			continue
		}
		d, _ := json.Marshal(delivery{EventID: e.ID, HookID: h.ID, Workspace: e.WorkspaceID, Message: m, Trigger: word})
		id := e.ID + "." + strconv.FormatInt(h.ID, 10)
		if _, err := s.js.Publish(ctx, deliverySubject, d, jetstream.WithMsgID(id)); err != nil {
			return fmt.Errorf("queue webhook delivery: %w", err)
		}
	}
	return nil
}

// triggered reports whether content starts with one of words (any
// content, when there are none), and which.
func triggered(words []string, content string) (string, bool) {
	if len(words) == 0 {
		return "", true
	}
	first := strings.ToLower(strings.TrimLeftFunc(content, unicode.IsSpace))
	for _, w := range words {
		if rest, ok := strings.CutPrefix(first, w); ok && (rest == "" || unicode.IsSpace([]rune(rest)[0]) || unicode.IsPunct([]rune(rest)[0])) {
			return w, true
		}
	}
	return "", false
}

// errPermanent marks a delivery that retrying cannot fix.
var errPermanent = errors.New("permanent")

// onDelivery sends one queued delivery: ack on success, terminate when it
// cannot succeed, otherwise a NAK delayed by the backoff of its attempt.
func (s *Service) onDelivery(msg jetstream.Msg) {
	var d delivery
	if err := json.Unmarshal(msg.Data(), &d); err != nil {
		_ = msg.Term()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.DeliveryTimeout+10*time.Second)
	defer cancel()
	err := s.deliverOnce(ctx, d)
	if err == nil {
		_ = msg.Ack()
		return
	}
	attempt := 1
	if md, mdErr := msg.Metadata(); mdErr == nil {
		attempt = int(md.NumDelivered)
	}
	if errors.Is(err, errPermanent) || attempt >= s.cfg.MaxDeliver {
		s.log.Warn("outgoing webhook gave up", "hook_id", d.HookID, "event_id", d.EventID, "attempt", attempt, "error", err)
		_ = msg.Term()
		return
	}
	delay := s.cfg.Backoff[min(attempt-1, len(s.cfg.Backoff)-1)]
	s.log.Info("outgoing webhook will retry", "hook_id", d.HookID, "event_id", d.EventID, "attempt", attempt, "in", delay, "error", err)
	_ = msg.NakWithDelay(delay)
}

// deliverOnce POSTs d to its webhook and posts the answer's text, if any,
// as the webhook's bot (once per event, by its client id).
func (s *Service) deliverOnce(ctx context.Context, d delivery) error {
	hook, err := s.hook(ctx, d.Workspace, d.HookID)
	if err != nil {
		return err
	}
	ts := s.now().Unix()
	body, _ := json.Marshal(OutgoingPayload{
		EventID: d.EventID, Type: model.EventMessageCreated, WebhookID: hook.ID, WorkspaceID: d.Workspace,
		ChatID: d.Message.ChatID, MessageID: d.Message.ID, Seq: d.Message.Seq, Text: d.Message.Content,
		TriggerWord: d.Trigger, UserID: d.Message.Sender.ID, Username: d.Message.Sender.Username,
		CreatedAt: d.Message.CreatedAt, Timestamp: ts,
	})
	ctx, cancel := context.WithTimeout(ctx, s.cfg.DeliveryTimeout)
	defer cancel()
	r, err := s.post(ctx, hook, d.EventID, ts, body)
	if err != nil {
		return err
	}
	if r.Text == "" {
		return nil
	}
	_, _, err = s.chat.PostAsBot(ctx, hook.BotID, d.Message.ChatID, chat.SendMessageInput{
		Content: r.Text, ClientID: "hook:" + d.EventID + ":" + strconv.FormatInt(hook.ID, 10),
	})
	if err != nil && (chat.IsNotFound(err) || chat.IsConflict(err)) {
		return fmt.Errorf("post webhook reply: %w: %w", errPermanent, err)
	}
	return err
}

// hook loads an outgoing webhook; a deleted one is permanent.
func (s *Service) hook(ctx context.Context, wsID, id int64) (model.Integration, error) {
	hooks, err := s.store.Integrations(ctx, wsID, model.IntegrationOutgoing)
	if err != nil {
		return model.Integration{}, err
	}
	for _, h := range hooks {
		if h.ID == id {
			return h, nil
		}
	}
	return model.Integration{}, fmt.Errorf("webhook %d deleted: %w", id, errPermanent)
}

// post sends a signed body to an integration's URL and reads a reply: a
// 2xx answer, whose body may be JSON {text, response_type}. A refused
// address is permanent; a 4xx other than 408 and 429 is too.
func (s *Service) post(ctx context.Context, it model.Integration, eventID string, ts int64, body []byte) (reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, it.URL, bytes.NewReader(body))
	if err != nil {
		return reply{}, fmt.Errorf("%w: %w", errPermanent, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Fechatter-Webhooks/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(it.Secret, ts, body))
	req.Header.Set(HeaderEventID, eventID)
	resp, err := s.cfg.Policy.Do(s.client, req)
	if err != nil {
		if isForbidden(err) {
			return reply{}, fmt.Errorf("%w: %w", errPermanent, err)
		}
		return reply{}, err
	}
	data, err := s.cfg.Policy.ReadBody(resp)
	if err != nil {
		return reply{}, err
	}
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
	case c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		return reply{}, fmt.Errorf("%w: answered %d", errPermanent, c)
	default:
		return reply{}, fmt.Errorf("answered %d", c)
	}
	var r reply
	if json.Unmarshal(data, &r) != nil {
		r = reply{Text: strings.TrimSpace(string(data))}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			r.Text = "" // an HTML or empty page is no reply
		}
	}
	r.Text = strings.TrimSpace(r.Text)
	return r, nil
}
