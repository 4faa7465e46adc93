// Package events is Fechatter's event backbone: the envelope and subjects of
// events on the JetStream stream EVENTS, the outbox relay that publishes
// committed outbox rows to it, and a helper for the durable pull consumers
// (search indexer, assistant, webhooks) that do work off it.
package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/internal/model"
)

// StreamName is the one stream that carries every event.
const StreamName = "EVENTS"

// SubjectPrefix starts every event subject; ephemeral signals use EphemeralPrefix.
const (
	SubjectPrefix   = "fc.ev"
	EphemeralPrefix = "fc.eph"
)

// Envelope is an event as it travels on the stream.
type Envelope struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	WorkspaceID int64           `json:"workspace_id"`
	ChatID      int64           `json:"chat_id,omitempty"`
	ActorID     int64           `json:"actor_id,omitempty"`
	Time        time.Time       `json:"time"`
	Payload     json.RawMessage `json:"payload"`
	// Trace carries W3C trace context (traceparent, tracestate).
	Trace map[string]string `json:"trace,omitempty"`
	// OutboxSeq is the outbox row this event came from.
	OutboxSeq int64 `json:"outbox_seq"`
}

// TraceParentHeader is the W3C trace context header (and Trace key) an
// event carries when it was written inside a trace.
const TraceParentHeader = "traceparent"

// FromModel wraps an outbox row into an envelope.
func FromModel(e model.Event) Envelope {
	env := Envelope{
		ID: e.ID, Type: e.Type, WorkspaceID: e.WorkspaceID, ChatID: e.ChatID,
		ActorID: e.ActorID, Time: e.CreatedAt, Payload: json.RawMessage(e.Payload), OutboxSeq: e.Seq,
	}
	if e.TraceParent != "" {
		env.Trace = map[string]string{TraceParentHeader: e.TraceParent}
	}
	return env
}

// TraceParent is the traceparent a stream message carries in its headers,
// or else in its envelope; "" when it was written outside a trace.
func TraceParent(h nats.Header, e Envelope) string {
	if tp := h.Get(TraceParentHeader); tp != "" {
		return tp
	}
	return e.Trace[TraceParentHeader]
}

// Subject is where e is published: fc.ev.<workspace>.<chat>.<type> for chat
// events, fc.ev.<workspace>.ws.<type> for workspace events.
func (e Envelope) Subject() string { return Subject(e.WorkspaceID, e.ChatID, e.Type) }

// Subject builds an event subject.
func Subject(workspaceID, chatID int64, typ string) string {
	scope := "ws"
	if chatID != 0 {
		scope = strconv.FormatInt(chatID, 10)
	}
	return fmt.Sprintf("%s.%d.%s.%s", SubjectPrefix, workspaceID, scope, typ)
}

// ChatSubjects matches every event of one chat.
func ChatSubjects(workspaceID, chatID int64) string {
	return fmt.Sprintf("%s.%d.%d.>", SubjectPrefix, workspaceID, chatID)
}

// WorkspaceSubjects matches the workspace-level events of one workspace.
func WorkspaceSubjects(workspaceID int64) string {
	return fmt.Sprintf("%s.%d.ws.>", SubjectPrefix, workspaceID)
}

// ParseSubject splits an event subject into workspace, chat (0 for
// workspace events) and type.
func ParseSubject(subject string) (workspaceID, chatID int64, typ string, err error) {
	parts := strings.SplitN(subject, ".", 5)
	if len(parts) != 5 || parts[0]+"."+parts[1] != SubjectPrefix {
		return 0, 0, "", fmt.Errorf("not an event subject: %q", subject)
	}
	if workspaceID, err = strconv.ParseInt(parts[2], 10, 64); err != nil {
		return 0, 0, "", fmt.Errorf("bad workspace in subject %q", subject)
	}
	if parts[3] != "ws" {
		if chatID, err = strconv.ParseInt(parts[3], 10, 64); err != nil {
			return 0, 0, "", fmt.Errorf("bad chat in subject %q", subject)
		}
	}
	return workspaceID, chatID, parts[4], nil
}

// Message encodes an envelope as a NATS message on its subject, with the
// event id header and the trace context as headers.
func Message(e Envelope) (*nats.Msg, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", e.ID, err)
	}
	m := nats.NewMsg(e.Subject())
	m.Data = body
	m.Header.Set(jetstream.MsgIDHeader, e.ID)
	m.Header.Set("Fc-Type", e.Type)
	for k, v := range e.Trace {
		m.Header.Set(k, v)
	}
	return m, nil
}

// Decode reads an envelope from a stream message.
func Decode(data []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(data, &e); err != nil {
		return Envelope{}, fmt.Errorf("decode event: %w", err)
	}
	return e, nil
}

// ErrNotStored is returned (wrapped) by Typed for an event type that has
// no stored payload family.
var ErrNotStored = errors.New("not a stored event type")

// Typed decodes the payload of e into its family's type (MessageEvent for
// message.created, ...), the one place consumers read payloads. What the
// JSON lacks is taken from the envelope: its type, workspace, chat and
// actor; and the ids the model keeps out of JSON (a member's user id, a
// message's sender id) from the objects that carry them.
func (e Envelope) Typed() (Payload, error) {
	f, ok := FamilyOf(e.Type)
	if !ok {
		return nil, fmt.Errorf("decode %s payload: %w", e.Type, ErrNotStored)
	}
	p := reflect.New(reflect.TypeOf(f.Zero))
	if err := json.Unmarshal(e.Payload, p.Interface()); err != nil {
		return nil, fmt.Errorf("decode %s payload: %w", e.Type, err)
	}
	return p.Elem().Interface().(Payload).completed(e), nil
}

// PayloadAs decodes the payload of e as T; an error when e is not of T's
// family.
func PayloadAs[T Payload](e Envelope) (T, error) {
	var zero T
	p, err := e.Typed()
	if err != nil {
		return zero, err
	}
	t, ok := p.(T)
	if !ok {
		return zero, fmt.Errorf("decode %s payload: a %T, not a %T", e.Type, p, zero)
	}
	return t, nil
}
