package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"go.opentelemetry.io/otel/trace"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// queryTracer gives each statement run inside a sampled trace a client span
// named by its kind ("postgresql SELECT"), without its text or arguments.
// Outside a trace it costs one atomic load.
type queryTracer struct{}

type spanKey struct{}

func (queryTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if !telemetry.TracingEnabled() {
		return ctx
	}
	sctx, span := telemetry.StartDBSpan(ctx, "postgresql", data.SQL)
	if !span.IsRecording() {
		return ctx
	}
	return context.WithValue(sctx, spanKey{}, span)
}

func (queryTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	if span, ok := ctx.Value(spanKey{}).(trace.Span); ok {
		err := data.Err
		if errors.Is(err, pgx.ErrNoRows) { // an answer, not a failure
			err = nil
		}
		telemetry.EndSpan(span, err)
	}
}
