package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// recordSpans installs an SDK provider that records every span in memory
// for the rest of the test.
func recordSpans(t *testing.T) *tracetest.InMemoryExporter {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})
	tracingOn.Store(true)
	t.Cleanup(func() {
		tracingOn.Store(false)
		otel.SetTracerProvider(prev)
		_ = tp.Shutdown(context.Background())
	})
	return exp
}

func TestNoEndpointInstallsNothing(t *testing.T) {
	env := map[string]string{}
	tr, err := StartTracing(context.Background(), TracingConfig{Protocol: ProtocolGRPC, SampleRatio: 1}, func(k string) string { return env[k] })
	if err != nil || tr.Enabled() || TracingEnabled() {
		t.Fatalf("no endpoint: enabled=%v on=%v err=%v", tr.Enabled(), TracingEnabled(), err)
	}
	ctx, span := StartSpan(context.Background(), "x", trace.SpanKindInternal)
	if span.IsRecording() || TraceParent(ctx) != "" {
		t.Fatal("a span recorded with tracing off")
	}
	if ctx := ContextWithTraceParent(context.Background(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"); TraceParent(ctx) != "" {
		t.Fatal("a traceparent was adopted with tracing off")
	}
	env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:1"
	env["OTEL_SDK_DISABLED"] = "true"
	if tr, _ := StartTracing(context.Background(), TracingConfig{}, func(k string) string { return env[k] }); tr.Enabled() {
		t.Fatal("OTEL_SDK_DISABLED=true left tracing on")
	}
}

func TestEnvEndpointTurnsTracingOn(t *testing.T) {
	env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}
	prev := otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	tr, err := StartTracing(context.Background(), TracingConfig{SampleRatio: 1}, func(k string) string { return env[k] })
	if err != nil || !tr.Enabled() || !TracingEnabled() {
		t.Fatalf("env endpoint: enabled=%v err=%v", tr.Enabled(), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // nothing listens: do not wait for the flush
	_ = tr.Shutdown(ctx)
	if TracingEnabled() {
		t.Fatal("still on after Shutdown")
	}
	env["OTEL_EXPORTER_OTLP_PROTOCOL"] = "thrift"
	if _, err := StartTracing(context.Background(), TracingConfig{}, func(k string) string { return env[k] }); err == nil {
		t.Fatal("an unknown protocol was accepted")
	}
}

func TestSpansFollowTheParent(t *testing.T) {
	exp := recordSpans(t)
	// No parent: StartSpan starts nothing (background work outside a trace).
	if _, span := StartSpan(context.Background(), "orphan", trace.SpanKindInternal); span.IsRecording() {
		t.Fatal("a span without a parent recorded")
	}
	carrier := propagation.MapCarrier{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
	ctx, server := StartServerSpan(context.Background(), carrier, "POST /api/x")
	if got := server.SpanContext().TraceID().String(); got != "0af7651916cd43dd8448eb211c80319c" {
		t.Fatalf("incoming traceparent not honoured: trace %s", got)
	}
	dctx, db := StartDBSpan(ctx, "sqlite", "  INSERT INTO outbox (payload) VALUES (?)")
	tp := TraceParent(dctx)
	db.End()
	server.End()
	// A consumer continues the stored traceparent.
	cctx, consumer := StartSpan(ContextWithTraceParent(context.Background(), tp), "consume", trace.SpanKindConsumer)
	consumer.End()
	if consumer.SpanContext().TraceID() != server.SpanContext().TraceID() || TraceParent(cctx) == tp {
		t.Fatal("the consumer span did not continue the trace")
	}
	spans := exp.GetSpans()
	if len(spans) != 3 || spans[0].Name != "sqlite INSERT" || spans[0].Parent.SpanID() != server.SpanContext().SpanID() {
		t.Fatalf("spans = %v", spans.Snapshots())
	}
	for _, a := range spans[0].Attributes {
		if strings.Contains(a.Value.String(), "outbox") {
			t.Fatalf("DB span holds statement text: %v", a)
		}
	}
	// An unsampled parent: children record nothing.
	unsampled := ContextWithTraceParent(context.Background(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
	if _, span := StartSpan(unsampled, "x", trace.SpanKindInternal); span.IsRecording() {
		t.Fatal("a child of an unsampled parent recorded")
	}
}

func TestLogLinesCarryTheIDsOfTheirContext(t *testing.T) {
	recordSpans(t)
	var buf bytes.Buffer
	log := NewLogger(&buf, FormatJSON, "info")
	ctx := WithRequestID(context.Background(), "req-1")
	ctx, span := StartServerSpan(ctx, propagation.MapCarrier{}, "GET /x")
	defer span.End()
	log.InfoContext(ctx, "before auth")
	SetUserID(ctx, 42)
	log.With("component", "api").InfoContext(WithEventID(ctx, "ev-9"), "after auth")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines: %q", lines)
	}
	var first, second map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &first)
	_ = json.Unmarshal([]byte(lines[1]), &second)
	traceID, spanID := span.SpanContext().TraceID().String(), span.SpanContext().SpanID().String()
	for _, m := range []map[string]any{first, second} {
		if m["request_id"] != "req-1" || m["trace_id"] != traceID || m["span_id"] != spanID {
			t.Errorf("line %v lacks request/trace/span ids", m)
		}
	}
	if _, ok := first["user_id"]; ok {
		t.Errorf("user_id before authentication: %v", first)
	}
	if second["user_id"] != float64(42) || second["event_id"] != "ev-9" {
		t.Errorf("second line %v lacks user_id 42 / event_id", second)
	}
}

func TestLevelOfChangesTheLoggerAtOnce(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, FormatJSON, "warn")
	child := log.With("component", "x")
	child.Info("hidden")
	lv := LevelOf(log)
	if lv == nil || LevelOf(slog.Default()) != nil {
		t.Fatal("LevelOf: the level of our logger only")
	}
	lv.Set(slog.LevelDebug)
	child.Debug("shown")
	if out := buf.String(); strings.Contains(out, "hidden") || !strings.Contains(out, "shown") {
		t.Fatalf("log: %q", out)
	}
	if LevelName(lv.Level()) != "debug" || !ValidLevel("WARN") || ValidLevel("loud") {
		t.Fatal("level names")
	}
}

func TestEndingAChildNeverEndsTheParent(t *testing.T) {
	recordSpans(t)
	ctx, server := StartServerSpan(context.Background(), propagation.MapCarrier{}, "GET /x")
	tracingOn.Store(false) // tracing shuts down while the request runs
	_, child := StartSpan(ctx, "chat.X", trace.SpanKindInternal)
	child.End()
	_, db := StartDBSpan(ctx, "sqlite", "SELECT 1")
	db.End()
	if !server.IsRecording() {
		t.Fatal("ending a child that was never started ended the request's span")
	}
	server.End()
}
