package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// oidcFlowTTL is how long a browser has between leaving for the provider
// and coming back with the code.
const oidcFlowTTL = 10 * time.Minute

// OIDCProvider is one OpenID Connect identity provider people may sign in
// with (auth.oidc.providers).
type OIDCProvider struct {
	// ID names the provider in URLs (/api/auth/oidc/{id}/start).
	ID string
	// Name is shown on the "Sign in with ..." button.
	Name string
	// Issuer is the provider's issuer URL (discovery at
	// Issuer/.well-known/openid-configuration).
	Issuer       string
	ClientID     string
	ClientSecret string
	// AllowedDomains, when not empty, admits only verified emails of these
	// domains.
	AllowedDomains []string
	// AutoCreate creates an account for a verified email that has none;
	// without it only people who already have an account (by invite) can
	// sign in.
	AutoCreate bool
}

// OIDCConfig wires single sign-on into the Service.
type OIDCConfig struct {
	Providers []OIDCProvider
	// CallbackBase is the public URL of the server (with a trailing
	// slash); the redirect URL is CallbackBase + api/auth/oidc/{id}/callback.
	CallbackBase string
	// HTTPClient talks to the providers. Default: 10 s timeout.
	HTTPClient *http.Client
	// CreateUser makes the account of a new person when a provider has
	// AutoCreate (the chat use case that validates and stores it).
	CreateUser func(ctx context.Context, email, username, displayName string) (model.User, error)
}

// ProviderInfo is a provider as the sign-in page lists it.
type ProviderInfo struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SSOError is a refused single sign-on, with a stable Reason the web app
// shows (state, nonce, email_unverified, domain_not_allowed, no_account,
// disabled, provider, ...).
type SSOError struct {
	Reason string
	Err    error
}

func (e *SSOError) Error() string {
	if e.Err != nil {
		return "single sign-on refused: " + e.Reason + ": " + e.Err.Error()
	}
	return "single sign-on refused: " + e.Reason
}

func (e *SSOError) Unwrap() error { return e.Err }

func ssoErr(reason string, err error) error { return &SSOError{Reason: reason, Err: err} }

// ssoProviders holds the configured providers and their discovered
// metadata (discovered on first use, so a provider that is down does not
// stop the server from starting).
type ssoProviders struct {
	cfg  OIDCConfig
	seal *sealer
	mu   sync.Mutex
	live map[string]*liveProvider
}

// liveProvider is a discovered provider.
type liveProvider struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// flowState is the sealed content of the flow cookie: what the callback
// must see again (state), check in the ID token (nonce) and prove to the
// provider (the PKCE verifier, RFC 7636).
type flowState struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Expires  int64  `json:"e"`
}

var flowAD = []byte("oidc-flow")

