package telemetry

import (
	"math"
	"sort"
	"strings"
	"time"
)

// Status is the node's state as the status sampler sees it, the body of
// GET /api/admin/status. It is computed in-process from the metrics
// registry, so it needs no Prometheus.
type Status struct {
	Version       string    `json:"version"`
	Commit        string    `json:"commit"`
	StartedAt     time.Time `json:"started_at"`
	UptimeSeconds float64   `json:"uptime_seconds"`
	// SampledAt is when the last sample was taken; IntervalSeconds is the
	// time between samples.
	SampledAt       time.Time `json:"sampled_at"`
	IntervalSeconds float64   `json:"interval_seconds"`

	Components []ComponentState `json:"components"`
	// Windows holds rates and latencies over the last 1, 5 and 15 minutes
	// (shorter while the node has been up for less).
	Windows []WindowStats `json:"windows"`

	SSEConnections   float64         `json:"sse_connections"`
	OutboxBacklog    float64         `json:"outbox_backlog"`
	IndexerLagEvents float64         `json:"indexer_lag_events"`
	Consumers        []ConsumerState `json:"consumers"`
	Streams          []StreamState   `json:"streams"`
	Storage          StorageState    `json:"storage"`

	// Alerts are the built-in alerts pending or firing now.
	Alerts []AlertState `json:"alerts"`
	// Series holds the last samples, oldest first, for charts.
	Series []SeriesPoint `json:"series"`
}

// ComponentState is one component's readiness, as /readyz sees it.
type ComponentState struct {
	Name  string `json:"name"`
	Ready bool   `json:"ready"`
	// Error says why the component is not ready.
	Error string `json:"error,omitempty"`
}

// WindowStats are rates (per second) and latency quantiles (seconds) over
// one window. A quantile is null when nothing was observed.
type WindowStats struct {
	Minutes             int     `json:"minutes"`
	MessagesPerSecond   float64 `json:"messages_per_second"`
	RequestsPerSecond   float64 `json:"requests_per_second"`
	DeliveriesPerSecond float64 `json:"deliveries_per_second"`
	ErrorRatio          float64 `json:"error_ratio"`
	Request             Latency `json:"request_latency"`
	Delivery            Latency `json:"delivery_latency"`
	RelayLag            Latency `json:"relay_lag"`
	Seconds             float64 `json:"seconds"`
	SignInFailures      float64 `json:"signin_failures"`
}

// Latency holds the median and the 99th percentile in seconds.
type Latency struct {
	P50 *float64 `json:"p50"`
	P99 *float64 `json:"p99"`
}

// ConsumerState is a durable JetStream consumer's backlog.
type ConsumerState struct {
	Name       string  `json:"name"`
	Pending    float64 `json:"pending"`
	AckPending float64 `json:"ack_pending"`
}

// StreamState is a JetStream stream's size.
type StreamState struct {
	Name     string  `json:"name"`
	Messages float64 `json:"messages"`
	Bytes    float64 `json:"bytes"`
}

// StorageState describes disk use. A size the node could not read is null.
type StorageState struct {
	DataDirFreeBytes       *float64 `json:"data_dir_free_bytes"`
	DataDirSizeBytes       *float64 `json:"data_dir_size_bytes"`
	DataDirFreePercent     *float64 `json:"data_dir_free_percent"`
	DatabaseBytes          *float64 `json:"database_bytes"`
	SearchIndexBytes       *float64 `json:"search_index_bytes"`
	JetStreamBytes         *float64 `json:"jetstream_bytes"`
	JetStreamLimitBytes    *float64 `json:"jetstream_limit_bytes"`
	CertificateExpiresAt   *float64 `json:"certificate_expires_at,omitempty"`
	CertificateExpiryLabel string   `json:"certificate_domain,omitempty"`
}

// SeriesPoint is one sample for charts: rates and latencies over the
// interval that ended at At, and the gauges at At.
type SeriesPoint struct {
	At                  time.Time `json:"at"`
	MessagesPerSecond   float64   `json:"messages_per_second"`
	RequestsPerSecond   float64   `json:"requests_per_second"`
	DeliveriesPerSecond float64   `json:"deliveries_per_second"`
	RequestP50          *float64  `json:"request_p50"`
	RequestP99          *float64  `json:"request_p99"`
	DeliveryP99         *float64  `json:"delivery_p99"`
	SSEConnections      float64   `json:"sse_connections"`
	OutboxBacklog       float64   `json:"outbox_backlog"`
	IndexerLagEvents    float64   `json:"indexer_lag_events"`
	RelayLagP99         *float64  `json:"relay_lag_p99"`
}

// AlertState is a built-in alert that is pending (its condition holds,
// not yet for its for: duration) or firing.
type AlertState struct {
	Name     string  `json:"name"`
	State    string  `json:"state"`
	Severity string  `json:"severity"`
	Summary  string  `json:"summary"`
	Value    float64 `json:"value"`
	// ActiveSince is when the condition began to hold; FiringSince when
	// the alert fired (absent while pending).
	ActiveSince time.Time  `json:"active_since"`
	FiringSince *time.Time `json:"firing_since,omitempty"`
}

