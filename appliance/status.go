package appliance

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// SystemBotUsername is the bot that sends the built-in alerts' notices to
// the instance administrators.
const (
	SystemBotUsername    = "system"
	systemBotDisplayName = "System"
)

// statusTuning overrides the status sampler's pace; tests shorten it.
type statusTuning struct {
	// interval between samples (and alert evaluations); 0 is the default.
	interval time.Duration
	// forScale multiplies every alert's for: duration; 0 means 1.
	forScale float64
	// gatherer replaces the process registry.
	gatherer prometheus.Gatherer
	// retryWait is the first wait before a failed notice is retried.
	retryWait time.Duration
}

// statusComponent runs the status sampler behind GET /api/admin/status and
// the built-in alerts. It starts after the HTTP server, whose use cases
// the system bot sends through.
func (a *Appliance) statusComponent() Component {
	return Component{
		Name: "status",
		Start: func(ctx context.Context) error {
			s := a.newSampler()
			if err := s.Start(ctx); err != nil {
				return err
			}
			a.sampler.Store(s)
			return nil
		},
		Stop: func(ctx context.Context) error { return a.sampler.Load().Stop(ctx) },
	}
}

func (a *Appliance) newSampler() *telemetry.Sampler {
	forScale := a.statusTuning.forScale
	if forScale == 0 {
		forScale = 1
	}
	cfg := telemetry.SamplerConfig{
		Gatherer:   a.statusTuning.gatherer,
		Interval:   a.statusTuning.interval,
		RetryWait:  a.statusTuning.retryWait,
		Version:    a.build.Version,
		Commit:     a.build.Commit,
		Instance:   a.instanceName(),
		Components: a.life.states,
		Sizes:      a.sizes,
		Log:        a.log.With("component", "status"),
	}
	if a.cfg.Alerts.Enabled {
		cfg.Rules = telemetry.DefaultAlertRules(forScale)
		cfg.Notifiers = map[string]telemetry.AlertNotifier{"admin_dm": telemetry.AlertNotifierFunc(a.messageAdmins)}
		if a.cfg.Alerts.WebhookURL != "" {
			cfg.Notifiers["webhook"] = telemetry.Webhook{URL: a.cfg.Alerts.WebhookURL}
		}
	}
	return telemetry.NewSampler(cfg)
}

// instanceName names this node in alert notices: its cluster name, else
// the host name.
func (a *Appliance) instanceName() string {
	if n := a.cfg.clusterNodeName(); n != "" {
		return n
	}
	n, _ := os.Hostname()
	return n
}

// messageAdmins sends a notice to every instance administrator as a direct
// message from the system bot. When some got it and others did not, the
// failures are logged and not retried: a retry would repeat the message
// to those who got it.
func (a *Appliance) messageAdmins(ctx context.Context, n telemetry.AlertNotice) error {
	sent, err := a.chat.MessageInstanceAdmins(ctx, SystemBotUsername, systemBotDisplayName, n.Text())
	if err != nil && len(sent) > 0 {
		a.log.Error("alert notice reached only some admins", "alert", n.Alert, "err", err)
		return nil
	}
	return err
}

// sizes reports the database's size and the search data's size on disk
// (nil when unknown: an external Meilisearch keeps its own).
func (a *Appliance) sizes(ctx context.Context) (database, index *float64) {
	if n, err := a.store.SizeBytes(ctx); err == nil {
		f := float64(n)
		database = &f
	}
	if n, err := dirBytes(layoutOf(a.cfg.DataDir).Search); err == nil {
		f := float64(n)
		index = &f
	}
	return database, index
}

// dirBytes adds up the sizes of the regular files under dir.
func dirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while walking
			}
			return err
		}
		if d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n, err
}

// statusService is the status API's view of the sampler.
type statusService struct{ a *Appliance }

// errStatusStarting answers a status request before the sampler runs.
var errStatusStarting = errors.New("the status sampler is starting")

// Status returns the sampler's status.
func (s statusService) Status(ctx context.Context) (telemetry.Status, error) {
	sm := s.a.sampler.Load()
	if sm == nil {
		return telemetry.Status{}, errStatusStarting
	}
	return sm.Status(ctx)
}
