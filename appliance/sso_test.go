package appliance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOIDCConfigLoadsRedactsAndValidates(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "oidc_corp")
	if err := os.WriteFile(secret, []byte("the-client-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "config.yaml")
	yml := `auth:
  oidc:
    providers:
      - id: corp
        display_name: Corp SSO
        issuer: https://idp.example.com/realms/corp
        client_id: fechatter
        client_secret_file: ` + secret + `
        allowed_domains: [example.com]
        auto_create: true
    sso_only: true
`
	if err := os.WriteFile(file, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(LoadOptions{ConfigFile: file})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	p := cfg.Auth.OIDC.Providers
	if len(p) != 1 || p[0].ClientSecret != "the-client-secret" || !p[0].AutoCreate || p[0].AllowedDomains[0] != "example.com" || !cfg.Auth.OIDC.SSOOnly {
		t.Fatalf("providers = %+v", cfg.Auth.OIDC)
	}
	out, err := cfg.Redacted().YAML()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "the-client-secret") || cfg.Auth.OIDC.Providers[0].ClientSecret != "the-client-secret" {
		t.Fatalf("redaction leaked the secret or changed the original:\n%s", out)
	}

	for _, tc := range []struct {
		name, key string
		edit      func(c *Config)
	}{
		{"bad id", "auth.oidc.providers[0].id", func(c *Config) { c.Auth.OIDC.Providers[0].ID = "Bad ID" }},
		{"duplicate id", "auth.oidc.providers[1].id", func(c *Config) { c.Auth.OIDC.Providers = append(c.Auth.OIDC.Providers, c.Auth.OIDC.Providers[0]) }},
		{"bad issuer", "auth.oidc.providers[0].issuer", func(c *Config) { c.Auth.OIDC.Providers[0].Issuer = "idp.example.com" }},
		{"no client id", "auth.oidc.providers[0].client_id", func(c *Config) { c.Auth.OIDC.Providers[0].ClientID = "" }},
		{"sso only without providers", "auth.oidc.sso_only", func(c *Config) { c.Auth.OIDC.Providers = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cfg
			c.Auth.OIDC.Providers = append([]OIDCProviderConfig(nil), cfg.Auth.OIDC.Providers...)
			tc.edit(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Fatalf("Validate() = %v, want an error on %s", err, tc.key)
			}
		})
	}
}
