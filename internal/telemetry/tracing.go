package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// OTLP protocols accepted by TracingConfig.Protocol and
// OTEL_EXPORTER_OTLP_PROTOCOL.
const (
	ProtocolGRPC = "grpc"
	ProtocolHTTP = "http/protobuf"
)

// TracingConfig is what the telemetry.tracing.* keys say. The standard
// OTEL_* environment variables win over it, setting by setting, as the
// environment wins over the file everywhere in Fechatter.
type TracingConfig struct {
	// Endpoint is the OTLP collector's base URL (http://host:4318 for
	// http/protobuf, http://host:4317 for grpc); empty exports nothing.
	Endpoint string
	// Protocol is grpc or http/protobuf.
	Protocol string
	// SampleRatio is the share of new traces recorded (0 to 1); a request
	// that arrives with a traceparent follows its sampled flag.
	SampleRatio float64
	// ServiceName names the process in the collector.
	ServiceName string
	// ServiceVersion is the binary's version.
	ServiceVersion string
}

// Validate reports what is wrong with c.
func (c TracingConfig) Validate() error {
	var errs []error
	if c.Endpoint != "" {
		if err := checkEndpoint(c.Endpoint); err != nil {
			errs = append(errs, err)
		}
	}
	switch c.Protocol {
	case "", ProtocolGRPC, ProtocolHTTP:
	default:
		errs = append(errs, fmt.Errorf("protocol %q is not grpc or http/protobuf", c.Protocol))
	}
	if c.SampleRatio < 0 || c.SampleRatio > 1 {
		errs = append(errs, fmt.Errorf("sample ratio %v is not between 0 and 1", c.SampleRatio))
	}
	return errors.Join(errs...)
}

func checkEndpoint(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("endpoint %q is not an http:// or https:// URL", s)
	}
	return nil
}

// tracingOn is set while a TracerProvider that exports is installed. With
// it off the HTTP middleware, the child spans and the trace context of
// events cost one atomic load.
var tracingOn atomic.Bool

// TracingEnabled reports whether traces are being exported.
func TracingEnabled() bool { return tracingOn.Load() }

// Tracing is the installed tracer provider; Shutdown flushes it.
type Tracing struct {
	provider *sdktrace.TracerProvider
	endpoint string
}

