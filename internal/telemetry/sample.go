package telemetry

import (
	"math"
	"sort"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// sample is one reading of the registry by the status sampler: the
// counters, histograms and gauges the status page and the built-in alerts
// use, already summed over their labels where the page shows a total.
type sample struct {
	at time.Time
	// counters by series name (see readSample).
	counters map[string]float64
	// hists by series name, summed over labels.
	hists map[string]histogram
	// gauges by series name; a labelled gauge is "name/label" (e.g.
	// "consumer_pending/indexer"). A series the registry does not hold
	// (a labelled gauge never set) is absent.
	gauges map[string]float64
}

// histogram is a cumulative histogram: counts[i] observations were at
// most bounds[i]; count is the total (the +Inf bucket).
type histogram struct {
	bounds []float64
	counts []float64
	count  float64
}

// Counter, histogram and gauge series of a sample.
const (
	seriesMessages       = "messages"
	seriesRequests       = "requests"
	seriesServerErrors   = "server_errors"
	seriesDeliveries     = "deliveries"
	seriesSignInFailures = "signin_failures"

	seriesRequestDuration  = "request_duration"
	seriesDeliveryDuration = "delivery_duration"
	seriesRelayLag         = "relay_lag"

	seriesSSEConnections   = "sse_connections"
	seriesOutboxBacklog    = "outbox_backlog"
	seriesIndexLag         = "index_lag"
	seriesDiskFree         = "disk_free"
	seriesDiskSize         = "disk_size"
	seriesJetStreamUsed    = "jetstream_used"
	seriesJetStreamLimit   = "jetstream_limit"
	seriesConsumerPending  = "consumer_pending"
	seriesConsumerAck      = "consumer_ack_pending"
	seriesStreamMessages   = "stream_messages"
	seriesStreamBytes      = "stream_bytes"
	seriesCertExpiry       = "cert_expiry"
	seriesComponentUp      = "component_up"
	labelledSeriesSplitter = "/"
)

// counterSeries maps metric names to the counter series they add to.
var counterSeries = map[string]string{
	Namespace + "_messages_sent_total":   seriesMessages,
	Namespace + "_http_requests_total":   seriesRequests,
	Namespace + "_sse_events_sent_total": seriesDeliveries,
	Namespace + "_signin_failures_total": seriesSignInFailures,
}

var histSeries = map[string]string{
	Namespace + "_http_request_duration_seconds": seriesRequestDuration,
	Namespace + "_delivery_duration_seconds":     seriesDeliveryDuration,
	Namespace + "_outbox_relay_lag_seconds":      seriesRelayLag,
}

// gaugeSeries maps metric names to gauge series; labelled ones take the
// value of labelName after the splitter.
var gaugeSeries = map[string]struct{ series, label string }{
	Namespace + "_sse_connections":                          {seriesSSEConnections, ""},
	Namespace + "_outbox_backlog":                           {seriesOutboxBacklog, ""},
	Namespace + "_search_index_lag_events":                  {seriesIndexLag, ""},
	Namespace + "_data_dir_free_bytes":                      {seriesDiskFree, ""},
	Namespace + "_data_dir_size_bytes":                      {seriesDiskSize, ""},
	Namespace + "_jetstream_storage_bytes":                  {seriesJetStreamUsed, ""},
	Namespace + "_jetstream_storage_limit_bytes":            {seriesJetStreamLimit, ""},
	Namespace + "_jetstream_consumer_pending":               {seriesConsumerPending, "consumer"},
	Namespace + "_jetstream_consumer_ack_pending":           {seriesConsumerAck, "consumer"},
	Namespace + "_jetstream_stream_messages":                {seriesStreamMessages, "stream"},
	Namespace + "_jetstream_stream_bytes":                   {seriesStreamBytes, "stream"},
	Namespace + "_tls_certificate_expiry_timestamp_seconds": {seriesCertExpiry, "domain"},
	Namespace + "_component_up":                             {seriesComponentUp, "component"},
}

// readSample extracts a sample from gathered metric families.
func readSample(at time.Time, mfs []*dto.MetricFamily) sample {
	s := sample{at: at, counters: map[string]float64{}, hists: map[string]histogram{}, gauges: map[string]float64{}}
	for _, mf := range mfs {
		name := mf.GetName()
		if series := counterSeries[name]; series != "" {
			for _, m := range mf.GetMetric() {
				v := m.GetCounter().GetValue()
				s.counters[series] += v
				if series == seriesRequests && labelValue(m, "code") == "5xx" {
					s.counters[seriesServerErrors] += v
				}
			}
		}
		if series, ok := histSeries[name]; ok {
			for _, m := range mf.GetMetric() {
				s.hists[series] = s.hists[series].add(m.GetHistogram())
			}
		}
		if g, ok := gaugeSeries[name]; ok {
			for _, m := range mf.GetMetric() {
				key := g.series
				if g.label != "" {
					key += labelledSeriesSplitter + labelValue(m, g.label)
				}
				s.gauges[key] = m.GetGauge().GetValue()
			}
		}
	}
	return s
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// add returns h plus the observations of p (same buckets: every
// histogram of one metric shares them).
func (h histogram) add(p *dto.Histogram) histogram {
	if h.bounds == nil {
		for _, b := range p.GetBucket() {
			h.bounds = append(h.bounds, b.GetUpperBound())
		}
		h.counts = make([]float64, len(h.bounds))
	}
	for i, b := range p.GetBucket() {
		if i < len(h.counts) {
			h.counts[i] += float64(b.GetCumulativeCount())
		}
	}
	h.count += float64(p.GetSampleCount())
	return h
}

// sub returns the observations of h that old had not seen; a reset (the
// process restarted between them, or a count went down) returns h.
func (h histogram) sub(old histogram) histogram {
	if old.count > h.count || len(old.counts) != len(h.counts) {
		return h
	}
	d := histogram{bounds: h.bounds, counts: make([]float64, len(h.counts)), count: h.count - old.count}
	for i := range h.counts {
		d.counts[i] = h.counts[i] - old.counts[i]
	}
	return d
}

// quantile estimates the q-quantile (0 < q < 1) of h by linear
// interpolation within the bucket that holds it, as PromQL's
// histogram_quantile does; NaN when h holds no observation. Above the
// highest finite bound it answers that bound.
func (h histogram) quantile(q float64) float64 {
	if h.count <= 0 || len(h.bounds) == 0 {
		return math.NaN()
	}
	rank := q * h.count
	i := sort.Search(len(h.counts), func(i int) bool { return h.counts[i] >= rank })
	if i == len(h.counts) {
		return h.bounds[len(h.bounds)-1]
	}
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = h.bounds[i-1], h.counts[i-1]
	}
	inBucket := h.counts[i] - below
	if inBucket <= 0 {
		return h.bounds[i]
	}
	return lower + (h.bounds[i]-lower)*(rank-below)/inBucket
}

// counterDelta is the increase of a counter from old to s; a reset counts
// from zero.
func counterDelta(s, old sample, series string) float64 {
	d := s.counters[series] - old.counters[series]
	if d < 0 {
		return s.counters[series]
	}
	return d
}