// windowMinutes are the status windows.
var windowMinutes = []int{1, 5, 15}

// windowStats computes one window from the newest sample and the oldest
// one at most d older.
func windowStats(newest, old sample, minutes int) WindowStats {
	w := WindowStats{Minutes: minutes, Seconds: newest.at.Sub(old.at).Seconds()}
	if w.Seconds <= 0 {
		return w
	}
	w.MessagesPerSecond = counterDelta(newest, old, seriesMessages) / w.Seconds
	requests := counterDelta(newest, old, seriesRequests)
	w.RequestsPerSecond = requests / w.Seconds
	w.DeliveriesPerSecond = counterDelta(newest, old, seriesDeliveries) / w.Seconds
	if requests > 0 {
		w.ErrorRatio = counterDelta(newest, old, seriesServerErrors) / requests
	}
	w.SignInFailures = counterDelta(newest, old, seriesSignInFailures)
	w.Request = latency(newest, old, seriesRequestDuration)
	w.Delivery = latency(newest, old, seriesDeliveryDuration)
	w.RelayLag = latency(newest, old, seriesRelayLag)
	return w
}

func latency(newest, old sample, series string) Latency {
	d := newest.hists[series].sub(old.hists[series])
	return Latency{P50: finite(d.quantile(.5)), P99: finite(d.quantile(.99))}
}

// finite returns a pointer to v, or nil for NaN (JSON null).
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// gauge returns a sample's gauge as a pointer, nil when absent.
func (s sample) gauge(series string) *float64 {
	v, ok := s.gauges[series]
	if !ok {
		return nil
	}
	return &v
}

// labelled returns the labelled gauges of a series, by label value, in
// label order.
func (s sample) labelled(series string) ([]string, map[string]float64) {
	out := map[string]float64{}
	prefix := series + labelledSeriesSplitter
	for k, v := range s.gauges {
		if label, ok := strings.CutPrefix(k, prefix); ok {
			out[label] = v
		}
	}
	names := make([]string, 0, len(out))
	for k := range out {
		names = append(names, k)
	}
	sort.Strings(names)
	return names, out
}

// fillGauges copies the newest sample's gauges into st.
func fillGauges(st *Status, s sample) {
	st.SSEConnections = s.gauges[seriesSSEConnections]
	st.OutboxBacklog = s.gauges[seriesOutboxBacklog]
	st.IndexerLagEvents = s.gauges[seriesIndexLag]
	names, pending := s.labelled(seriesConsumerPending)
	_, ack := s.labelled(seriesConsumerAck)
	st.Consumers = []ConsumerState{}
	for _, n := range names {
		st.Consumers = append(st.Consumers, ConsumerState{Name: n, Pending: pending[n], AckPending: ack[n]})
	}
	names, msgs := s.labelled(seriesStreamMessages)
	_, bytes := s.labelled(seriesStreamBytes)
	st.Streams = []StreamState{}
	for _, n := range names {
		st.Streams = append(st.Streams, StreamState{Name: n, Messages: msgs[n], Bytes: bytes[n]})
	}
	sto := &st.Storage
	if size := s.gauges[seriesDiskSize]; size > 0 {
		sto.DataDirSizeBytes = s.gauge(seriesDiskSize)
		sto.DataDirFreeBytes = s.gauge(seriesDiskFree)
		sto.DataDirFreePercent = finite(100 * s.gauges[seriesDiskFree] / size)
	}
	if s.gauges[seriesJetStreamLimit] > 0 || s.gauges[seriesJetStreamUsed] > 0 {
		sto.JetStreamBytes = s.gauge(seriesJetStreamUsed)
		sto.JetStreamLimitBytes = s.gauge(seriesJetStreamLimit)
	}
	domains, expiry := s.labelled(seriesCertExpiry)
	for _, d := range domains {
		if sto.CertificateExpiresAt == nil || expiry[d] < *sto.CertificateExpiresAt {
			v := expiry[d]
			sto.CertificateExpiresAt, sto.CertificateExpiryLabel = &v, d
		}
	}
}

// point is the chart point of the interval from prev to s.
func point(prev, s sample) SeriesPoint {
	p := SeriesPoint{At: s.at, SSEConnections: s.gauges[seriesSSEConnections],
		OutboxBacklog: s.gauges[seriesOutboxBacklog], IndexerLagEvents: s.gauges[seriesIndexLag]}
	if sec := s.at.Sub(prev.at).Seconds(); sec > 0 {
		p.MessagesPerSecond = counterDelta(s, prev, seriesMessages) / sec
		p.RequestsPerSecond = counterDelta(s, prev, seriesRequests) / sec
		p.DeliveriesPerSecond = counterDelta(s, prev, seriesDeliveries) / sec
	}
	req := latency(s, prev, seriesRequestDuration)
	p.RequestP50, p.RequestP99 = req.P50, req.P99
	p.DeliveryP99 = latency(s, prev, seriesDeliveryDuration).P99
	p.RelayLagP99 = latency(s, prev, seriesRelayLag).P99
	return p
}
