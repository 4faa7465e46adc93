package appliance

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"
)

func TestDefaultIsValid(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default() is invalid: %v", err)
	}
}

func TestExampleConfigEqualsDefault(t *testing.T) {
	path := filepath.Join("..", "config.example.yaml")
	cfg, err := Load(LoadOptions{ConfigFile: path})
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	if !reflect.DeepEqual(cfg, Default()) {
		t.Fatalf("config.example.yaml differs from Default():\n got %+v\nwant %+v", cfg, Default())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fileKeys(t, data), Keys(); !slices.Equal(got, want) {
		t.Fatalf("config.example.yaml does not document exactly every key:\n got %v\nwant %v", got, want)
	}
}

// fileKeys returns the dotted leaf keys of a YAML document, in order.
func fileKeys(t *testing.T, data []byte) []string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var keys []string
	var walk func(n *yaml.Node, prefix string)
	walk = func(n *yaml.Node, prefix string) {
		for i := 0; i+1 < len(n.Content); i += 2 {
			key := prefix + n.Content[i].Value
			if v := n.Content[i+1]; v.Kind == yaml.MappingNode {
				walk(v, key+".")
			} else {
				keys = append(keys, key)
			}
		}
	}
	walk(doc.Content[0], "")
	return keys
}

func TestArchitectureKeys(t *testing.T) {
	// ARCHITECTURE.md §8: keys that scripts and containers rely on.
	for key, env := range map[string]string{
		"data_dir":         "FECHATTER_DATA_DIR",
		"server.listen":    "FECHATTER_SERVER__LISTEN",
		"database.url":     "FECHATTER_DATABASE__URL",
		"search.engine":    "FECHATTER_SEARCH__ENGINE",
		"tls.domains":      "FECHATTER_TLS__DOMAINS",
		"cluster.routes":   "FECHATTER_CLUSTER__ROUTES",
		"bot.base_url":     "FECHATTER_BOT__BASE_URL",
		"bot.model":        "FECHATTER_BOT__MODEL",
		"bot.api_key_file": "FECHATTER_BOT__API_KEY_FILE",
	} {
		if !slices.Contains(Keys(), key) {
			t.Errorf("key %s missing", key)
		}
		if got := EnvName(key); got != env {
			t.Errorf("EnvName(%s) = %s, want %s", key, got, env)
		}
	}
}

func TestYAMLRoundTrip(t *testing.T) {
	cfg := Default()
	cfg.Server.TrustedProxies = []string{"10.0.0.0/8", "::1"}
	cfg.Server.ShutdownTimeout = 90 * time.Second
	cfg.Auth.JWTSecret = strings.Repeat("k", 40)
	cfg.Auth.AccessTTL = 90 * time.Minute
	cfg.TLS.Domains = []string{"chat.example.com"}
	cfg.TLS.Email = "ops@example.com"
	cfg.Alerts.WebhookURL = "https://hooks.example.com/fechatter"
	cfg.Cluster.NodeName = "123" // must stay text
	cfg.Log.Level = "debug"
	data, err := cfg.YAML()
	if err != nil {
		t.Fatal(err)
	}
	got, err := load(data, "roundtrip.yaml", LoadOptions{})
	if err != nil {
		t.Fatalf("load rendered config: %v\n%s", err, data)
	}
	if !reflect.DeepEqual(got, cfg) {
		t.Fatalf("round trip changed the config:\n got %+v\nwant %+v\n%s", got, cfg, data)
	}
}

