package appliance

import (
	"time"

	"github.com/fechatter/fechatter/internal/gateway"
)

// Config is the whole configuration of a Fechatter node. Each field's doc
// comment ends with its default. Load fills it from defaults, a YAML file,
// FECHATTER_* environment variables and flags; Validate checks it without
// touching the outside world.
type Config struct {
	// DataDir holds the database, keys, files, streams and indexes, laid
	// out by layoutOf. Default "./data".
	DataDir string `yaml:"data_dir"`
	// SetupToken is the token first-run setup needs (at least 16
	// characters); empty means one generated on first start, kept in
	// <data_dir>/setup.token until setup is done and printed as a link.
	// Secret. Default "".
	SetupToken string `yaml:"setup_token"`
	// SetupTokenFile is a file holding SetupToken. Default "".
	SetupTokenFile string `yaml:"setup_token_file"`
	// Server is the HTTP listener.
	Server ServerConfig `yaml:"server"`
	// Limits are the request rate limits.
	Limits LimitsConfig `yaml:"limits"`
	// Log is the process log.
	Log LogConfig `yaml:"log"`
	// Telemetry configures OpenTelemetry tracing.
	Telemetry TelemetryConfig `yaml:"telemetry"`
	// Database selects the store.
	Database DatabaseConfig `yaml:"database"`
	// Auth holds token signing and lifetimes.
	Auth AuthConfig `yaml:"auth"`
	// Files holds upload limits.
	Files FilesConfig `yaml:"files"`
	// Backup schedules backups while the server runs.
	Backup BackupConfig `yaml:"backup"`
	// Search selects the search engine.
	Search SearchConfig `yaml:"search"`
	// Bot is the assistant's model endpoint and limits.
	Bot BotConfig `yaml:"bot"`
	// NATS configures the embedded NATS server.
	NATS NATSConfig `yaml:"nats"`
	// Cluster joins several nodes into one NATS cluster.
	Cluster ClusterConfig `yaml:"cluster"`
	// TLS turns on automatic HTTPS.
	TLS TLSConfig `yaml:"tls"`
	// Gateway configures `fechatter gateway`, the front door of a cluster.
	Gateway GatewayConfig `yaml:"gateway"`
	// Alerts configures the built-in alerts.
	Alerts AlertsConfig `yaml:"alerts"`
	// Admin says who may reach the operator endpoints.
	Admin AdminConfig `yaml:"admin"`
	// Outbound says where the server's own requests to user-given URLs
	// (link previews, webhooks, integrations) may go.
	Outbound OutboundConfig `yaml:"outbound"`
	// SMTP is the mail relay (password reset, email change, digests).
	SMTP SMTPConfig `yaml:"smtp"`
	// Notifications configures notifications sent outside the web app.
	Notifications NotificationsConfig `yaml:"notifications"`
	// Metrics configures GET /metrics.
	Metrics MetricsConfig `yaml:"metrics"`
	// Debug turns on debugging endpoints.
	Debug DebugConfig `yaml:"debug"`
}

// AlertsConfig configures the built-in alerts: the rules of
// deploy/prometheus/alerts.yml evaluated in-process, with notices to the
// instance administrators' direct messages and an optional webhook.
type AlertsConfig struct {
	// Enabled evaluates the rules and sends notices. Default true.
	Enabled bool `yaml:"enabled"`
	// WebhookURL receives each firing and resolved notice as a JSON POST
	// (docs/monitoring.md); empty sends none. Default "".
	WebhookURL string `yaml:"webhook_url"`
}

// AdminConfig says who may reach the operator endpoints (/metrics and
// /debug/pprof).
type AdminConfig struct {
	// AllowCIDRs are the client networks (IPs or CIDRs) admitted without
	// a token; the client is the TCP peer, or what a trusted proxy says.
	// Default [127.0.0.0/8, ::1/128] (loopback).
	AllowCIDRs []string `yaml:"allow_cidrs"`
}

// OutboundConfig governs requests the server makes to URLs that users
// supply. Public addresses are always allowed; nothing else is, unless
// listed here.
type OutboundConfig struct {
	// AllowCIDRs are private networks (IPs or CIDRs) that such requests
	// may reach anyway: a CI server or a monitoring host on the LAN.
	// Default [] (public addresses only).
	AllowCIDRs []string `yaml:"allow_cidrs"`
}

