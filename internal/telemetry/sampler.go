package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// SamplerConfig configures a Sampler.
type SamplerConfig struct {
	// Gatherer is read every Interval; default Gatherer.
	Gatherer prometheus.Gatherer
	// Interval is the time between samples and alert evaluations; default
	// 5s.
	Interval time.Duration
	// Version and Commit identify the build.
	Version, Commit string
	// Instance names this node in alert notices.
	Instance string
	// Components reports each component's readiness (what /readyz uses).
	Components func(ctx context.Context) []ComponentState
	// Sizes reports the database and search index sizes in bytes (nil
	// when unknown).
	Sizes func(ctx context.Context) (database, index *float64)
	// Rules are the built-in alerts evaluated at every sample; none when
	// empty.
	Rules []AlertRule
	// Notifiers receive firing and resolved notices, by name (for logs).
	Notifiers map[string]AlertNotifier
	// RetryWait is the first wait before a failed notice is tried again;
	// default 2s.
	RetryWait time.Duration
	Log       *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Status windows and chart length.
const (
	defaultSampleInterval = 5 * time.Second
	retention             = 15 * time.Minute
	// seriesLength is how many chart points Status returns: 10 minutes at
	// the default interval.
	seriesLength = 120
)

// Sampler reads the metrics registry every few seconds into a ring of
// samples covering the last 15 minutes, computes the node's Status from
// it, and evaluates the built-in alerts, handing their notices to the
// notifiers' queues. It needs no Prometheus server.
type Sampler struct {
	cfg     SamplerConfig
	started time.Time
	queues  noticeQueues

	mu       sync.Mutex
	samples  []sample
	trackers []alertTracker

	stop func()
	done chan struct{}
}

// NewSampler returns a sampler; Start begins sampling.
func NewSampler(cfg SamplerConfig) *Sampler {
	if cfg.Gatherer == nil {
		cfg.Gatherer = Gatherer
	}
	if cfg.Interval <= 0 {
		cfg.Interval = defaultSampleInterval
	}
	if cfg.RetryWait <= 0 {
		cfg.RetryWait = 2 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Sampler{cfg: cfg, trackers: make([]alertTracker, len(cfg.Rules))}
	for name, n := range cfg.Notifiers {
		s.queues.queues = append(s.queues.queues, newNoticeQueue(name, n, cfg.RetryWait, cfg.Log))
	}
	return s
}

// Start takes the first sample and samples every Interval until Stop.
func (s *Sampler) Start(ctx context.Context) error {
	if s.done != nil {
		return errors.New("sampler already started")
	}
	s.started = s.cfg.Now()
	if err := s.sample(); err != nil {
		return err
	}
	loopCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stop, s.done = cancel, make(chan struct{})
	s.queues.start(loopCtx)
	go s.loop(loopCtx)
	return nil
}

// Stop ends sampling and notice delivery (notices still queued are
// dropped). It is idempotent.
func (s *Sampler) Stop(ctx context.Context) error {
	if s.stop == nil {
		return nil
	}
	s.stop()
	select {
	case <-s.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	s.queues.wg.Wait()
	return nil
}

func (s *Sampler) loop(ctx context.Context) {
	defer close(s.done)
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.sample(); err != nil {
				s.cfg.Log.Warn("status sample failed", "err", err)
			}
		}
	}
}

// sample reads the registry, keeps the sample and evaluates the alerts.
func (s *Sampler) sample() error {
	mfs, err := s.cfg.Gatherer.Gather()
	if err != nil && len(mfs) == 0 {
		return fmt.Errorf("gather metrics: %w", err)
	}
	now := s.cfg.Now()
	smp := readSample(now, mfs)
	s.mu.Lock()
	s.samples = append(s.samples, smp)
	cut := 0
	for cut < len(s.samples)-1 && now.Sub(s.samples[cut].at) > retention+s.cfg.Interval {
		cut++
	}
	s.samples = s.samples[cut:]
	view := alertView{newest: smp, back: s.backLocked}
	var notices []AlertNotice
	for i, r := range s.cfg.Rules {
		if n, ok := s.trackers[i].evaluate(r, view, now, s.cfg.Instance); ok {
			notices = append(notices, n)
		}
	}
	s.mu.Unlock()
	for _, n := range notices {
		s.cfg.Log.Warn("alert "+n.State, "alert", n.Alert, "severity", n.Severity, "value", n.Value, "summary", n.Summary)
		s.queues.send(n)
	}
	return nil
}

// backLocked returns the oldest kept sample at most d older than the
// newest one; s.mu is held.
func (s *Sampler) backLocked(d time.Duration) sample {
	newest := s.samples[len(s.samples)-1].at
	slack := s.cfg.Interval / 2 // samples are taken a little late, never early
	for _, smp := range s.samples {
		if newest.Sub(smp.at) <= d+slack {
			return smp
		}
	}
	return s.samples[len(s.samples)-1]
}

// Status computes the node's status from the kept samples.
func (s *Sampler) Status(ctx context.Context) (Status, error) {
	st := Status{Version: s.cfg.Version, Commit: s.cfg.Commit, StartedAt: s.started.UTC(),
		IntervalSeconds: s.cfg.Interval.Seconds(), Components: []ComponentState{}, Alerts: []AlertState{}}
	st.UptimeSeconds = s.cfg.Now().Sub(s.started).Seconds()
	s.mu.Lock()
	if len(s.samples) == 0 {
		s.mu.Unlock()
		return st, errors.New("the status sampler has not started")
	}
	newest := s.samples[len(s.samples)-1]
	st.SampledAt = newest.at.UTC()
	for _, m := range windowMinutes {
		st.Windows = append(st.Windows, windowStats(newest, s.backLocked(time.Duration(m)*time.Minute), m))
	}
	fillGauges(&st, newest)
	for i, r := range s.cfg.Rules {
		if a, ok := s.trackers[i].alertState(r); ok {
			st.Alerts = append(st.Alerts, a)
		}
	}
	first := max(1, len(s.samples)-seriesLength)
	st.Series = make([]SeriesPoint, 0, len(s.samples)-first)
	for i := first; i < len(s.samples); i++ {
		st.Series = append(st.Series, point(s.samples[i-1], s.samples[i]))
	}
	s.mu.Unlock()
	if s.cfg.Components != nil {
		st.Components = s.cfg.Components(ctx)
	}
	if s.cfg.Sizes != nil {
		st.Storage.DatabaseBytes, st.Storage.SearchIndexBytes = s.cfg.Sizes(ctx)
	}
	return st, nil
}