// SetOIDC turns single sign-on on with cfg's providers.
func (s *Service) SetOIDC(cfg OIDCConfig) {
	if len(cfg.Providers) == 0 {
		s.sso = nil
		return
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	seal, _ := newSealer(s.cfg.SigningKey, "oidc flow")
	s.sso = &ssoProviders{cfg: cfg, seal: seal, live: map[string]*liveProvider{}}
}

// OIDCProviders lists the providers for the sign-in page.
func (s *Service) OIDCProviders() []ProviderInfo {
	out := []ProviderInfo{}
	if s.sso == nil {
		return out
	}
	for _, p := range s.sso.cfg.Providers {
		out = append(out, ProviderInfo{ID: p.ID, Name: p.Name})
	}
	return out
}

// SSOOnly reports whether password sign-in is off for non-administrators.
func (s *Service) SSOOnly() bool { return s.cfg.SSOOnly }

// provider returns the configured provider id and its discovered form.
func (p *ssoProviders) provider(ctx context.Context, id string) (OIDCProvider, *liveProvider, error) {
	i := slices.IndexFunc(p.cfg.Providers, func(c OIDCProvider) bool { return c.ID == id })
	if i < 0 {
		return OIDCProvider{}, nil, ssoErr("unknown_provider", nil)
	}
	conf := p.cfg.Providers[i]
	p.mu.Lock()
	defer p.mu.Unlock()
	if lp := p.live[id]; lp != nil {
		return conf, lp, nil
	}
	// The provider keeps the context for fetching its keys later: no
	// request deadline, but the configured client.
	pctx := oidc.ClientContext(context.WithoutCancel(ctx), p.cfg.HTTPClient)
	prov, err := oidc.NewProvider(pctx, conf.Issuer)
	if err != nil {
		return conf, nil, ssoErr("provider", fmt.Errorf("discover %s: %w", conf.Issuer, err))
	}
	lp := &liveProvider{
		oauth: oauth2.Config{
			ClientID: conf.ClientID, ClientSecret: conf.ClientSecret, Endpoint: prov.Endpoint(),
			RedirectURL: p.cfg.CallbackBase + "api/auth/oidc/" + url.PathEscape(id) + "/callback",
			Scopes:      []string{oidc.ScopeOpenID, "email", "profile"},
		},
		verifier: prov.Verifier(&oidc.Config{ClientID: conf.ClientID}),
	}
	p.live[id] = lp
	return conf, lp, nil
}

// BeginOIDC starts a sign-in with provider id: it returns the provider's
// authorization URL to send the browser to, and the sealed flow state to
// keep in a short-lived cookie (FlowTTL) until the callback.
func (s *Service) BeginOIDC(ctx context.Context, id string) (authURL, flow string, err error) {
	if s.sso == nil {
		return "", "", ssoErr("unknown_provider", nil)
	}
	_, lp, err := s.sso.provider(ctx, id)
	if err != nil {
		return "", "", err
	}
	f := flowState{
		Provider: id, State: randomToken(), Nonce: randomToken(),
		Verifier: oauth2.GenerateVerifier(), Expires: s.now().Add(oidcFlowTTL).Unix(),
	}
	raw, _ := json.Marshal(f) // cannot fail for this struct
	authURL = lp.oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	return authURL, s.sso.seal.seal(raw, flowAD), nil
}

// FlowTTL is how long the flow cookie of BeginOIDC should live.
func FlowTTL() time.Duration { return oidcFlowTTL }

// idClaims are the ID token claims single sign-on reads.
type idClaims struct {
	Email             string          `json:"email"`
	EmailVerified     json.RawMessage `json:"email_verified"`
	PreferredUsername string          `json:"preferred_username"`
	Name              string          `json:"name"`
}

// verified reads email_verified, which some providers send as a string.
func (c idClaims) verified() bool {
	var b bool
	if json.Unmarshal(c.EmailVerified, &b) == nil {
		return b
	}
	var s string
	return json.Unmarshal(c.EmailVerified, &s) == nil && s == "true"
}

// FinishOIDC completes the flow at the callback: the flow cookie must
// open and match the provider and state, the code is exchanged with the
// PKCE verifier, the ID token is verified (signature, issuer, audience,
// expiry) and must carry the flow's nonce. The account is the one linked
// to (issuer, sub), else the one with the token's email (which must be
// verified, and of an allowed domain when the provider lists domains; the
// identity is then linked), else a new one when the provider has
// AutoCreate. Every refusal is an *SSOError.
func (s *Service) FinishOIDC(ctx context.Context, id, flow, state, code string, meta ClientMeta) (Grant, error) {
	if s.sso == nil {
		return Grant{}, ssoErr("unknown_provider", nil)
	}
	raw, err := s.sso.seal.open(flow, flowAD)
	var f flowState
	if err != nil || json.Unmarshal(raw, &f) != nil || f.Provider != id || s.now().Unix() >= f.Expires ||
		state == "" || subtle.ConstantTimeCompare([]byte(f.State), []byte(state)) != 1 {
		return Grant{}, ssoErr("state", errors.New("missing, expired or mismatched state"))
	}
	conf, lp, err := s.sso.provider(ctx, id)
	if err != nil {
		return Grant{}, err
	}
	hctx := oidc.ClientContext(ctx, s.sso.cfg.HTTPClient)
	tok, err := lp.oauth.Exchange(hctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return Grant{}, ssoErr("exchange", err)
	}
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		return Grant{}, ssoErr("id_token", errors.New("no id_token in the token response"))
	}
	idt, err := lp.verifier.Verify(hctx, rawID)
	if err != nil {
		return Grant{}, ssoErr("id_token", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return Grant{}, ssoErr("nonce", errors.New("id token nonce does not match the flow"))
	}
	var c idClaims
	if err := idt.Claims(&c); err != nil {
		return Grant{}, ssoErr("id_token", err)
	}
	u, err := s.ssoUser(ctx, conf, idt.Issuer, idt.Subject, c)
	if err != nil {
		return Grant{}, err
	}
	if u.Disabled() {
		return Grant{}, ssoErr("disabled", nil)
	}
	return s.StartSession(ctx, u, meta)
}

// ssoUser finds, links or creates the account of a verified ID token.
func (s *Service) ssoUser(ctx context.Context, conf OIDCProvider, issuer, sub string, c idClaims) (model.User, error) {
	email := normalizeEmail(c.Email)
	if len(conf.AllowedDomains) > 0 {
		if email == "" || !c.verified() {
			return model.User{}, ssoErr("email_unverified", nil)
		}
		if !domainAllowed(email, conf.AllowedDomains) {
			return model.User{}, ssoErr("domain_not_allowed", nil)
		}
	}
	uid, err := s.store.IdentityUser(ctx, issuer, sub)
	if err == nil {
		u, err := s.store.UserByID(ctx, uid)
		return u, wrapErr("load linked user", err)
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return model.User{}, fmt.Errorf("sso: identity: %w", err)
	}
	if email == "" || !c.verified() {
		return model.User{}, ssoErr("email_unverified", nil)
	}
	u, err := s.store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, storage.ErrNotFound) && conf.AutoCreate && s.sso.cfg.CreateUser != nil:
		if u, err = s.sso.cfg.CreateUser(ctx, email, c.PreferredUsername, c.Name); err != nil {
			return model.User{}, ssoErr("create_account", err)
		}
	case errors.Is(err, storage.ErrNotFound):
		return model.User{}, ssoErr("no_account", nil)
	case err != nil:
		return model.User{}, fmt.Errorf("sso: user by email: %w", err)
	}
	if u.IsBot {
		return model.User{}, ssoErr("no_account", nil)
	}
	if err := s.store.LinkIdentity(ctx, u.ID, issuer, sub, s.now()); err != nil {
		return model.User{}, fmt.Errorf("sso: link identity: %w", err)
	}
	return u, nil
}

// domainAllowed reports whether email's domain is one of domains.
func domainAllowed(email string, domains []string) bool {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	d := email[at+1:]
	return slices.ContainsFunc(domains, func(a string) bool { return strings.EqualFold(strings.TrimSpace(a), d) })
}

// wrapErr wraps a non-nil err with what.
func wrapErr(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("sso: %s: %w", what, err)
}

// randomToken is 32 random bytes in base64url.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