// MetricsConfig configures GET /metrics.
type MetricsConfig struct {
	// Token admits a scraper from any network that sends
	// "Authorization: Bearer <token>" (at least 16 characters); empty
	// means only admin.allow_cidrs. Secret. Default "".
	Token string `yaml:"token"`
	// TokenFile is a file holding Token. Default "".
	TokenFile string `yaml:"token_file"`
}

// DebugConfig turns on debugging endpoints.
type DebugConfig struct {
	// Pprof serves Go's profiles under /debug/pprof/, behind the same
	// guard as /metrics. Default false.
	Pprof bool `yaml:"pprof"`
}

// ServerConfig is the HTTP listener.
type ServerConfig struct {
	// Listen is the host:port to serve HTTP on. Default ":8080".
	Listen string `yaml:"listen"`
	// ShutdownTimeout bounds a graceful stop. Default 15s.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// MaxBodyBytes caps a JSON request body. Default 1048576 (1 MiB).
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// PublicURL is the address people use to reach this server, such as
	// https://chat.example.org behind a reverse proxy: links in emails,
	// sign-in redirects and webhook URLs are built from it. Default "":
	// https:// the first of tls.domains, else http:// the listen address.
	PublicURL string `yaml:"public_url"`
	// TrustedProxies are the IPs or CIDRs whose X-Forwarded-* headers are
	// believed. Default [] (none).
	TrustedProxies []string `yaml:"trusted_proxies"`
	// SecureCookies is auto, always or never. auto decides per request:
	// the refresh cookie is Secure (and named __Host-fechatter_refresh)
	// when the request came over TLS to this server, or from one of
	// TrustedProxies with X-Forwarded-Proto: https; always suits a TLS
	// proxy that is not listed there. Default "auto".
	SecureCookies string `yaml:"secure_cookies"`
	// AllowCIDRs, when not empty, are the only client networks served;
	// others get 403. Default [] (everyone).
	AllowCIDRs []string `yaml:"allow_cidrs"`
	// DenyCIDRs are client networks refused with 403, even if allowed.
	// Default [].
	DenyCIDRs []string `yaml:"deny_cidrs"`
	// ReadHeaderTimeout bounds reading a request's headers. Default 10s.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request, body included, on every
	// route but the event stream. Default 5m.
	ReadTimeout time.Duration `yaml:"read_timeout"`
	// WriteTimeout bounds writing an answer, on every route but the event
	// stream. Default 5m.
	WriteTimeout time.Duration `yaml:"write_timeout"`
	// IdleTimeout closes a keep-alive connection idle this long. Default 2m.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	// MaxHeaderBytes caps the request line and headers; more gets 431.
	// Default 65536 (64 KiB).
	MaxHeaderBytes int64 `yaml:"max_header_bytes"`
	// MaxURIBytes caps the request target (path and query); longer gets
	// 414. Default 8192.
	MaxURIBytes int64 `yaml:"max_uri_bytes"`
}

// LimitsConfig is the request rate limits: token buckets of a quota per
// window, per signed-in user and per client IP (IPv6: per /64), by class.
type LimitsConfig struct {
	// Enabled turns the limits on; turn them off only for load tests from
	// one machine. Default true.
	Enabled bool `yaml:"enabled"`
	// Auth is sign-in, sign-up, refresh, setup, invite lookups and
	// password changes, per client IP (auth's own per-account limits come
	// on top). Default 60 per IP per 1m.
	Auth IPBudget `yaml:"auth"`
	// Writes is messages, edits, reactions, read markers, typing, uploads,
	// chat and workspace changes. Default 600 per user, 6000 per IP per 1m.
	Writes Budget `yaml:"writes"`
	// Reads is every other GET. Default 1200 per user, 12000 per IP per 1m.
	Reads Budget `yaml:"reads"`
	// Search is message search. Default 300 per user, 3000 per IP per 1m.
	Search Budget `yaml:"search"`
	// Events is event-stream connects and tickets. Default 120 per user,
	// 1200 per IP per 1m.
	Events Budget `yaml:"events"`
	// StreamsPerUser caps one user's concurrent event streams; 0 means no
	// cap. Default 20.
	StreamsPerUser int64 `yaml:"streams_per_user"`
	// StreamsPerIP caps the concurrent event streams from one client IP; 0
	// means no cap. Default 500.
	StreamsPerIP int64 `yaml:"streams_per_ip"`
	// MaxKeys caps the buckets held in memory (about 200 bytes each); idle
	// ones are dropped first. Default 100000.
	MaxKeys int64 `yaml:"max_keys"`
}

