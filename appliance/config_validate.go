package appliance

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/bot"
)

// minJWTSecret is the shortest HS256 key accepted (RFC 7518 §3.2).
const minJWTSecret = 32

// FieldError is one invalid configuration key.
type FieldError struct {
	// Key is the dotted configuration key, e.g. "server.listen".
	Key string
	// Reason says what is wrong, safe to print.
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string { return e.Key + ": " + e.Reason }

// checker collects field errors.
type checker struct{ errs []error }

func (c *checker) fail(key, format string, args ...any) {
	c.errs = append(c.errs, &FieldError{Key: key, Reason: fmt.Sprintf(format, args...)})
}

func (c *checker) check(key string, err error) {
	if err != nil {
		c.fail(key, "%s", err.Error())
	}
}

// Validate reports every invalid key of c as a joined list of *FieldError.
// It is pure: it reads no files and opens no connections.
func (c Config) Validate() error {
	var ck checker
	if strings.TrimSpace(c.DataDir) == "" {
		ck.fail("data_dir", "must not be empty")
	}
	if c.SetupToken != "" && len(c.SetupToken) < auth.MinSetupTokenLen {
		ck.fail("setup_token", "must be at least %d characters (got %d)", auth.MinSetupTokenLen, len(c.SetupToken))
	}
	c.Server.validate(&ck)
	c.Server.validateEdge(&ck)
	c.Limits.validate(&ck)
	c.Log.validate(&ck)
	c.Telemetry.Tracing.validate(&ck)
	c.Database.validate(&ck)
	c.Auth.validate(&ck)
	c.Files.validate(&ck)
	c.Backup.validate(&ck)
	c.Search.validate(&ck)
	c.Bot.validate(&ck)
	c.NATS.validate(&ck)
	c.validateCluster(&ck)
	c.TLS.validate(&ck)
	c.validateListeners(&ck, "server.listen", c.Server.Listen)
	c.Gateway.validate(&ck)
	c.Alerts.validate(&ck)
	c.validateOperator(&ck)
	c.SMTP.validate(&ck)
	c.Notifications.validate(&ck)
	return errors.Join(ck.errs...)
}

// minBackupInterval keeps scheduled backups from running back to back.
const minBackupInterval = time.Minute

func (b BackupConfig) validate(ck *checker) {
	if b.Interval != 0 && b.Interval < minBackupInterval {
		ck.fail("backup.interval", "must be 0 (off) or at least %s", minBackupInterval)
	}
	if b.Keep < 1 {
		ck.fail("backup.keep", "must be at least 1")
	}
}

// minOrphanGrace keeps the orphan sweep from deleting an upload that is
// still being attached to the message being written.
const minOrphanGrace = time.Minute

func (f FilesConfig) validate(ck *checker) {
	if f.MaxSize <= 0 {
		ck.fail("files.max_size", "must be a positive number of bytes")
	}
	if f.QuotaPerUser < 0 {
		ck.fail("files.quota_per_user", "must be a number of bytes, or 0 for unlimited")
	}
	if f.QuotaPerWorkspace < 0 {
		ck.fail("files.quota_per_workspace", "must be a number of bytes, or 0 for unlimited")
	}
	if f.OrphanGrace < minOrphanGrace {
		ck.fail("files.orphan_grace", "must be at least %s", minOrphanGrace)
	}
}

func (s ServerConfig) validate(ck *checker) {
	ck.check("server.listen", checkHostPort(s.Listen))
	if s.ShutdownTimeout <= 0 {
		ck.fail("server.shutdown_timeout", "must be positive")
	}
	if s.MaxBodyBytes <= 0 {
		ck.fail("server.max_body_bytes", "must be a positive number of bytes")
	}
	if s.PublicURL != "" {
		u, err := url.Parse(s.PublicURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			ck.fail("server.public_url", "%q is not an http:// or https:// URL without query or fragment, like https://chat.example.org", s.PublicURL)
		case u.Path != "" && u.Path != "/":
			ck.fail("server.public_url", "%q has a path: the web app is served at the root of its host (give the proxy a host of its own)", s.PublicURL)
		}
	}
	for _, p := range s.TrustedProxies {
		if !validIPOrPrefix(p) {
			ck.fail("server.trusted_proxies", "%q is not an IP address or CIDR", p)
		}
	}
	switch s.SecureCookies {
	case SecureCookiesAuto, SecureCookiesAlways, SecureCookiesNever:
	default:
		ck.fail("server.secure_cookies", "%q is not one of auto, always, never", s.SecureCookies)
	}
}

func (t TracingConfig) validate(ck *checker) {
	if t.Endpoint != "" {
		if u, err := url.Parse(t.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ck.fail("telemetry.tracing.endpoint", "%q is not an http:// or https:// URL", t.Endpoint)
		}
	}
	switch t.Protocol {
	case "grpc", "http/protobuf":
	default:
		ck.fail("telemetry.tracing.protocol", "%q is not one of grpc, http/protobuf", t.Protocol)
	}
	if t.SampleRatio < 0 || t.SampleRatio > 1 {
		ck.fail("telemetry.tracing.sample_ratio", "%v is not between 0 and 1", t.SampleRatio)
	}
	if strings.TrimSpace(t.ServiceName) == "" {
		ck.fail("telemetry.tracing.service_name", "must not be empty")
	}
}

func (l LogConfig) validate(ck *checker) {
	switch l.Format {
	case "auto", "json", "text":
	default:
		ck.fail("log.format", "%q is not one of auto, json, text", l.Format)
	}
	switch l.Level {
	case "debug", "info", "warn", "error":
	default:
		ck.fail("log.level", "%q is not one of debug, info, warn, error", l.Level)
	}
}

func (d DatabaseConfig) validate(ck *checker) {
	if d.ConnectTimeout < 0 {
		ck.fail("database.connect_timeout", "must not be negative")
	}
	if d.URL == "" {
		return
	}
	if _, err := url.Parse(d.URL); err != nil || !IsPostgresURL(d.URL) {
		// The URL is not echoed: it may carry a password.
		ck.fail("database.url", "must be empty (SQLite in the data dir) or a postgres:// URL")
	}
}

// IsPostgresURL reports whether u names a Postgres database.
func IsPostgresURL(u string) bool {
	l := strings.ToLower(u)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

func (a AuthConfig) validate(ck *checker) {
	if a.JWTSecret != "" && len(a.JWTSecret) < minJWTSecret {
		ck.fail("auth.jwt_secret", "must be at least %d bytes (got %d)", minJWTSecret, len(a.JWTSecret))
	}
	if a.AccessTTL <= 0 {
		ck.fail("auth.access_ttl", "must be positive")
	}
	if a.SignupsPerHour < 0 {
		ck.fail("auth.signups_per_hour", "must not be negative (0 turns the limit off)")
	}
	if a.RefreshTTL <= 0 {
		ck.fail("auth.refresh_ttl", "must be positive")
	} else if a.RefreshTTL < a.AccessTTL {
		ck.fail("auth.refresh_ttl", "must not be shorter than auth.access_ttl")
	}
	a.OIDC.validate(ck)
}

func (s SearchConfig) validate(ck *checker) {
	m := s.Meilisearch
	switch s.Engine {
	case SearchEmbedded:
	case SearchMeilisearch:
		if m.URL == "" && m.Binary == "" {
			ck.fail("search.meilisearch.url", "set url (an external server) or binary (a sidecar) when search.engine is meilisearch")
		}
		if m.URL != "" && m.Binary != "" {
			ck.fail("search.meilisearch.binary", "set either url or binary, not both")
		}
	default:
		ck.fail("search.engine", "%q is not one of embedded, meilisearch", s.Engine)
	}
	if m.URL != "" {
		ck.check("search.meilisearch.url", checkHTTPURL(m.URL))
	}
}

func (b BotConfig) validate(ck *checker) {
	if b.BaseURL != "" {
		ck.check("bot.base_url", checkHTTPURL(b.BaseURL))
		if b.Model == "" {
			ck.fail("bot.model", "required when bot.base_url is set")
		}
	}
	if b.Model != "" && b.BaseURL == "" {
		ck.fail("bot.base_url", "required when bot.model is set")
	}
	if b.EmbeddingModel != "" && b.BaseURL == "" {
		ck.fail("bot.embedding_model", "needs bot.base_url and bot.model")
	}
	for _, code := range b.Languages {
		if !bot.KnownLanguage(code) {
			ck.fail("bot.languages", "unknown language code %q (ISO 639-1, e.g. en, de, ja)", code)
		}
	}
	if b.Timeout <= 0 {
		ck.fail("bot.timeout", "must be positive")
	}
	if b.MaxOutputTokens < 0 {
		ck.fail("bot.max_output_tokens", "must be a number of tokens, or 0 for the endpoint's default")
	}
	if b.DailyTokenBudget < 0 {
		ck.fail("bot.daily_token_budget", "must be a number of tokens, or 0 for no cap")
	}
	if b.UserRate < 0 {
		ck.fail("bot.user_rate", "must be requests per minute, or 0 for no limit")
	}
}

func (n NATSConfig) validate(ck *checker) {
	if n.Listen != "" {
		ck.check("nats.listen", checkHostPort(n.Listen))
		if n.User == "" {
			ck.fail("nats.user", "required when nats.listen is set: the listener needs credentials")
		}
		if n.Password == "" && n.PasswordFile == "" {
			ck.fail("nats.password", "required when nats.listen is set: the listener needs credentials")
		}
	}
	if n.MaxStore <= 0 {
		ck.fail("nats.max_store", "must be a positive number of bytes")
	}
	if n.MaxMemory <= 0 {
		ck.fail("nats.max_memory", "must be a positive number of bytes")
	}
	if n.ReplayHorizon < time.Minute {
		ck.fail("nats.replay_horizon", "must be at least 1m")
	}
}

func (c Config) validateCluster(ck *checker) {
	cl := c.Cluster
	if cl.Name == "" || strings.ContainsAny(cl.Name, " \t\r\n") {
		ck.fail("cluster.name", "must be a non-empty name without spaces")
	}
	if cl.Listen != "" {
		ck.check("cluster.listen", checkHostPort(cl.Listen))
	}
	for _, r := range cl.Routes {
		ck.check("cluster.routes", checkRoute(r))
	}
	if len(cl.Routes) == 0 {
		return
	}
	if cl.Listen == "" {
		ck.fail("cluster.listen", "required when cluster.routes is set")
	}
	if c.Database.URL == "" && c.Database.URLFile == "" {
		ck.fail("database.url", "cluster nodes share one Postgres: set a postgres:// URL")
	}
	if c.Auth.JWTSecret == "" && c.Auth.JWTSecretFile == "" {
		ck.fail("auth.jwt_secret", "cluster nodes must share one signing key: set it")
	}
	if cl.Password == "" && cl.PasswordFile == "" {
		ck.fail("cluster.password", "routes between nodes need a shared password: set it")
	}
	if cl.User == "" {
		ck.fail("cluster.user", "must not be empty when clustering")
	}
}

func (t TLSConfig) validate(ck *checker) {
	for _, d := range t.Domains {
		switch {
		case strings.HasPrefix(d, "*."):
			ck.fail("tls.domains", "%q: a wildcard needs the DNS-01 challenge, which is not supported; list the names, or use tls.cert_file", d)
		case !validDomain(d):
			ck.fail("tls.domains", "%q is not a domain name", d)
		}
	}
	if t.Email != "" && (!strings.Contains(t.Email, "@") || strings.ContainsAny(t.Email, " \t\r\n")) {
		ck.fail("tls.email", "%q is not an email address", t.Email)
	}
	if u, err := url.Parse(t.CA); err != nil || u.Scheme != "https" || u.Host == "" {
		ck.fail("tls.ca", "%q is not an https:// ACME directory URL", redactURL(t.CA))
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		ck.fail("tls.key_file", "set tls.cert_file and tls.key_file together")
	}
	if t.CertFile != "" && len(t.Domains) > 0 {
		ck.fail("tls.cert_file", "set either tls.domains (ACME) or tls.cert_file (your own certificate), not both")
	}
	ck.check("tls.http_listen", checkHostPort(t.HTTPListen))
	ck.check("tls.https_listen", checkHostPort(t.HTTPSListen))
}

// validateListeners refuses two listeners on one address when TLS is on;
// plainKey is the plain HTTP listener's key (server.listen for a node,
// gateway.listen for the gateway).
func (c Config) validateListeners(ck *checker, plainKey, plainAddr string) {
	if !c.TLS.Enabled() {
		return
	}
	seen := map[string]string{}
	for _, l := range []struct{ key, addr string }{
		{plainKey, plainAddr}, {"tls.http_listen", c.TLS.HTTPListen}, {"tls.https_listen", c.TLS.HTTPSListen},
	} {
		if other, dup := seen[l.addr]; dup && !strings.HasSuffix(l.addr, ":0") {
			ck.fail(l.key, "%q is also %s", l.addr, other)
		}
		seen[l.addr] = l.key
	}
}

// checkHostPort accepts host:port with an empty host allowed and a port
// from 0 (pick one) to 65535.
func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port", s)
	}
	if strings.ContainsAny(host, " \t\r\n/") {
		return fmt.Errorf("%q has an invalid host", s)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has an invalid port", s)
	}
	return nil
}

func checkHTTPURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", redactURL(s))
	}
	return nil
}

// checkRoute accepts a nats-route:// (or nats://) URL, or a bare host:port
// (docs/cluster.md's form), which the embedded server reads as
// nats-route://host:port.
func checkRoute(s string) error {
	if !strings.Contains(s, "://") {
		if host, _, err := net.SplitHostPort(s); err == nil && host == "" {
			return fmt.Errorf("%q names no host", s)
		}
		return checkHostPort(s)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "nats-route" && u.Scheme != "nats") || u.Host == "" {
		return fmt.Errorf("%q is not host:port or a nats-route://host:port URL", redactURL(s))
	}
	return checkHostPort(u.Host)
}

// validIPOrPrefix accepts an IP address or a CIDR, without an IPv6 zone
// (the API's proxy list does not take zones).
func validIPOrPrefix(s string) bool {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Zone() == ""
	}
	_, err := netip.ParsePrefix(s)
	return err == nil
}

// validDomain accepts DNS names (letters, digits, hyphens, dots; a leading
// "*." wildcard) of at most 253 characters.
func validDomain(d string) bool {
	d = strings.TrimPrefix(d, "*.")
	if d == "" || len(d) > 253 || strings.HasSuffix(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if !validLabel(label) {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		ok := r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !ok {
			return false
		}
	}
	return true
}

func (a AlertsConfig) validate(ck *checker) {
	if a.WebhookURL == "" {
		return
	}
	u, err := url.Parse(a.WebhookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		ck.fail("alerts.webhook_url", "must be an http:// or https:// URL")
	}
}
