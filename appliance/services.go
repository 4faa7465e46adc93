package appliance

import (
	"fmt"
	"net/http"
	"time"

	"github.com/fechatter/fechatter/internal/api"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/integ"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// handler builds the use cases over the started store and the API that
// serves them.
func (a *Appliance) handler() (http.Handler, error) {
	authCfg := auth.Config{
		SigningKey: a.signingKey,
		AccessTTL:  a.cfg.Auth.AccessTTL,
		RefreshTTL: a.cfg.Auth.RefreshTTL,
		Log:        a.log.With("component", "auth"),
		Require2FA: a.cfg.Auth.TwoFactor.Required,
		SSOOnly:    a.cfg.Auth.OIDC.SSOOnly,
	}
	authCfg.SignUpPerIP = auth.RateSpec{Burst: int(a.cfg.Auth.SignupsPerHour), Per: time.Hour}
	if a.cfg.Auth.SignupsPerHour == 0 {
		authCfg.SignUpPerIP.Burst = -1 // off
	}
	if err := authCfg.Validate(); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	authSvc := auth.New(a.store, authCfg)
	// Revocations end streams on every node and reach every node's
	// session cache through the hub's notice (realtime.RevokeSubject).
	authSvc.SetRevocations(a.hub)
	a.hub.OnRevoke(authSvc.ForgetSession)
	chatSvc := chat.New(notifyingStore{a.store, &a.notifier}, authSvc,
		a.cfg.chatConfig(layoutOf(a.cfg.DataDir).Files), a.log.With("component", "chat"))
	chatSvc.SetTypingNotifier(a.hub)
	authSvc.SetOIDC(a.oidcConfig(chatSvc))
	a.chat = chatSvc
	assistant, err := a.newAssistant(chatSvc)
	if err != nil {
		return nil, fmt.Errorf("assistant: %w", err)
	}
	a.assistant = assistant
	a.previews = a.newPreviews(chatSvc)
	if a.push, err = a.newPush(); err != nil {
		return nil, fmt.Errorf("push: %w", err)
	}
	authSvc.SetBotTokens(a.store)
	a.integrations = integ.New(integ.Config{
		Policy: a.cfg.outboundPolicy(), PublicURL: a.PublicURL, Replicas: a.cfg.replicas(),
		Log: a.log.With("component", "integrations"),
	}, a.store, chatSvc, a.js, a.hub)
	apiCfg := api.Config{
		MaxBodyBytes:  a.cfg.Server.MaxBodyBytes,
		SecureCookies: a.cfg.secureCookies(),
		// No TrustedProxies: the edge (withEdge) has already put the
		// client's address in RemoteAddr, and kept X-Forwarded-Proto only
		// from trusted proxies.
		ForwardedProtoChecked: true,
		MaxFileSize:           a.cfg.Files.MaxSize,
		Version:               a.build.Version,
		Pprof:                 a.cfg.Debug.Pprof,
		PublicURL:             a.PublicURL,
	}
	if err := apiCfg.Validate(); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	limiter, err := a.cfg.limiter()
	if err != nil {
		return nil, err
	}
	operator, err := a.cfg.operatorGuard()
	if err != nil {
		return nil, err
	}
	return a.withEdge(withNodeHeader(a.cfg.clusterNodeName(), withWebApp(api.New(api.Deps{
		Limiter:      limiter,
		Operator:     operator,
		Chat:         chatSvc,
		Auth:         authSvc,
		Events:       a.hub,
		Search:       a.search,
		Tickets:      a.tickets,
		Setup:        a.setup,
		Log:          a.log,
		LogLevel:     telemetry.LevelOf(a.log),
		Ready:        a.NotReady,
		Status:       statusService{a},
		Assistant:    a.assistant,
		Integrations: a.integrations,
		Config:       apiCfg,

		Previews: chatSvc, PreviewImages: a.previews, Push: a.push,
		Mail:     a.mailer,
		Recovery: chatSvc,
		Digest:   a.digest,
	}))))
}

// secureCookies maps server.secure_cookies onto the API's setting; auto
// is decided per request (TLS, or a trusted proxy's X-Forwarded-Proto).
func (c Config) secureCookies() api.CookieSecurity {
	return api.CookieSecurity(c.Server.SecureCookies)
}