// Budget is one class's quotas: requests per Window, refilled evenly.
type Budget struct {
	// PerUser is the quota of one signed-in user; 0 means none. Default:
	// see LimitsConfig.
	PerUser int64 `yaml:"per_user"`
	// PerIP is the quota of one client IP; 0 means none. Default: see
	// LimitsConfig.
	PerIP int64 `yaml:"per_ip"`
	// Window is the period of the quotas. Default 1m.
	Window time.Duration `yaml:"window"`
}

// IPBudget is a quota per client IP only.
type IPBudget struct {
	// PerIP is the quota of one client IP; 0 means none. Default 60.
	PerIP int64 `yaml:"per_ip"`
	// Window is the period of the quota. Default 1m.
	Window time.Duration `yaml:"window"`
}

// LogConfig is the process log.
type LogConfig struct {
	// Format is json, text or auto (text on a terminal). Default "auto".
	Format string `yaml:"format"`
	// Level is debug, info, warn or error. Default "info".
	Level string `yaml:"level"`
}

// TelemetryConfig configures OpenTelemetry.
type TelemetryConfig struct {
	// Tracing exports traces over OTLP.
	Tracing TracingConfig `yaml:"tracing"`
}

// TracingConfig exports traces over OTLP. The standard OTEL_* variables
// win over each key (OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT,
// OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, OTEL_SERVICE_NAME,
// OTEL_TRACES_SAMPLER and _ARG).
type TracingConfig struct {
	// Endpoint is the OTLP collector's base URL (http://host:4318 for
	// http/protobuf, http://host:4317 for grpc); empty exports no traces.
	// Default "".
	Endpoint string `yaml:"endpoint"`
	// Protocol is grpc or http/protobuf. Default "http/protobuf".
	Protocol string `yaml:"protocol"`
	// SampleRatio is the share of new traces recorded, 0 to 1; a request
	// with a traceparent follows its sampled flag. Default 1.
	SampleRatio float64 `yaml:"sample_ratio"`
	// ServiceName is service.name in the collector. Default "fechatter".
	ServiceName string `yaml:"service_name"`
}

// DatabaseConfig selects the store.
type DatabaseConfig struct {
	// URL is a postgres:// URL; empty means SQLite at <data_dir>/fechatter.db. Default "".
	URL string `yaml:"url"`
	// URLFile is a file holding URL (it may carry a password). Default "".
	URLFile string `yaml:"url_file"`
	// ConnectTimeout is how long `serve` keeps retrying, with backoff, a
	// Postgres it cannot reach at start (containers start in any order);
	// 0 tries once. Default 60s.
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
}

// AuthConfig holds token signing and lifetimes.
type AuthConfig struct {
	// JWTSecret signs access tokens (at least 32 bytes); empty means a key
	// generated on first start in <data_dir>/jwt.key. Secret. Default "".
	JWTSecret string `yaml:"jwt_secret"`
	// JWTSecretFile is a file holding JWTSecret. Default "".
	JWTSecretFile string `yaml:"jwt_secret_file"`
	// AccessTTL is the lifetime of an access token. Default 15m.
	AccessTTL time.Duration `yaml:"access_ttl"`
	// RefreshTTL is how long an unused session lives. Default 720h (30 days).
	RefreshTTL time.Duration `yaml:"refresh_ttl"`
	// OpenSignup lets anyone sign up without an invite code. Default false.
	OpenSignup bool `yaml:"open_signup"`
	// SignupsPerHour is how many sign-up attempts one client IP (one /64
	// for IPv6) may make per hour; 0 turns the limit off. Default 20.
	SignupsPerHour int64 `yaml:"signups_per_hour"`
	// OIDC configures single sign-on.
	OIDC OIDCConfig `yaml:"oidc"`
	// TwoFactor configures two-factor authentication.
	TwoFactor TwoFactorConfig `yaml:"two_factor"`
}