// StartTracing installs the global tracer provider and the W3C
// tracecontext + baggage propagator when an endpoint is configured (by
// cfg or by OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT). Without one, or with
// OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, nothing is
// installed and the returned Tracing is off. getenv is os.Getenv.
func StartTracing(ctx context.Context, cfg TracingConfig, getenv func(string) string) (*Tracing, error) {
	endpointFromEnv := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != ""
	off := strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || getenv("OTEL_TRACES_EXPORTER") == "none"
	if off || (!endpointFromEnv && cfg.Endpoint == "") {
		return &Tracing{}, nil
	}
	protocol := firstSet(getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"), getenv("OTEL_EXPORTER_OTLP_PROTOCOL"), cfg.Protocol, ProtocolHTTP)
	endpoint := ""
	if !endpointFromEnv {
		endpoint = cfg.Endpoint
	}
	exp, err := newExporter(ctx, protocol, endpoint)
	if err != nil {
		return nil, fmt.Errorf("start tracing: %w", err)
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(firstSet(cfg.ServiceName, "fechatter")),
		semconv.ServiceVersion(firstSet(cfg.ServiceVersion, "dev"))))
	if err != nil {
		return nil, fmt.Errorf("start tracing: %w", err)
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithBatcher(exp), sdktrace.WithResource(res)}
	if getenv("OTEL_TRACES_SAMPLER") == "" { // else the SDK reads it, with _ARG
		opts = append(opts, sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	tracingOn.Store(true)
	return &Tracing{provider: tp, endpoint: firstSet(endpoint, "(from OTEL_EXPORTER_OTLP_*)")}, nil
}

// newExporter builds the OTLP span exporter for protocol. An empty
// endpoint leaves the exporter to read the OTEL_* variables itself.
func newExporter(ctx context.Context, protocol, endpoint string) (sdktrace.SpanExporter, error) {
	switch protocol {
	case ProtocolGRPC:
		var opts []otlptracegrpc.Option
		if endpoint != "" {
			opts = append(opts, otlptracegrpc.WithEndpointURL(endpoint))
		}
		return otlptracegrpc.New(ctx, opts...)
	case ProtocolHTTP:
		var opts []otlptracehttp.Option
		if endpoint != "" {
			opts = append(opts, otlptracehttp.WithEndpointURL(httpTracesURL(endpoint)))
		}
		return otlptracehttp.New(ctx, opts...)
	}
	return nil, fmt.Errorf("OTLP protocol %q is not grpc or http/protobuf", protocol)
}

// httpTracesURL appends /v1/traces to a base URL without a path, as the
// OTLP spec does for OTEL_EXPORTER_OTLP_ENDPOINT.
func httpTracesURL(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || strings.Trim(u.Path, "/") != "" {
		return endpoint
	}
	u.Path = "/v1/traces"
	return u.String()
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// Enabled reports whether t exports spans.
func (t *Tracing) Enabled() bool { return t != nil && t.provider != nil }

// Endpoint is where spans go, for the start log line.
func (t *Tracing) Endpoint() string { return t.endpoint }

// Shutdown flushes the spans not yet exported and stops exporting. It is
// idempotent.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	tracingOn.Store(false)
	if err := t.provider.Shutdown(ctx); err != nil {
		return fmt.Errorf("flush traces: %w", err)
	}
	return nil
}

// tracerName is the instrumentation scope of every span Fechatter makes.
const tracerName = "github.com/fechatter/fechatter"

func tracer() trace.Tracer { return otel.GetTracerProvider().Tracer(tracerName) }

// StartServerSpan starts the span of an incoming HTTP request, a child of
// the request's traceparent when it has one. With tracing off it returns
// ctx and a span that records nothing.
func StartServerSpan(ctx context.Context, carrier propagation.TextMapCarrier, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if !tracingOn.Load() {
		return ctx, nonRecording(trace.SpanFromContext(ctx))
	}
	ctx = otel.GetTextMapPropagator().Extract(ctx, carrier)
	return tracer().Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
}

// StartSpan starts a span under the one ctx carries when that one is
// sampled (a local span or a remote parent from ContextWithTraceParent);
// otherwise it returns ctx and a span that records nothing, at the cost of
// one lookup. Work outside any trace therefore starts none.
func StartSpan(ctx context.Context, name string, kind trace.SpanKind, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if !tracingOn.Load() {
		return ctx, nonRecording(trace.SpanFromContext(ctx))
	}
	parent := trace.SpanFromContext(ctx)
	if !parent.SpanContext().IsSampled() {
		return ctx, nonRecording(parent)
	}
	return tracer().Start(ctx, name, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
}

// StartDBSpan starts the client span of one SQL statement under a sampled
// span of ctx, named by the database and the statement's kind ("sqlite
// INSERT"): never its text or values, which may hold message content.
func StartDBSpan(ctx context.Context, system, query string) (context.Context, trace.Span) {
	if !tracingOn.Load() {
		return ctx, nonRecording(trace.SpanFromContext(ctx))
	}
	op := strings.ToUpper(StatementKind(query)) // SELECT ... OTHER, as the metrics count them
	return StartSpan(ctx, system+" "+op, trace.SpanKindClient,
		attribute.String("db.system.name", system), attribute.String("db.operation.name", op))
}

// nonRecording returns a span that is safe to End: parent when it records
// nothing, else a no-op span with parent's context (ending it must not end
// the parent, say a request in flight while tracing shuts down).
func nonRecording(parent trace.Span) trace.Span {
	if !parent.IsRecording() {
		return parent
	}
	return trace.SpanFromContext(trace.ContextWithSpanContext(context.Background(), parent.SpanContext()))
}

// EndSpan records err on span (when not nil) and ends it.
func EndSpan(span trace.Span, err error) {
	if err != nil && span.IsRecording() {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// TraceParent returns the W3C traceparent of the span ctx carries, or ""
// when there is none: what is stored with an outbox event and sent in the
// NATS headers of its message.
func TraceParent(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return ""
	}
	flags := "00"
	if sc.IsSampled() {
		flags = "01"
	}
	return "00-" + sc.TraceID().String() + "-" + sc.SpanID().String() + "-" + flags
}

// ContextWithTraceParent returns ctx carrying the remote span context of
// traceparent, so that StartSpan continues that trace; ctx unchanged when
// traceparent is empty or invalid, or tracing is off.
func ContextWithTraceParent(ctx context.Context, traceparent string) context.Context {
	if traceparent == "" || !tracingOn.Load() {
		return ctx
	}
	return propagation.TraceContext{}.Extract(ctx, propagation.MapCarrier{"traceparent": traceparent})
}

// flushTimeout bounds the flush in tests that call ForceFlush.
const flushTimeout = 5 * time.Second

// ForceFlush exports the spans ended so far (tests and benchmarks).
func (t *Tracing) ForceFlush(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, flushTimeout)
	defer cancel()
	return t.provider.ForceFlush(ctx)
}
