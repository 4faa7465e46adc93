// Package appliance is Fechatter's composition root. It loads the
// configuration (the only user of viper), builds every component from it,
// starts them in order, stops them in reverse and aggregates their
// readiness. Nothing below it knows how the program is assembled.
package appliance

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/embedded/autotls"
	"github.com/fechatter/fechatter/embedded/meili"
	"github.com/fechatter/fechatter/embedded/natsd"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/bot"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/integ"
	"github.com/fechatter/fechatter/internal/mail"
	"github.com/fechatter/fechatter/internal/preview"
	"github.com/fechatter/fechatter/internal/push"
	"github.com/fechatter/fechatter/internal/realtime"
	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/telemetry"
	"github.com/fechatter/fechatter/storage"
)

// BuildInfo identifies the running binary.
type BuildInfo struct {
	// Version is the release, e.g. v1.2.3, or "dev".
	Version string
	// Commit is the VCS revision the binary was built from.
	Commit string
	// Date is when the binary was built (RFC 3339).
	Date string
}

// Appliance is one Fechatter node: its configuration and its components.
// Start and Stop may be called from different goroutines; Stop is
// idempotent.
type Appliance struct {
	cfg   Config
	log   *slog.Logger
	build BuildInfo
	life  lifecycle

	// failed receives the first error of a component that breaks after
	// starting (the HTTP listener, for now).
	failed   chan error
	failOnce sync.Once

	// Set by the components as they start.
	signingKey []byte
	store      storage.Store
	http       *httpServer
	nats       *natsd.Server
	nc         *nats.Conn
	js         jetstream.JetStream
	relay      *events.Relay
	notifier   commitNotifier
	hub        *realtime.Hub
	tickets    *realtime.Tickets
	index      search.Index
	indexer    *search.Indexer
	sidecar    *meili.Sidecar
	search     *search.Service
	chat       *chat.Service
	assistant  *bot.Service
	// integrations runs webhooks and slash-command integrations.
	integrations *integ.Service
	sweeper      *chat.FileSweeper
	mailer       *mail.Mailer
	digest       *mail.Digest
	// setup guards first-run setup (see loadSetupToken); setupPending says
	// no user existed at start, setupLinkToken is a generated token to
	// print ("" when the operator configured one).
	setup          *auth.SetupToken
	setupPending   bool
	setupLinkToken string
	// served is the handler of every listener (server.listen and TLS);
	// tls serves HTTPS when configured; tlsReload overrides how often own
	// certificate files are checked (tests).
	served http.Handler
	// servicesMu guards served and servicesErr (buildServices).
	servicesMu  sync.Mutex
	servicesErr error
	tls         *autotls.Server
	tlsReload   time.Duration
	// tracing exports traces when configured (startTracing).
	tracing   *telemetry.Tracing
	tracingMu sync.Mutex
	// rebuildStop ends a background rebuild of an empty index.
	rebuildStop context.CancelFunc
	rebuildDone chan struct{}
	// configFile is archived by scheduled backups; backupEvery overrides
	// backup.interval (tests); backupStatus is what LastBackup reports.
	configFile   string
	backupEvery  time.Duration
	backupMu     sync.Mutex
	backupStatus BackupStatus
	// sampler computes the status API and evaluates the built-in alerts;
	// statusTuning lets tests speed it up.
	sampler      atomic.Pointer[telemetry.Sampler]
	statusTuning statusTuning

	// previews makes link previews; push sends Web Push notifications.
	previews *preview.Service
	push     *push.Service
}

// New builds an appliance from cfg; nothing is started yet. log may be nil.
func New(cfg Config, log *slog.Logger, build BuildInfo) (*Appliance, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	if build.Version == "" {
		build.Version = "dev"
	}
	a := &Appliance{cfg: cfg, log: log, build: build, failed: make(chan error, 1)}
	a.life.log = log
	// WithPrevious: the store migrates while NATS recovers its streams;
	// the hub and the index open together; the consumers of the
	// assistant, previews, push and integrations are created together,
	// and before the listener, so that no event written through the API
	// is published before them (they start at new events the first time).
	a.life.components = []Component{
		a.dataDirComponent(),
		a.storageComponent(),
		withPrevious(a.natsComponent()),
		a.eventsComponent(),
		a.realtimeComponent(),
		withPrevious(a.searchComponent()),
		a.mailComponent(),
		a.assistantComponent(),
		withPrevious(a.previewsComponent()),
		withPrevious(a.pushComponent()),
		withPrevious(a.integrationsComponent()),
		a.httpComponent(),
		a.statusComponent(),
		a.filesComponent(),
	}
	if cfg.TLS.Enabled() {
		a.life.components = append(a.life.components, a.tlsComponent())
	}
	if cfg.Backup.Interval > 0 {
		a.life.components = append(a.life.components, a.backupComponent())
	}
	a.life.components = append(a.life.components, a.metricsComponent())
	return a, nil
}

// Start starts the components in order: the data dir, the store
// (migrated) and embedded NATS, the event stream and outbox relay, the
// real-time hub and search, mail, the consumers of the assistant,
// previews and push, and integrations, the HTTP server, the status
// sampler (and the built-in alerts), the sweep of unused uploads, HTTPS
// when TLS is configured, scheduled backups and the metrics gauges
// (those on one line start together). If one fails, those already started are
// stopped in reverse and the error names the component that failed.
func (a *Appliance) Start(ctx context.Context) error {
	if err := a.startTracing(ctx); err != nil {
		return err
	}
	if err := a.life.start(ctx); err != nil {
		return errors.Join(err, a.stopTracing(ctx))
	}
	return nil
}

// Stop stops the started components in reverse order within ctx. It is
// idempotent; a stopped appliance cannot be started again.
func (a *Appliance) Stop(ctx context.Context) error {
	return errors.Join(a.life.stop(ctx), a.stopTracing(ctx))
}

// NotReady names the components that are not started or not ready, in
// start order; empty means ready to serve.
func (a *Appliance) NotReady(ctx context.Context) []string { return a.life.notReady(ctx) }

// Failed delivers the error of a component that broke while running; the
// caller should then Stop the appliance.
func (a *Appliance) Failed() <-chan error { return a.failed }

// Addr is the address the HTTP server is bound to ("" before it starts):
// the real port when server.listen asked for port 0.
func (a *Appliance) Addr() string {
	if a.http == nil {
		return ""
	}
	return a.http.addr()
}

// Config returns the configuration the appliance was built from.
func (a *Appliance) Config() Config { return a.cfg }

// withPrevious marks c to start together with the component before it.
func withPrevious(c Component) Component {
	c.WithPrevious = true
	return c
}

// fail reports a runtime failure once.
func (a *Appliance) fail(err error) {
	a.failOnce.Do(func() { a.failed <- err })
}

// NewLogger returns the process logger: telemetry.NewLogger writing to w in
// the configured format and level, adding request ids from contexts.
func NewLogger(w io.Writer, cfg LogConfig) *slog.Logger {
	return telemetry.NewLogger(w, cfg.Format, cfg.Level)
}
