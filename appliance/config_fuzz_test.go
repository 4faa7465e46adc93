package appliance

import (
	"reflect"
	"testing"
)

// FuzzLoad feeds arbitrary YAML and environment values to the loader: it
// must never panic, and whatever it accepts must be valid and survive a
// round trip through YAML.
func FuzzLoad(f *testing.F) {
	f.Add([]byte("server:\n  listen: 127.0.0.1:0\n"), "30s", "a.example.com,b.example.com")
	f.Add([]byte("data_dir: /var/lib/fechatter\nauth:\n  open_signup: true\n"), "", "")
	f.Add([]byte("tls:\n  domains: [x.example.com]\n"), "15", "::1")
	f.Add([]byte("server: {trusted_proxies: 10.0.0.0/8}\nlog: {level: debug, format: json}\n"), "1h", "10.0.0.0/8")
	f.Add([]byte("a: &a [*a]\n"), "bad", "\x00")
	f.Add([]byte("server:\n  <<: {listen: ':1'}\n"), "-5s", ",,")
	f.Fuzz(func(t *testing.T, data []byte, timeout, list string) {
		env := []string{
			"FECHATTER_SERVER__SHUTDOWN_TIMEOUT=" + timeout,
			"FECHATTER_TLS__DOMAINS=" + list,
			"FECHATTER_SERVER__TRUSTED_PROXIES=" + list,
		}
		cfg, err := load(data, "fuzz.yaml", LoadOptions{Env: env})
		if err != nil {
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("Load accepted an invalid config: %v", err)
		}
		// Secrets read from files are dropped so the rendering reloads alone.
		for _, s := range cfg.secrets() {
			*s.file = ""
		}
		out, err := cfg.YAML()
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		again, err := load(out, "rendered.yaml", LoadOptions{})
		if err != nil {
			t.Fatalf("reload rendered config: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(again, cfg) {
			t.Fatalf("round trip changed the config:\n got %+v\nwant %+v", again, cfg)
		}
		_ = cfg.Redacted()
	})
}
