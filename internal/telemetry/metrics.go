package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Registry holds every fechatter_* collector plus the Go runtime and process
// collectors. /metrics exposes it and the in-process status sampler reads it
// through Gatherer, so both see the same numbers.
//
// Labels stay bounded: route templates, methods, status classes, outcome
// words and component names. Never a user, chat or workspace id.
var Registry = prometheus.NewRegistry()

// Gatherer is Registry as a prometheus.Gatherer.
var Gatherer prometheus.Gatherer = Registry

// Latency buckets in seconds, from 100µs to 10s: chat operations are
// sub-millisecond on a quiet node and anything above a few seconds is an
// outage.
var latencyBuckets = []float64{
	.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10,
}

// HTTP.
var (
	// HTTPRequests counts finished requests by route template (the mux
	// pattern, "unmatched" for 404s outside any route), method and status
	// class ("2xx", "4xx", ...).
	HTTPRequests = newCounterVec("http_requests_total",
		"HTTP requests served, by route template, method and status class.",
		"route", "method", "code")
	// HTTPDuration observes request durations (streams excluded: an SSE
	// request lasts as long as its connection).
	HTTPDuration = newHistogramVec("http_request_duration_seconds",
		"HTTP request duration in seconds, by route template and method (streams excluded).",
		"route", "method")
	// RateLimited counts requests refused by a rate limiter, by limiter class
	// (e.g. "auth", "send", "search", "upload", "edge").
	RateLimited = newCounterVec("rate_limited_total",
		"Requests refused by a rate limiter, by limiter class.", "class")
	// SignInFailures counts failed sign-ins by reason ("bad_credentials",
	// "locked", "disabled", ...).
	SignInFailures = newCounterVec("signin_failures_total",
		"Failed sign-in attempts, by reason.", "reason")
)

// Messages and real-time delivery.
var (
	// MessagesSent counts messages committed (acknowledged with 2xx).
	MessagesSent = newCounter("messages_sent_total", "Messages committed and acknowledged.")
	// SSEConnections is the number of open event streams.
	SSEConnections = newGauge("sse_connections", "Open SSE event streams.")
	// SSEEventsSent counts events written to SSE streams.
	SSEEventsSent = newCounter("sse_events_sent_total", "Events written to SSE streams.")
	// SSESlowClientsCut counts streams closed because the client fell behind.
	SSESlowClientsCut = newCounter("sse_slow_clients_cut_total", "SSE streams closed because the client could not keep up.")
	// SSEResumes counts streams resumed from Last-Event-ID, by outcome
	// ("replayed" or "resync").
	SSEResumes = newCounterVec("sse_resumes_total",
		"SSE streams resumed with Last-Event-ID, by outcome (replayed, resync).", "outcome")
	// DeliveryDuration observes the time from an event's commit to its write
	// on an SSE stream.
	DeliveryDuration = newHistogram("delivery_duration_seconds",
		"Seconds from an event's commit to its write on an SSE stream.")
)

// Outbox and JetStream.
var (
	// OutboxBacklog is the number of committed events not yet published.
	OutboxBacklog = newGauge("outbox_backlog", "Outbox events committed but not yet acknowledged by JetStream.")
	// RelayLag observes seconds from commit to PubAck per event.
	RelayLag = newHistogram("outbox_relay_lag_seconds", "Seconds from an outbox event's commit to its JetStream PubAck.")
	// RelayPublished counts events the relay published.
	RelayPublished = newCounter("outbox_relay_published_total", "Outbox events published to JetStream.")
	// StreamMessages and StreamBytes describe a JetStream stream, by stream name.
	StreamMessages = newGaugeVec("jetstream_stream_messages", "Messages held in a JetStream stream.", "stream")
	StreamBytes    = newGaugeVec("jetstream_stream_bytes", "Bytes held in a JetStream stream.", "stream")
	// ConsumerPending, ConsumerAckPending and ConsumerRedelivered describe a
	// durable consumer, by consumer name (a fixed set: indexer, assistant, ...).
	ConsumerPending     = newGaugeVec("jetstream_consumer_pending", "Messages a durable consumer has not yet received.", "consumer")
	ConsumerAckPending  = newGaugeVec("jetstream_consumer_ack_pending", "Messages delivered to a durable consumer and not yet acknowledged.", "consumer")
	ConsumerRedelivered = newGaugeVec("jetstream_consumer_redelivered", "Messages a durable consumer has had redelivered.", "consumer")
)

// Search.
var (
	// SearchIndexLag is the number of events the indexer is behind the stream.
	SearchIndexLag = newGauge("search_index_lag_events", "Events the search indexer is behind the stream.")
	// SearchQueryDuration observes search query durations by engine.
	SearchQueryDuration = newHistogramVec("search_query_duration_seconds",
		"Search query duration in seconds, by engine (embedded, meilisearch).", "engine")
	// SearchDocsIndexed counts documents written to the index.
	SearchDocsIndexed = newCounter("search_documents_indexed_total", "Documents written to the search index.")
)

