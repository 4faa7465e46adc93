package appliance

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/chat"
)

// OIDCConfig configures single sign-on with OpenID Connect providers.
type OIDCConfig struct {
	// Providers people may sign in with. Default none.
	Providers []OIDCProviderConfig `yaml:"providers"`
	// SSOOnly turns password sign-in and sign-up off for everyone but
	// instance administrators. Default false.
	SSOOnly bool `yaml:"sso_only"`
}

// OIDCProviderConfig is one OpenID Connect provider.
type OIDCProviderConfig struct {
	// ID names the provider in URLs: the redirect URL to register at the
	// provider is <public URL>/api/auth/oidc/<id>/callback.
	ID string `yaml:"id"`
	// DisplayName is shown on the "Sign in with ..." button. Default: ID.
	DisplayName string `yaml:"display_name"`
	// Issuer is the provider's issuer URL.
	Issuer       string `yaml:"issuer"`
	ClientID     string `yaml:"client_id"`
	ClientSecret string `yaml:"client_secret"`
	// ClientSecretFile is a file holding ClientSecret.
	ClientSecretFile string `yaml:"client_secret_file"`
	// AllowedDomains, when set, admits only verified emails of these domains.
	AllowedDomains []string `yaml:"allowed_domains"`
	// AutoCreate makes an account for a verified email that has none;
	// otherwise only people with an account (by invite) can sign in.
	AutoCreate bool `yaml:"auto_create"`
}

// TwoFactorConfig configures two-factor authentication.
type TwoFactorConfig struct {
	// Required makes every account use a second factor; one without it
	// must enrol at its next password sign-in. Default false.
	Required bool `yaml:"required"`
}

var providerIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// validate checks the providers and sso_only.
func (o OIDCConfig) validate(ck *checker) {
	seen := map[string]bool{}
	for i, p := range o.Providers {
		key := fmt.Sprintf("auth.oidc.providers[%d]", i)
		switch {
		case !providerIDPattern.MatchString(p.ID):
			ck.fail(key+".id", "%q must be 1 to 32 characters: a-z, 0-9, '_', '-'", p.ID)
		case seen[p.ID]:
			ck.fail(key+".id", "%q is used by two providers", p.ID)
		}
		seen[p.ID] = true
		if u, err := url.Parse(p.Issuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			ck.fail(key+".issuer", "%q is not an http(s) URL", p.Issuer)
		}
		if p.ClientID == "" {
			ck.fail(key+".client_id", "must be set")
		}
	}
	if o.SSOOnly && len(o.Providers) == 0 {
		ck.fail("auth.oidc.sso_only", "needs at least one provider in auth.oidc.providers")
	}
}

// resolveProviderSecrets reads each provider's client_secret_file.
func (o *OIDCConfig) resolveProviderSecrets() []error {
	var errs []error
	for i := range o.Providers {
		p := &o.Providers[i]
		if p.ClientSecretFile == "" {
			continue
		}
		key := fmt.Sprintf("auth.oidc.providers[%d].client_secret_file", i)
		if p.ClientSecret != "" {
			errs = append(errs, &FieldError{Key: key, Reason: "set either client_secret or client_secret_file, not both"})
			continue
		}
		data, err := readCapped(p.ClientSecretFile, maxSecretFile)
		if err != nil {
			errs = append(errs, &FieldError{Key: key, Reason: err.Error()})
			continue
		}
		if p.ClientSecret = strings.TrimSpace(string(data)); p.ClientSecret == "" {
			errs = append(errs, &FieldError{Key: key, Reason: p.ClientSecretFile + " is empty"})
		}
	}
	return errs
}

// redacted returns a copy of the providers without their secrets.
func (o OIDCConfig) redacted() OIDCConfig {
	out := o
	out.Providers = nil
	for _, p := range o.Providers {
		if p.ClientSecret != "" {
			p.ClientSecret = redactedValue
		}
		p.AllowedDomains = cloneStrings(p.AllowedDomains)
		out.Providers = append(out.Providers, p)
	}
	return out
}

// oidcConfig builds auth's single sign-on from the configuration; the
// redirect URLs start at the public URL, and new accounts are made by
// the chat use cases.
func (a *Appliance) oidcConfig(chatSvc *chat.Service) auth.OIDCConfig {
	out := auth.OIDCConfig{CallbackBase: a.PublicURL(), CreateUser: chatSvc.CreateSSOUser}
	for _, p := range a.cfg.Auth.OIDC.Providers {
		name := p.DisplayName
		if name == "" {
			name = p.ID
		}
		out.Providers = append(out.Providers, auth.OIDCProvider{
			ID: p.ID, Name: name, Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
			AllowedDomains: p.AllowedDomains, AutoCreate: p.AutoCreate,
		})
	}
	return out
}