// writeFile writes content to a new file in a temp dir and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func flagSet(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "config.yaml", "data_dir: /from/file\nserver:\n  listen: 127.0.0.1:1001\ndatabase:\n  url: postgres://file/db\n")
	for _, tc := range []struct {
		name       string
		file       string
		env        []string
		args       []string
		wantListen string
		wantDir    string
		wantDB     string
	}{
		{name: "defaults", wantListen: ":8080", wantDir: "./data"},
		{name: "file", file: file, wantListen: "127.0.0.1:1001", wantDir: "/from/file", wantDB: "postgres://file/db"},
		{
			name: "env over file", file: file,
			env:        []string{"FECHATTER_SERVER__LISTEN=127.0.0.1:1002", "FECHATTER_DATA_DIR=/from/env"},
			wantListen: "127.0.0.1:1002", wantDir: "/from/env", wantDB: "postgres://file/db",
		},
		{
			name: "flag over env over file", file: file,
			env:        []string{"FECHATTER_SERVER__LISTEN=127.0.0.1:1002", "FECHATTER_DATABASE__URL=postgres://env/db"},
			args:       []string{"--listen", "127.0.0.1:1003", "--data-dir", "/from/flag"},
			wantListen: "127.0.0.1:1003", wantDir: "/from/flag", wantDB: "postgres://env/db",
		},
		{
			name: "flag sets database url to sqlite", file: file,
			args:       []string{"--database-url="},
			wantListen: "127.0.0.1:1001", wantDir: "/from/file",
		},
		{
			name: "empty env value is ignored", file: file,
			env:        []string{"FECHATTER_SERVER__LISTEN="},
			wantListen: "127.0.0.1:1001", wantDir: "/from/file", wantDB: "postgres://file/db",
		},
		{
			name: "config file named by FECHATTER_CONFIG",
			env:  []string{"FECHATTER_CONFIG=" + file}, wantListen: "127.0.0.1:1001", wantDir: "/from/file", wantDB: "postgres://file/db",
		},
		{
			name: "unrelated FECHATTER_ variables are left alone",
			env:  []string{"FECHATTER_TEST_POSTGRES_URL=postgres://x/y", "PATH=/bin"}, wantListen: ":8080", wantDir: "./data",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(LoadOptions{ConfigFile: tc.file, Env: tc.env, Flags: flagSet(t, tc.args...)})
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Server.Listen != tc.wantListen || cfg.DataDir != tc.wantDir || cfg.Database.URL != tc.wantDB {
				t.Fatalf("got listen=%q data_dir=%q db=%q", cfg.Server.Listen, cfg.DataDir, cfg.Database.URL)
			}
		})
	}
}

