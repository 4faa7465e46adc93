package appliance

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// metricsInterval is how often the gauges that describe the node (disk,
// JetStream, consumers, index lag, certificates, component health) are
// sampled: cheap calls, and no alert rule needs them fresher.
const metricsInterval = 5 * time.Second

// metricsComponentName names the sampler among the components.
const metricsComponentName = "metrics"

// metricsComponent samples the node's gauges every metricsInterval and
// exposes the database pools. Counters and histograms are updated where
// the work happens; this is only what has to be asked for.
func (a *Appliance) metricsComponent() Component {
	var (
		cancel context.CancelFunc
		wg     sync.WaitGroup
		pools  prometheus.Collector
	)
	return Component{
		Name: metricsComponentName,
		Start: func(context.Context) error {
			telemetry.SetBuildInfo(a.build.Version, a.build.Commit, runtime.Version())
			if s, ok := a.store.(interface{ PoolStats() []telemetry.PoolStats }); ok {
				pools = telemetry.NewDBStatsCollector(a.store.Dialect(), s.PoolStats)
				if !telemetry.RegisterDBStats(pools) {
					// Another appliance of this process (tests) holds them.
					pools = nil
				}
			}
			var ctx context.Context
			ctx, cancel = context.WithCancel(context.Background())
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.sampleMetricsEvery(ctx, metricsInterval)
			}()
			return nil
		},
		Stop: func(context.Context) error {
			cancel()
			wg.Wait()
			if pools != nil {
				telemetry.UnregisterDBStats(pools)
			}
			return nil
		},
	}
}

// sampleMetricsEvery samples at once, then every interval until ctx ends.
func (a *Appliance) sampleMetricsEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		a.sampleMetrics(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sampleMetrics sets every sampled gauge once; a source that does not
// answer keeps its last value (and is logged at debug).
func (a *Appliance) sampleMetrics(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, metricsInterval)
	defer cancel()
	a.sampleComponents(ctx)
	a.sampleDisk()
	for _, err := range []error{a.sampleJetStream(ctx), a.sampleIndexLag(ctx)} {
		if err != nil && ctx.Err() == nil {
			a.log.Debug("sample metrics", "error", err)
		}
	}
	a.sampleCertificates()
}

// sampleComponents sets component_up from the readiness checks.
func (a *Appliance) sampleComponents(ctx context.Context) {
	down := a.NotReady(ctx)
	for _, c := range a.life.components {
		if c.Name == metricsComponentName {
			continue
		}
		up := 1.0
		if slices.Contains(down, c.Name) {
			up = 0
		}
		telemetry.ComponentUp.WithLabelValues(c.Name).Set(up)
	}
}

func (a *Appliance) sampleDisk() {
	free, total, err := diskSpace(a.cfg.DataDir)
	if err != nil {
		return
	}
	telemetry.DataDirFreeBytes.Set(float64(free))
	telemetry.DataDirSizeBytes.Set(float64(total))
}

// sampleJetStream reads the account's storage, every stream's size and
// every durable consumer's backlog. Ephemeral consumers (one per resuming
// SSE stream) are left out: their names would grow the label set.
func (a *Appliance) sampleJetStream(ctx context.Context) error {
	if a.js == nil {
		return nil
	}
	info, err := a.js.AccountInfo(ctx)
	if err != nil {
		return err
	}
	telemetry.JetStreamStorageBytes.Set(float64(info.Store))
	limit := info.Limits.MaxStore
	if limit <= 0 {
		limit = a.cfg.NATS.MaxStore
	}
	telemetry.JetStreamStorageLimitBytes.Set(float64(limit))
	streams := a.js.ListStreams(ctx)
	var names []string
	// Drain the lister before asking anything else: it feeds the channel
	// from a goroutine of its own.
	for si := range streams.Info() {
		names = append(names, si.Config.Name)
		telemetry.StreamMessages.WithLabelValues(si.Config.Name).Set(float64(si.State.Msgs))
		telemetry.StreamBytes.WithLabelValues(si.Config.Name).Set(float64(si.State.Bytes))
	}
	errs := []error{streams.Err()}
	for _, name := range names {
		errs = append(errs, a.sampleConsumers(ctx, name))
	}
	return errors.Join(errs...)
}

func (a *Appliance) sampleConsumers(ctx context.Context, stream string) error {
	s, err := a.js.Stream(ctx, stream)
	if err != nil {
		return err
	}
	consumers := s.ListConsumers(ctx)
	for ci := range consumers.Info() { // drained to the end, as above
		if ci.Config.Durable == "" {
			continue
		}
		telemetry.ConsumerPending.WithLabelValues(ci.Name).Set(float64(ci.NumPending))
		telemetry.ConsumerAckPending.WithLabelValues(ci.Name).Set(float64(ci.NumAckPending))
		telemetry.ConsumerRedelivered.WithLabelValues(ci.Name).Set(float64(ci.NumRedelivered))
	}
	if err := consumers.Err(); err != nil && !errors.Is(err, jetstream.ErrEndOfData) {
		return err
	}
	return nil
}

func (a *Appliance) sampleIndexLag(ctx context.Context) error {
	if a.indexer == nil {
		return nil
	}
	lag, err := a.indexer.Lag(ctx)
	if err != nil {
		return err
	}
	telemetry.SearchIndexLag.Set(float64(lag))
	return nil
}

func (a *Appliance) sampleCertificates() {
	if a.tls == nil {
		return
	}
	for name, notAfter := range a.tls.CertificateExpiry() {
		telemetry.TLSCertExpiry.WithLabelValues(name).Set(float64(notAfter.Unix()))
	}
}
