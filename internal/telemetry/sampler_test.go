package telemetry

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// testMetrics is a private registry holding metrics named as the real
// ones, so tests drive values without touching the process registry.
type testMetrics struct {
	reg      *prometheus.Registry
	messages prometheus.Counter
	requests *prometheus.CounterVec
	duration prometheus.Histogram
	lag      prometheus.Gauge
	pending  *prometheus.GaugeVec
}

func newTestMetrics() *testMetrics {
	m := &testMetrics{
		reg:      prometheus.NewRegistry(),
		messages: newCounter("messages_sent_total", "x"),
		requests: newCounterVec("http_requests_total", "x", "route", "method", "code"),
		duration: newHistogram("http_request_duration_seconds", "x"),
		lag:      newGauge("search_index_lag_events", "x"),
		pending:  newGaugeVec("jetstream_consumer_pending", "x", "consumer"),
	}
	m.reg.MustRegister(m.messages, m.requests, m.duration, m.lag, m.pending)
	return m
}

func TestSamplerWindows(t *testing.T) {
	m := newTestMetrics()
	clock := &fakeClock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	s := NewSampler(SamplerConfig{Gatherer: m.reg, Interval: 5 * time.Second, Now: clock.now, Version: "v1"})
	if err := s.sample(); err != nil {
		t.Fatal(err)
	}
	s.started = clock.now()
	// Ten minutes at 2 messages and 10 requests (one 5xx) a second, every
	// request taking 3ms; then one minute at 1 message a second.
	for i := 0; i < 120; i++ {
		clock.add(5 * time.Second)
		m.messages.Add(10)
		m.requests.WithLabelValues("/x", "GET", "2xx").Add(45)
		m.requests.WithLabelValues("/x", "GET", "5xx").Add(5)
		for range 50 {
			m.duration.Observe(.003)
		}
		if err := s.sample(); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 12; i++ {
		clock.add(5 * time.Second)
		m.messages.Add(5)
		if err := s.sample(); err != nil {
			t.Fatal(err)
		}
	}
	m.pending.WithLabelValues("indexer").Set(7)
	if err := s.sample(); err != nil {
		t.Fatal(err)
	}
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Windows) != 3 {
		t.Fatalf("windows = %+v", st.Windows)
	}
	one, five := st.Windows[0], st.Windows[1]
	if !near(one.MessagesPerSecond, 1) || one.RequestsPerSecond != 0 || one.Request.P50 != nil {
		t.Fatalf("1-minute window = %+v, want 1 message/s and no requests", one)
	}
	// Five minutes: 1 minute at 1/s and 4 at 2/s.
	if !near(five.MessagesPerSecond, 1.8) || !near(five.RequestsPerSecond, 8) || !near(five.ErrorRatio, .1) {
		t.Fatalf("5-minute window = %+v", five)
	}
	if p := five.Request.P50; p == nil || *p <= .0025 || *p > .005 {
		t.Fatalf("5-minute p50 = %v, want within the 2.5-5ms bucket", p)
	}
	if len(st.Consumers) != 1 || st.Consumers[0].Name != "indexer" || st.Consumers[0].Pending != 7 {
		t.Fatalf("consumers = %+v", st.Consumers)
	}
	if len(st.Series) != seriesLength || !near(st.Series[0].MessagesPerSecond, 2) {
		t.Fatalf("series has %d points, first %+v", len(st.Series), st.Series[0])
	}
	if st.UptimeSeconds != 660 || st.Version != "v1" {
		t.Fatalf("uptime %v version %q", st.UptimeSeconds, st.Version)
	}
	if _, err := json.Marshal(st); err != nil {
		t.Fatalf("status does not encode: %v", err)
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)) }

func TestHistogramQuantile(t *testing.T) {
	h := histogram{bounds: []float64{1, 2, 4}, counts: []float64{0, 10, 10}, count: 10}
	for _, tc := range []struct{ q, want float64 }{{.5, 1.5}, {.99, 1.99}} {
		if got := h.quantile(tc.q); !near(got, tc.want) {
			t.Errorf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	above := histogram{bounds: []float64{1, 2}, counts: []float64{0, 0}, count: 4}
	if got := above.quantile(.5); got != 2 {
		t.Errorf("quantile above the last bound = %v, want 2", got)
	}
	if got := (histogram{}).quantile(.5); !math.IsNaN(got) {
		t.Errorf("empty quantile = %v, want NaN", got)
	}
}

// TestAlertFiresOnceAndResolvesOnce drives the indexer lag over the
// threshold: the alert is pending for its for: duration, fires once (one
// webhook POST, retried through a failure), stays quiet while firing, and
// resolves once.
func TestAlertFiresOnceAndResolvesOnce(t *testing.T) {
	m := newTestMetrics()
	var (
		mu       sync.Mutex
		received []AlertNotice
		failed   bool
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if !failed { // the first POST fails: the queue must retry it
			failed = true
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		var n AlertNotice
		if err := json.NewDecoder(r.Body).Decode(&n); err != nil || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("webhook body: %v", err)
		}
		received = append(received, n)
	}))
	defer hook.Close()
	clock := &fakeClock{t: time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)}
	var rules []AlertRule
	for _, r := range DefaultAlertRules(1) {
		if r.Name == "FechatterIndexerLagHigh" {
			rules = append(rules, r)
		}
	}
	s := NewSampler(SamplerConfig{Gatherer: m.reg, Interval: time.Hour, Now: clock.now, Rules: rules, Instance: "node-a",
		Notifiers: map[string]AlertNotifier{"webhook": Webhook{URL: hook.URL}}, RetryWait: time.Millisecond})
	ctx := context.Background()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.Stop(ctx)
	step := func(lag float64) Status {
		t.Helper()
		clock.add(time.Minute)
		m.lag.Set(lag)
		if err := s.sample(); err != nil {
			t.Fatal(err)
		}
		st, err := s.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := step(5000); len(st.Alerts) != 1 || st.Alerts[0].State != AlertPending {
		t.Fatalf("alerts = %+v, want one pending", st.Alerts)
	}
	step(50) // back under the threshold while pending: no notice, pending ends
	for range 10 {
		step(5000)
	}
	st := step(5000)
	if len(st.Alerts) != 1 || st.Alerts[0].State != AlertFiring || st.Alerts[0].Value != 5000 {
		t.Fatalf("alerts = %+v, want one firing", st.Alerts)
	}
	step(6000)
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(received) == 1 })
	if st := step(0); len(st.Alerts) != 0 {
		t.Fatalf("alerts after recovery = %+v", st.Alerts)
	}
	step(0)
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(received) == 2 })
	mu.Lock()
	defer mu.Unlock()
	fire, res := received[0], received[1]
	if fire.Alert != "FechatterIndexerLagHigh" || fire.State != AlertFiring || fire.Instance != "node-a" ||
		fire.Value != 5000 || fire.EndsAt != nil || fire.Severity != "warning" {
		t.Fatalf("firing notice = %+v", fire)
	}
	if res.State != AlertResolved || res.EndsAt == nil || !res.StartedAt.Equal(fire.StartedAt) {
		t.Fatalf("resolved notice = %+v (firing %+v)", res, fire)
	}
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met before the deadline")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