// FilesConfig holds upload limits.
type FilesConfig struct {
	// MaxSize is the largest upload in bytes. Default 26214400 (25 MiB).
	MaxSize int64 `yaml:"max_size"`
	// QuotaPerUser caps the bytes one user may have uploaded, all
	// workspaces together; 0 means unlimited. Default 1073741824 (1 GiB).
	QuotaPerUser int64 `yaml:"quota_per_user"`
	// QuotaPerWorkspace caps the bytes of all files in one workspace; 0
	// means unlimited. Default 10737418240 (10 GiB).
	QuotaPerWorkspace int64 `yaml:"quota_per_workspace"`
	// OrphanGrace is how long an upload may stay attached to no message
	// (never sent, or its message deleted) before it is deleted. Default 24h.
	OrphanGrace time.Duration `yaml:"orphan_grace"`
}

// BackupConfig schedules backups while the server runs: the archives of
// `fechatter backup`, rotated.
type BackupConfig struct {
	// Interval is the time between scheduled backups (the first one
	// interval after start); 0 turns them off. Default 0.
	Interval time.Duration `yaml:"interval"`
	// Keep is how many scheduled archives are kept; older ones are
	// deleted after each new one. Default 7.
	Keep int64 `yaml:"keep"`
	// Dir is where scheduled archives go; empty means <data_dir>/backups.
	// Default "".
	Dir string `yaml:"dir"`
}

// SearchConfig selects the search engine.
type SearchConfig struct {
	// Engine is embedded or meilisearch. Default "embedded".
	Engine string `yaml:"engine"`
	// Meilisearch configures the meilisearch engine.
	Meilisearch MeilisearchConfig `yaml:"meilisearch"`
}

// MeilisearchConfig configures the meilisearch engine: an external server
// at URL, or a sidecar started from Binary.
type MeilisearchConfig struct {
	// URL of an external Meilisearch. Default "".
	URL string `yaml:"url"`
	// APIKey for URL (the sidecar gets a generated master key). Secret. Default "".
	APIKey string `yaml:"api_key"`
	// APIKeyFile is a file holding APIKey. Default "".
	APIKeyFile string `yaml:"api_key_file"`
	// Binary is the path of a meilisearch executable to supervise. Default "".
	Binary string `yaml:"binary"`
}

// BotConfig is the assistant's OpenAI-compatible model endpoint and its
// limits (docs/assistant.md).
type BotConfig struct {
	// BaseURL of an OpenAI-compatible API, e.g. http://localhost:11434/v1
	// (Ollama); empty means no model: the assistant says so when asked.
	// Default "".
	BaseURL string `yaml:"base_url"`
	// Model is the model name the endpoint serves. Default "".
	Model string `yaml:"model"`
	// EmbeddingModel is the endpoint's embedding model for the knowledge
	// base; empty means keyword (BM25) retrieval only. Default "".
	EmbeddingModel string `yaml:"embedding_model"`
	// APIKey is sent as a bearer token. Secret. Default "".
	APIKey string `yaml:"api_key"`
	// APIKeyFile is a file holding APIKey. Default "".
	APIKeyFile string `yaml:"api_key_file"`
	// Timeout bounds one answer, from the request to its last token.
	// Default 2m.
	Timeout time.Duration `yaml:"timeout"`
	// MaxOutputTokens caps one answer's length in tokens; 0 means the
	// endpoint's default. Default 1024.
	MaxOutputTokens int64 `yaml:"max_output_tokens"`
	// DailyTokenBudget caps the tokens (prompt and answer) one workspace
	// may use per UTC day; 0 means no cap. Default 200000.
	DailyTokenBudget int64 `yaml:"daily_token_budget"`
	// UserRate is how many requests to the assistant one user may make per
	// minute; 0 means no limit. Default 10.
	UserRate int64 `yaml:"user_rate"`
	// Languages are the ISO 639-1 codes language detection chooses among;
	// empty means every language the detector knows. Naming the team's
	// languages makes detection of short messages more accurate. Default
	// empty.
	Languages []string `yaml:"languages"`
}

