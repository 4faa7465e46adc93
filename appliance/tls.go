package appliance

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fechatter/fechatter/embedded/autotls"
)

// certsDir holds certificates and the ACME account under the data dir.
const certsDir = "certs"

// tlsComponent serves HTTPS (and plain HTTP for challenges and redirects)
// when tls.domains or tls.cert_file is set. It is ready once a
// certificate is held; until then the server keeps serving HTTP.
func (a *Appliance) tlsComponent() Component {
	return Component{
		Name:  "tls",
		Start: a.startTLS,
		Stop: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, a.cfg.Server.ShutdownTimeout)
			defer cancel()
			return a.tls.Stop(ctx)
		},
		Ready: func(context.Context) error {
			if a.tls == nil {
				return errors.New("not started")
			}
			return a.tls.Ready()
		},
	}
}

// startTLS binds tls.http_listen and tls.https_listen and starts managing
// certificates in the background; it needs the handler the HTTP component
// built.
func (a *Appliance) startTLS(ctx context.Context) error {
	t := a.cfg.TLS
	cfg := autotls.Config{
		Domains: t.Domains, Email: t.Email, CA: t.CA, CARootFile: t.CARootFile,
		CertFile: t.CertFile, KeyFile: t.KeyFile,
		HTTPListen: t.HTTPListen, HTTPSListen: t.HTTPSListen,
		Dir:        filepath.Join(a.cfg.DataDir, certsDir),
		Handler:    a.served,
		Log:        a.log,
		OnShutdown: a.endStreams,
		Fail:       a.fail,

		ReloadInterval: a.tlsReload,
	}
	srv, err := autotls.New(cfg)
	if err != nil {
		return err
	}
	if err := srv.Start(ctx); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	a.tls = srv
	return nil
}

// endStreams ends the SSE streams, which never go idle, so that a
// server's Shutdown need not wait for them until its bound.
func (a *Appliance) endStreams() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.hub.Stop(ctx); err != nil {
		a.log.Warn("end event streams", "error", err)
	}
}