func TestEnvTypes(t *testing.T) {
	cfg, err := Load(LoadOptions{Env: []string{
		"FECHATTER_SERVER__SHUTDOWN_TIMEOUT=3s",
		"FECHATTER_SERVER__MAX_BODY_BYTES=2048",
		"FECHATTER_SERVER__TRUSTED_PROXIES=10.0.0.0/8, 192.168.1.1",
		"FECHATTER_AUTH__OPEN_SIGNUP=true",
		"FECHATTER_SEARCH__ENGINE=meilisearch",
		"FECHATTER_SEARCH__MEILISEARCH__URL=http://127.0.0.1:7700",
		"FECHATTER_TLS__DOMAINS=a.example.com,b.example.com",
		"FECHATTER_LOG__LEVEL=debug",
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Server.ShutdownTimeout = 3 * time.Second
	want.Server.MaxBodyBytes = 2048
	want.Server.TrustedProxies = []string{"10.0.0.0/8", "192.168.1.1"}
	want.Auth.OpenSignup = true
	want.Search.Engine = SearchMeilisearch
	want.Search.Meilisearch.URL = "http://127.0.0.1:7700"
	want.TLS.Domains = []string{"a.example.com", "b.example.com"}
	want.Log.Level = "debug"
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("got %+v\nwant %+v", cfg, want)
	}
}

func TestSecretFiles(t *testing.T) {
	secret := strings.Repeat("s", 48)
	secretFile := writeFile(t, "jwt", "\n  "+secret+"  \n")
	keyFile := writeFile(t, "meili", "sk-test\n")
	emptyFile := writeFile(t, "empty", " \n")
	dbFile := writeFile(t, "db", "postgres://u:p@db/x\n")
	for _, tc := range []struct {
		name    string
		yaml    string
		env     []string
		wantErr string
		check   func(Config) bool
	}{
		{
			name:  "env _FILE for the jwt secret",
			env:   []string{"FECHATTER_AUTH__JWT_SECRET_FILE=" + secretFile},
			check: func(c Config) bool { return c.Auth.JWTSecret == secret && c.Auth.JWTSecretFile == secretFile },
		},
		{
			name:  "env _FILE for the nats password",
			env:   []string{"FECHATTER_NATS__PASSWORD_FILE=" + keyFile},
			check: func(c Config) bool { return c.NATS.Password == "sk-test" },
		},
		{
			name: "file key for the meilisearch key and database url",
			yaml: "search:\n  meilisearch:\n    api_key_file: " + keyFile + "\ndatabase:\n  url_file: " + dbFile + "\n",
			check: func(c Config) bool {
				return c.Search.Meilisearch.APIKey == "sk-test" && c.Database.URL == "postgres://u:p@db/x"
			},
		},
		{
			name:    "both value and file",
			env:     []string{"FECHATTER_SEARCH__MEILISEARCH__API_KEY=x", "FECHATTER_SEARCH__MEILISEARCH__API_KEY_FILE=" + keyFile},
			wantErr: "search.meilisearch.api_key_file: set either search.meilisearch.api_key or search.meilisearch.api_key_file, not both",
		},
		{name: "missing file", env: []string{"FECHATTER_CLUSTER__PASSWORD_FILE=/nonexistent/key"}, wantErr: "cluster.password_file"},
		{name: "empty file", env: []string{"FECHATTER_AUTH__JWT_SECRET_FILE=" + emptyFile}, wantErr: "is empty"},
		{name: "not a regular file", env: []string{"FECHATTER_AUTH__JWT_SECRET_FILE=" + t.TempDir()}, wantErr: "not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := load([]byte(tc.yaml), "test.yaml", LoadOptions{Env: tc.env})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(cfg) {
				t.Fatalf("unexpected config %+v", cfg)
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		env  []string
		want string
	}{
		{name: "unknown key", yaml: "server:\n  lsiten: :1\n", want: `test.yaml:2: unknown key "server.lsiten"`},
		{name: "unknown section", yaml: "servers: {}\n", want: `unknown key "servers"`},
		{name: "section given a value", yaml: "server: 8080\n", want: "server must be a mapping"},
		{name: "leaf given a mapping", yaml: "data_dir: {a: 1}\n", want: "data_dir takes a value"},
		{name: "syntax error", yaml: "server: [\n", want: "parse test.yaml"},
		{name: "top level list", yaml: "- a\n", want: "top level must be a mapping"},
		{name: "duration without unit", yaml: "auth:\n  access_ttl: 15\n", want: "auth.access_ttl: 15 needs a unit"},
		{name: "bad duration", yaml: "auth:\n  access_ttl: soon\n", want: "auth.access_ttl:"},
		{name: "text for a number", yaml: "files:\n  max_size: big\n", want: `files.max_size: "big" is not a whole number`},
		{name: "bool for text", yaml: "data_dir: true\n", want: "data_dir: expected text"},
		{name: "bad env bool", env: []string{"FECHATTER_AUTH__OPEN_SIGNUP=maybe"}, want: `auth.open_signup: "maybe" is not true or false`},
		{name: "misspelt env", env: []string{"FECHATTER_SERVER_LISTEN=:1"}, want: "did you mean FECHATTER_SERVER__LISTEN"},
		{name: "invalid value", yaml: "log:\n  level: loud\n", want: `log.level: "loud" is not one of`},
		{name: "duplicate key", yaml: "data_dir: a\ndata_dir: b\n", want: "already defined"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load([]byte(tc.yaml), "test.yaml", LoadOptions{Env: tc.env})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestUnavailableSectionsRefused: a key of a section this version does
// not build (the assistant's bot.*) is refused, in the file and in the
// environment however the separators are spelt, with a message that says
// why; it is never silently accepted. An empty variable sets nothing and
// stays ignored, like every empty FECHATTER_* value.
func TestUnavailableSectionsRefused(t *testing.T) {
	// No section is unavailable in this version (bot.* is built now); the
	// mechanism is kept for the next one, and tested with a stand-in.
	unavailable["webhooks"] = "webhooks are not built into this version; remove the key"
	t.Cleanup(func() { delete(unavailable, "webhooks") })
	const refusal = "webhooks.*: webhooks are not built into this version; remove the key"
	for _, tc := range []struct {
		name, yaml string
		env        []string
		want       string
	}{
		{name: "file section", yaml: "webhooks:\n  url: http://localhost:9000/hook\n", want: "test.yaml:1: " + refusal},
		{name: "file section after others", yaml: "log:\n  level: info\nwebhooks:\n  url: x\n", want: "test.yaml:3: " + refusal},
		{name: "file empty section", yaml: "webhooks: {}\n", want: "test.yaml:1: " + refusal},
		{name: "file null section", yaml: "webhooks:\n", want: "test.yaml:1: " + refusal},
		{name: "env key", env: []string{"FECHATTER_WEBHOOKS__URL=http://localhost:9000/hook"}, want: "environment variable FECHATTER_WEBHOOKS__URL: " + refusal},
		{name: "env secret file", env: []string{"FECHATTER_WEBHOOKS__SECRET_FILE=/run/secrets/hook"}, want: "environment variable FECHATTER_WEBHOOKS__SECRET_FILE: " + refusal},
		{name: "env single underscore", env: []string{"FECHATTER_WEBHOOKS_URL=x"}, want: "environment variable FECHATTER_WEBHOOKS_URL: " + refusal},
		{name: "env lower case", env: []string{"fechatter_webhooks__url=x"}, want: "environment variable fechatter_webhooks__url: " + refusal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load([]byte(tc.yaml), "test.yaml", LoadOptions{Env: tc.env})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// Neither an empty variable nor a name that merely starts with the
	// section's letters is refused.
	if _, err := load(nil, "test.yaml", LoadOptions{Env: []string{"FECHATTER_WEBHOOKS__URL=", "FECHATTER_WEBHOOKSX=1"}}); err != nil {
		t.Fatalf("refused a variable that sets nothing of webhooks.*: %v", err)
	}
}

// TestBotKeys: bot.* is read now, and a half-configured endpoint is refused.
func TestBotKeys(t *testing.T) {
	cfg, err := load([]byte("bot:\n  base_url: http://localhost:11434/v1\n  model: llama3.2\n"), "test.yaml",
		LoadOptions{Env: []string{"FECHATTER_BOT__API_KEY=k", "FECHATTER_BOT__USER_RATE=3"}})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Bot.BaseURL != "http://localhost:11434/v1" || cfg.Bot.Model != "llama3.2" || cfg.Bot.APIKey != "k" || cfg.Bot.UserRate != 3 {
		t.Fatalf("bot = %+v", cfg.Bot)
	}
	if r := cfg.Redacted(); r.Bot.APIKey != redactedValue {
		t.Fatalf("api key not redacted: %q", r.Bot.APIKey)
	}
	if cfg, err := load(nil, "test.yaml", LoadOptions{Env: []string{"FECHATTER_BOT__BASE_URL=http://x/v1", "FECHATTER_BOT__MODEL=m", "FECHATTER_BOT__EMBEDDING_MODEL=e"}}); err != nil || cfg.Bot.EmbeddingModel != "e" {
		t.Fatalf("embedding model: %+v, %v", cfg.Bot, err)
	}
	for _, yaml := range []string{"bot:\n  base_url: http://x/v1\n", "bot:\n  model: m\n", "bot:\n  base_url: ftp://x\n  model: m\n", "bot:\n  timeout: 0s\n", "bot:\n  embedding_model: e\n"} {
		if _, err := load([]byte(yaml), "test.yaml", LoadOptions{}); err == nil {
			t.Errorf("accepted %q", yaml)
		}
	}
}

func TestLoadMissingExplicitFile(t *testing.T) {
	_, err := Load(LoadOptions{ConfigFile: filepath.Join(t.TempDir(), "nope.yaml")})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v, want not exist", err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		keys   []string
	}{
		{name: "empty data dir", mutate: func(c *Config) { c.DataDir = " " }, keys: []string{"data_dir"}},
		{name: "listen without port", mutate: func(c *Config) { c.Server.Listen = "localhost" }, keys: []string{"server.listen"}},
		{name: "listen port out of range", mutate: func(c *Config) { c.Server.Listen = ":70000" }, keys: []string{"server.listen"}},
		{name: "zero shutdown", mutate: func(c *Config) { c.Server.ShutdownTimeout = 0 }, keys: []string{"server.shutdown_timeout"}},
		{name: "negative body", mutate: func(c *Config) { c.Server.MaxBodyBytes = -1 }, keys: []string{"server.max_body_bytes"}},
		{name: "bad proxy", mutate: func(c *Config) { c.Server.TrustedProxies = []string{"10.0.0.0/33"} }, keys: []string{"server.trusted_proxies"}},
		{name: "proxy with a zone", mutate: func(c *Config) { c.Server.TrustedProxies = []string{"fe80::1%eth0"} }, keys: []string{"server.trusted_proxies"}},
		{name: "bad cookies", mutate: func(c *Config) { c.Server.SecureCookies = "sometimes" }, keys: []string{"server.secure_cookies"}},
		{name: "bad log format", mutate: func(c *Config) { c.Log.Format = "xml" }, keys: []string{"log.format"}},
		{name: "mysql url", mutate: func(c *Config) { c.Database.URL = "mysql://x/y" }, keys: []string{"database.url"}},
		{name: "short jwt secret", mutate: func(c *Config) { c.Auth.JWTSecret = "short" }, keys: []string{"auth.jwt_secret"}},
		{name: "refresh shorter than access", mutate: func(c *Config) { c.Auth.RefreshTTL = time.Minute }, keys: []string{"auth.refresh_ttl"}},
		{name: "zero file size", mutate: func(c *Config) { c.Files.MaxSize = 0 }, keys: []string{"files.max_size"}},
		{name: "negative quotas", mutate: func(c *Config) { c.Files.QuotaPerUser, c.Files.QuotaPerWorkspace = -1, -1 }, keys: []string{"files.quota_per_user", "files.quota_per_workspace"}},
		{name: "orphan grace too short", mutate: func(c *Config) { c.Files.OrphanGrace = time.Second }, keys: []string{"files.orphan_grace"}},
		{name: "unknown engine", mutate: func(c *Config) { c.Search.Engine = "lucene" }, keys: []string{"search.engine"}},
		{name: "meilisearch without url or binary", mutate: func(c *Config) { c.Search.Engine = SearchMeilisearch }, keys: []string{"search.meilisearch.url"}},
		{name: "meilisearch bad url", mutate: func(c *Config) { c.Search.Meilisearch.URL = "ftp://x" }, keys: []string{"search.meilisearch.url"}},
		{name: "alert webhook not http", mutate: func(c *Config) { c.Alerts.WebhookURL = "ftp://hooks.example.com/x" }, keys: []string{"alerts.webhook_url"}},
		{name: "alert webhook without host", mutate: func(c *Config) { c.Alerts.WebhookURL = "https:///x" }, keys: []string{"alerts.webhook_url"}},
		{name: "bad nats listen", mutate: func(c *Config) { c.NATS.Listen = "nats" }, keys: []string{"nats.listen", "nats.user", "nats.password"}},
		{
			name:   "cluster without listen, postgres or secret",
			mutate: func(c *Config) { c.Cluster.Routes = []string{"nats-route://10.0.0.2:6222"} },
			keys:   []string{"cluster.listen", "database.url", "auth.jwt_secret", "cluster.password"},
		},
		{name: "bad route", mutate: func(c *Config) { c.Cluster.Routes = []string{"http://x"}; c.Cluster.Listen = ":6222" }, keys: []string{"cluster.routes", "database.url", "auth.jwt_secret", "cluster.password"}},
		{name: "route without host", mutate: func(c *Config) { c.Cluster.Routes = []string{":6222"}; c.Cluster.Listen = ":6222" }, keys: []string{"cluster.routes", "database.url", "auth.jwt_secret", "cluster.password"}},
		{name: "route without port", mutate: func(c *Config) { c.Cluster.Routes = []string{"10.0.0.2"}; c.Cluster.Listen = ":6222" }, keys: []string{"cluster.routes", "database.url", "auth.jwt_secret", "cluster.password"}},
		{name: "empty cluster name", mutate: func(c *Config) { c.Cluster.Name = "" }, keys: []string{"cluster.name"}},
		{name: "bad domain", mutate: func(c *Config) { c.TLS.Domains = []string{"-bad-.example"} }, keys: []string{"tls.domains"}},
		{name: "wildcard domain", mutate: func(c *Config) { c.TLS.Domains = []string{"*.example.org"} }, keys: []string{"tls.domains"}},
		{name: "plain http ca", mutate: func(c *Config) { c.TLS.CA = "http://ca.example/directory" }, keys: []string{"tls.ca"}},
		{name: "empty ca", mutate: func(c *Config) { c.TLS.CA = "" }, keys: []string{"tls.ca"}},
		{name: "cert without key", mutate: func(c *Config) { c.TLS.CertFile = "/c.pem" }, keys: []string{"tls.key_file"}},
		{name: "cert and domains", mutate: func(c *Config) {
			c.TLS.CertFile, c.TLS.KeyFile, c.TLS.Domains = "/c.pem", "/k.pem", []string{"a.example"}
		}, keys: []string{"tls.cert_file"}},
		{name: "bad https listen", mutate: func(c *Config) { c.TLS.HTTPSListen = "443" }, keys: []string{"tls.https_listen"}},
		{name: "tls port taken by server.listen", mutate: func(c *Config) {
			c.TLS.Domains, c.Server.Listen = []string{"a.example"}, ":443"
		}, keys: []string{"tls.https_listen"}},
		{name: "bad email", mutate: func(c *Config) { c.TLS.Email = "nobody" }, keys: []string{"tls.email"}},
		{
			name:   "several at once",
			mutate: func(c *Config) { c.Log.Level = "x"; c.Files.MaxSize = -5 },
			keys:   []string{"log.level", "files.max_size"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Default()
			tc.mutate(&cfg)
			if got := fieldKeys(cfg.Validate()); !slices.Equal(got, tc.keys) {
				t.Fatalf("error keys = %v, want %v (err: %v)", got, tc.keys, cfg.Validate())
			}
		})
	}
}

func TestValidateAcceptsGoodValues(t *testing.T) {
	cfg := Default()
	cfg.Server.Listen = "[::1]:0"
	cfg.Server.TrustedProxies = []string{"10.0.0.0/8", "::1", "fd00::/8"}
	cfg.Server.SecureCookies = SecureCookiesAlways
	cfg.Database.URL = "postgresql://fc:pw@db.internal:5432/fechatter?sslmode=disable"
	cfg.Auth.JWTSecret = strings.Repeat("x", 32)
	cfg.Search.Engine = SearchMeilisearch
	cfg.Search.Meilisearch.Binary = "/usr/bin/meilisearch"
	cfg.NATS.Listen = "127.0.0.1:4222"
	cfg.NATS.User, cfg.NATS.Password = "worker", "worker-password"
	cfg.Cluster.Password = "route-password"
	cfg.Cluster.Listen = ":6222"
	cfg.Cluster.Routes = []string{"nats-route://10.0.0.2:6222", "nats://10.0.0.3:6222", "10.0.0.4:6222"}
	cfg.TLS.Domains = []string{"chat.example.com", "www.example.org"}
	cfg.TLS.Email = "ops@example.com"
	cfg.TLS.CA = "https://ca.internal:9000/acme/acme/directory"
	cfg.TLS.CARootFile = "/etc/fechatter/ca.pem"
	cfg.TLS.HTTPListen, cfg.TLS.HTTPSListen = "127.0.0.1:8081", "[::1]:8443"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}

// fieldKeys lists the keys of the *FieldError values joined in err.
func fieldKeys(err error) []string {
	if err == nil {
		return nil
	}
	var keys []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *FieldError
		if errors.As(e, &fe) {
			keys = append(keys, fe.Key)
		}
	}
	return keys
}

// TestRedactURLKeys: every URL-valued key, whichever it is, loses the
// password of its user info and its credential-like query values, and
// keeps the rest.
func TestRedactURLKeys(t *testing.T) {
	cfg := Default()
	cfg.Database.URL = "postgres://fc:pg-pass@db:5432/fc?sslmode=verify-full&sslpassword=pg-sslpass&application_name=fc"
	cfg.Search.Meilisearch.URL = "https://search:meili-pass@meili.example.com:7700/?api_key=meili-qkey"
	// node_name is no URL key: it shows the walk covers whatever key holds a URL.
	cfg.Cluster.NodeName = "http://llm:node-pass@localhost:11434/v1?token=node-qtoken&key=node-qkey"
	cfg.Cluster.Routes = []string{"nats://route:route-pass@10.0.0.2:6222", "nats-route://10.0.0.3:6222?auth_token=route-qtoken"}
	cfg.TLS.Email = "ops@example.com"

	r := cfg.Redacted()
	out, err := r.YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"pg-pass", "pg-sslpass", "meili-pass", "meili-qkey", "node-pass", "node-qtoken", "node-qkey", "route-pass", "route-qtoken"} {
		if strings.Contains(string(out), leak) {
			t.Errorf("redacted output leaks %q:\n%s", leak, out)
		}
	}
	for _, keep := range []string{"fc:[redacted]@db:5432/fc", "sslmode=verify-full", "application_name=fc",
		"search:[redacted]@meili.example.com:7700", "llm:[redacted]@localhost:11434/v1", "route:[redacted]@10.0.0.2:6222",
		"nats-route://10.0.0.3:6222?auth_token=[redacted]", "ops@example.com"} {
		if !strings.Contains(string(out), keep) {
			t.Errorf("redacted output lost %q:\n%s", keep, out)
		}
	}
	if cfg.Cluster.Routes[0] != "nats://route:route-pass@10.0.0.2:6222" {
		t.Fatal("Redacted changed the original's routes")
	}
}

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"postgres://fc@db/fc", "postgres://fc@db/fc"},
		{"postgres://fc:p%40ss@db/fc", "postgres://fc:[redacted]@db/fc"},
		{"postgres://db/fc?user=fc&password=x&sslmode=disable", "postgres://db/fc?user=fc&password=[redacted]&sslmode=disable"},
		{"http://h/v1?API_KEY=x&Token=y", "http://h/v1?API_KEY=[redacted]&Token=[redacted]"},
		{"postgres://fc:12#secret@db/fc", "postgres://fc:12#[redacted]"},
		{"postgres://fc:a/b@db/fc", redactedValue},
		{"postgres://fc:p%zz@db/fc", redactedValue},
	} {
		if got := redactURL(tc.in); got != tc.want {
			t.Errorf("redactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestValidateHidesURLCredentials: a URL refused by Validate is quoted in
// the error without its password.
func TestValidateHidesURLCredentials(t *testing.T) {
	cfg := Default()
	cfg.Search.Meilisearch.URL = "ftp://u:meili-secret@llm.local/v1"
	cfg.Database.URL = "postgres://fc:pg-secret@db/fc"
	cfg.Cluster.Listen = ":6222"
	cfg.Cluster.Password = "cluster-secret"
	cfg.Cluster.Routes = []string{"tcp://r:route-secret@10.0.0.2:6222"}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("Validate accepted bad URLs")
	}
	for _, leak := range []string{"meili-secret", "route-secret"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("validation error leaks %q: %v", leak, err)
		}
	}
	if !strings.Contains(err.Error(), "u:[redacted]@llm.local") {
		t.Errorf("validation error does not name the URL: %v", err)
	}
}

func TestRedacted(t *testing.T) {
	cfg := Default()
	cfg.Auth.JWTSecret = "jwt-secret-value-that-is-long-enough"
	cfg.NATS.Password = "nats-pass"
	cfg.NATS.PasswordFile = "/run/secrets/nats"
	cfg.Search.Meilisearch.APIKey = "meili-key"
	cfg.Database.URL = "postgres://fc:hunter2@db:5432/fc?sslmode=disable&password=hunter3"
	cfg.TLS.Domains = []string{"a.example.com"}

	r := cfg.Redacted()
	out, err := r.YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"jwt-secret-value", "nats-pass", "meili-key", "hunter2", "hunter3"} {
		if strings.Contains(string(out), leak) {
			t.Fatalf("redacted output leaks %q:\n%s", leak, out)
		}
	}
	if r.Auth.JWTSecret != redactedValue || r.NATS.Password != redactedValue || r.Search.Meilisearch.APIKey != redactedValue {
		t.Fatalf("secrets not redacted: %+v", r)
	}
	if !strings.Contains(r.Database.URL, "fc:"+redactedValue+"@db:5432") || r.NATS.PasswordFile != "/run/secrets/nats" {
		t.Fatalf("redacted too much or too little: url=%q file=%q", r.Database.URL, r.NATS.PasswordFile)
	}
	if cfg.Auth.JWTSecret == redactedValue || cfg.Database.URL == r.Database.URL {
		t.Fatal("Redacted changed the original")
	}
	r.TLS.Domains[0] = "changed"
	if cfg.TLS.Domains[0] != "a.example.com" {
		t.Fatal("Redacted shares slices with the original")
	}
	if Default().Redacted().Auth.JWTSecret != "" {
		t.Fatal("an unset secret should stay empty")
	}
}
