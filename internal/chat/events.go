package chat

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/telemetry"
	"github.com/fechatter/fechatter/storage"
)

// record appends one outbox event inside tx. The payload is one of the
// event families of internal/events, holding the changed object in its
// API JSON shape (model types marshal to that shape); its header gives
// the outbox row's type, workspace, chat and actor.
func (s *Service) record(ctx context.Context, tx storage.Outbox, p events.Payload) error {
	return recordEvent(ctx, tx, p)
}

// recordEvent is record for writers without a Service (history imports).
func recordEvent(ctx context.Context, tx storage.Outbox, p events.Payload) error {
	h := p.EventHeader()
	body, err := events.Encode(p)
	if err != nil {
		return err
	}
	ctx, span := telemetry.StartSpan(ctx, "outbox.append", trace.SpanKindInternal,
		attribute.String("event.type", h.Type))
	defer span.End()
	e := model.Event{
		ID:          uuid.NewString(),
		Type:        h.Type,
		WorkspaceID: h.WorkspaceID,
		ChatID:      h.ChatID,
		ActorID:     h.ActorID,
		Payload:     body,
		TraceParent: telemetry.TraceParent(ctx),
	}
	span.SetAttributes(attribute.String("event.id", e.ID))
	if err := tx.AppendEvent(ctx, &e); err != nil {
		return fmt.Errorf("append %s event: %w", h.Type, err)
	}
	return nil
}

// messageEvent is the payload of a message event about m.
func messageEvent(typ string, workspaceID, chatID, actorID int64, m model.Message) events.MessageEvent {
	return events.MessageEvent{Header: events.ChatHeader(typ, workspaceID, chatID, actorID), Message: m}
}

// startUseCase starts the span of a use case (chat.SendMessage, ...) under
// the request's span; outside a sampled trace it costs one lookup.
func startUseCase(ctx context.Context, name string) (context.Context, trace.Span) {
	return telemetry.StartSpan(ctx, "chat."+name, trace.SpanKindInternal)
}