// NATSConfig configures the embedded NATS server.
type NATSConfig struct {
	// Listen is a host:port for NATS clients; empty means in-process only. Default "".
	Listen string `yaml:"listen"`
	// User that external NATS clients authenticate as (required with listen). Default "".
	User string `yaml:"user"`
	// Password of User. Secret. Default "".
	Password string `yaml:"password"`
	// PasswordFile is a file holding Password. Default "".
	PasswordFile string `yaml:"password_file"`
	// SyncAlways fsyncs every JetStream write before acknowledging it.
	// Default false: writes reach the OS at once (a crash of the process
	// loses none) and are synced every two minutes; after a power cut the
	// outbox relay republishes what the stream lost, at the same sequence
	// numbers. True costs an fsync per event.
	SyncAlways bool `yaml:"sync_always"`
	// MaxStore bounds JetStream's disk use in bytes. Default 10 GiB.
	MaxStore int64 `yaml:"max_store"`
	// MaxMemory bounds JetStream's memory use in bytes. Default 64 MiB.
	MaxMemory int64 `yaml:"max_memory"`
	// ReplayHorizon is how long the event stream keeps events for resume
	// (older resume points get a resync), and how long the outbox keeps a
	// published event (pruned hourly past it). Default 168h.
	ReplayHorizon time.Duration `yaml:"replay_horizon"`
}

// ClusterConfig joins several nodes into one NATS cluster.
type ClusterConfig struct {
	// Name of the NATS cluster. Default "fechatter".
	Name string `yaml:"name"`
	// Listen is the host:port for cluster routes. Default "".
	Listen string `yaml:"listen"`
	// Routes are the route addresses of the nodes: host:port or
	// nats-route://host:port URLs. Default [].
	Routes []string `yaml:"routes"`
	// NodeName names this node; unique within the cluster. Default: the host name.
	NodeName string `yaml:"node_name"`
	// User that routes authenticate as. Default "fechatter".
	User string `yaml:"user"`
	// Password of the routes, the same on every node (required with routes). Secret. Default "".
	Password string `yaml:"password"`
	// PasswordFile is a file holding Password. Default "".
	PasswordFile string `yaml:"password_file"`
}

// TLSConfig turns on HTTPS: certificates from an ACME CA for Domains, or
// an own certificate from CertFile and KeyFile.
type TLSConfig struct {
	// Domains to obtain certificates for by ACME (HTTP-01 on HTTPListen,
	// TLS-ALPN-01 on HTTPSListen); empty means no ACME. Default [].
	Domains []string `yaml:"domains"`
	// Email is the contact address given to the ACME CA. Default "".
	Email string `yaml:"email"`
	// CA is the ACME directory URL (Let's Encrypt's staging CA is
	// https://acme-staging-v02.api.letsencrypt.org/directory). Default
	// "https://acme-v02.api.letsencrypt.org/directory".
	CA string `yaml:"ca"`
	// CARootFile is a PEM file of root certificates to trust for the CA's
	// own HTTPS endpoint (a private ACME CA). Default "".
	CARootFile string `yaml:"ca_root_file"`
	// CertFile is a PEM certificate chain to serve instead of ACME,
	// reloaded when it changes. Default "".
	CertFile string `yaml:"cert_file"`
	// KeyFile is the PEM private key of CertFile. Default "".
	KeyFile string `yaml:"key_file"`
	// HTTPListen is the host:port of plain HTTP when TLS is on: ACME
	// challenges, and redirects to HTTPS. Default ":80".
	HTTPListen string `yaml:"http_listen"`
	// HTTPSListen is the host:port HTTPS is served on. Default ":443".
	HTTPSListen string `yaml:"https_listen"`
}

// Enabled reports whether HTTPS is served.
func (t TLSConfig) Enabled() bool { return len(t.Domains) > 0 || t.CertFile != "" }

