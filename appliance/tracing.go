package appliance

import (
	"context"
	"os"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// startTracing installs the OTLP trace exporter when telemetry.tracing
// (or OTEL_EXPORTER_OTLP_*) names a collector. It comes before every
// component, so that their spans have somewhere to go, and goes after all
// of them, flushing what they recorded.
func (a *Appliance) startTracing(ctx context.Context) error {
	c := a.cfg.Telemetry.Tracing
	t, err := telemetry.StartTracing(ctx, telemetry.TracingConfig{
		Endpoint: c.Endpoint, Protocol: c.Protocol, SampleRatio: c.SampleRatio,
		ServiceName: c.ServiceName, ServiceVersion: a.build.Version,
	}, os.Getenv)
	if err != nil {
		return err
	}
	a.tracing = t
	if t.Enabled() {
		a.log.Info("tracing on", "endpoint", t.Endpoint())
	}
	return nil
}

// stopTracing flushes the spans not yet exported, once however often Stop
// is called.
func (a *Appliance) stopTracing(ctx context.Context) error {
	a.tracingMu.Lock()
	t := a.tracing
	a.tracing = nil
	a.tracingMu.Unlock()
	return t.Shutdown(ctx)
}