// Database.
var (
	// DBQueryDuration observes statement durations by kind (select, insert,
	// update, delete, tx) and engine (sqlite, postgres).
	DBQueryDuration = newHistogramVec("db_query_duration_seconds",
		"Database statement duration in seconds, by statement kind and engine.", "kind", "engine")
	// SQLiteGroupCommitBatch observes how many transactions shared one
	// SQLite commit.
	SQLiteGroupCommitBatch = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: Namespace, Name: "sqlite_group_commit_batch_size",
		Help:    "Writes committed together in one SQLite transaction.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
	})
)

// Assistant.
var (
	// AssistantRequests counts model requests by outcome ("ok", "timeout",
	// "refused", "budget", "error").
	AssistantRequests = newCounterVec("assistant_requests_total",
		"Assistant model requests, by outcome.", "outcome")
	// AssistantTokens counts tokens by kind ("prompt", "completion").
	AssistantTokens = newCounterVec("assistant_tokens_total",
		"Tokens used by the assistant, by kind (prompt, completion).", "kind")
)

// Backups.
var (
	// Backups counts scheduled backups by outcome ("ok", "failed").
	Backups = newCounterVec("backups_total", "Scheduled backups, by outcome (ok, failed).", "outcome")
	// BackupLastSuccess is when a scheduled backup last succeeded (unix
	// seconds); 0 before the first.
	BackupLastSuccess = newGauge("backup_last_success_timestamp_seconds",
		"Unix time of the last successful scheduled backup.")
)

// Health of the node.
var (
	// ComponentUp is 1 when a component (database, stream, search, relay,
	// indexer, ...) is ready and 0 when not, by component name.
	ComponentUp = newGaugeVec("component_up", "1 when the component is ready, 0 when not.", "component")
	// DataDirFreeBytes and DataDirSizeBytes describe the file system of the
	// data directory.
	DataDirFreeBytes = newGauge("data_dir_free_bytes", "Bytes free on the file system holding the data directory.")
	DataDirSizeBytes = newGauge("data_dir_size_bytes", "Total bytes of the file system holding the data directory.")
	// JetStreamStorageBytes and JetStreamStorageLimitBytes are the file
	// storage JetStream uses and may use.
	JetStreamStorageBytes      = newGauge("jetstream_storage_bytes", "File storage used by JetStream.")
	JetStreamStorageLimitBytes = newGauge("jetstream_storage_limit_bytes", "File storage JetStream may use.")
	// TLSCertExpiry is the Unix time a managed certificate expires, by the
	// configured domain (a short, operator-chosen list).
	TLSCertExpiry = newGaugeVec("tls_certificate_expiry_timestamp_seconds",
		"Unix time at which a managed TLS certificate expires, by domain.", "domain")
)

// Namespace prefixes every metric name.
const Namespace = "fechatter"

// BuildInfo is a constant 1 labelled with the version and commit; set it
// once at start with SetBuildInfo.
var BuildInfo = newGaugeVec("build_info", "Build information; the value is always 1.", "version", "commit", "goversion")

// SetBuildInfo records the running build.
func SetBuildInfo(version, commit, goVersion string) {
	BuildInfo.Reset()
	BuildInfo.WithLabelValues(version, commit, goVersion).Set(1)
}

// RegisterDBStats registers a collector of database pool statistics (in
// use, idle, waits) under fechatter_db_*. It returns false when a collector
// describing the same metrics is already registered.
func RegisterDBStats(collector prometheus.Collector) bool {
	return Registry.Register(collector) == nil
}

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		HTTPRequests, HTTPDuration, RateLimited, SignInFailures,
		MessagesSent, SSEConnections, SSEEventsSent, SSESlowClientsCut, SSEResumes, DeliveryDuration,
		OutboxBacklog, RelayLag, RelayPublished, StreamMessages, StreamBytes,
		ConsumerPending, ConsumerAckPending, ConsumerRedelivered,
		SearchIndexLag, SearchQueryDuration, SearchDocsIndexed,
		DBQueryDuration, SQLiteGroupCommitBatch,
		AssistantRequests, AssistantTokens,
		ComponentUp, DataDirFreeBytes, DataDirSizeBytes, JetStreamStorageBytes, JetStreamStorageLimitBytes, TLSCertExpiry,
		BuildInfo,
	)
}

func newCounter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help})
}

func newCounterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
}

func newGauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help})
}

func newGaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help}, labels)
}

func newHistogram(name, help string) prometheus.Histogram {
	return prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: latencyBuckets})
}

func newHistogramVec(name, help string, labels ...string) *prometheus.HistogramVec {
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: latencyBuckets}, labels)
}