// Default returns the configuration used when nothing is configured.
func Default() Config {
	return Config{
		DataDir: "./data",
		Alerts:  AlertsConfig{Enabled: true},
		Server: ServerConfig{
			Listen:          ":8080",
			ShutdownTimeout: 15 * time.Second,
			MaxBodyBytes:    1 << 20,
			SecureCookies:   SecureCookiesAuto,

			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       5 * time.Minute,
			WriteTimeout:      5 * time.Minute,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			MaxURIBytes:       8 << 10,
		},
		Database: DatabaseConfig{ConnectTimeout: time.Minute},
		Limits:   defaultLimits(),
		Log:      LogConfig{Format: "auto", Level: "info"},
		Telemetry: TelemetryConfig{Tracing: TracingConfig{
			Protocol: "http/protobuf", SampleRatio: 1, ServiceName: "fechatter",
		}},
		Auth:   AuthConfig{AccessTTL: 15 * time.Minute, RefreshTTL: 720 * time.Hour, SignupsPerHour: 20},
		Files:  FilesConfig{MaxSize: 25 << 20, QuotaPerUser: 1 << 30, QuotaPerWorkspace: 10 << 30, OrphanGrace: 24 * time.Hour},
		Backup: BackupConfig{Keep: 7},
		Search: SearchConfig{Engine: SearchEmbedded},
		Bot:    BotConfig{Timeout: 2 * time.Minute, MaxOutputTokens: 1024, DailyTokenBudget: 200_000, UserRate: 10},
		NATS: NATSConfig{
			MaxStore: 10 << 30, MaxMemory: 64 << 20, ReplayHorizon: 168 * time.Hour,
		},
		Cluster: ClusterConfig{
			Name: "fechatter",
			User: "fechatter",
		},
		TLS:     TLSConfig{CA: DefaultACMECA, HTTPListen: ":80", HTTPSListen: ":443"},
		Gateway: defaultGateway(),
		Admin:   AdminConfig{AllowCIDRs: append([]string(nil), gateway.DefaultAdminCIDRs...)},
		SMTP:    SMTPConfig{Port: 587, TLS: "starttls", Timeout: 30 * time.Second},

		Notifications: NotificationsConfig{EmailDigestAfter: 15 * time.Minute},
	}
}

// Values of ServerConfig.SecureCookies.
const (
	SecureCookiesAuto   = "auto"
	SecureCookiesAlways = "always"
	SecureCookiesNever  = "never"
)

// DefaultACMECA is Let's Encrypt's production ACME directory.
const DefaultACMECA = "https://acme-v02.api.letsencrypt.org/directory"

// Values of SearchConfig.Engine.
const (
	SearchEmbedded    = "embedded"
	SearchMeilisearch = "meilisearch"
)

// redactedValue replaces secrets in Redacted.
const redactedValue = "[redacted]"

// secret is one secret value and the key of the file that may hold it.
type secret struct {
	key     string
	value   *string
	fileKey string
	file    *string
}

// secrets lists c's secret values with their *_file siblings.
func (c *Config) secrets() []secret {
	return []secret{
		{"setup_token", &c.SetupToken, "setup_token_file", &c.SetupTokenFile},
		{"database.url", &c.Database.URL, "database.url_file", &c.Database.URLFile},
		{"auth.jwt_secret", &c.Auth.JWTSecret, "auth.jwt_secret_file", &c.Auth.JWTSecretFile},
		{"search.meilisearch.api_key", &c.Search.Meilisearch.APIKey, "search.meilisearch.api_key_file", &c.Search.Meilisearch.APIKeyFile},
		{"bot.api_key", &c.Bot.APIKey, "bot.api_key_file", &c.Bot.APIKeyFile},
		{"nats.password", &c.NATS.Password, "nats.password_file", &c.NATS.PasswordFile},
		{"cluster.password", &c.Cluster.Password, "cluster.password_file", &c.Cluster.PasswordFile},
		{"metrics.token", &c.Metrics.Token, "metrics.token_file", &c.Metrics.TokenFile},
		{"smtp.password", &c.SMTP.Password, "smtp.password_file", &c.SMTP.PasswordFile},
	}
}

// Redacted returns a copy of c fit to print: every secret that is set is
// replaced by "[redacted]", and every URL-valued key (database.url,
// search.meilisearch.url, cluster.routes, and any added
// later) keeps everything but its credentials (see redactURL).
func (c Config) Redacted() Config {
	c.Server.TrustedProxies = cloneStrings(c.Server.TrustedProxies)
	c.Server.AllowCIDRs = cloneStrings(c.Server.AllowCIDRs)
	c.Server.DenyCIDRs = cloneStrings(c.Server.DenyCIDRs)
	c.Cluster.Routes = cloneStrings(c.Cluster.Routes)
	c.TLS.Domains = cloneStrings(c.TLS.Domains)
	c.Gateway.Backends = cloneStrings(c.Gateway.Backends)
	c.Admin.AllowCIDRs = cloneStrings(c.Admin.AllowCIDRs)
	c.Outbound.AllowCIDRs = cloneStrings(c.Outbound.AllowCIDRs)
	c.Bot.Languages = cloneStrings(c.Bot.Languages)
	redactURLs(&c)
	c.Auth.OIDC = c.Auth.OIDC.redacted()
	for _, s := range c.secrets() {
		if *s.value == "" || s.value == &c.Database.URL {
			continue
		}
		*s.value = redactedValue
	}
	return c
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}
