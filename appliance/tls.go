package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/fechatter/fechatter/embedded/autotls"
)

// tlsComponent serves HTTPS (and plain HTTP for challenges and redirects)
// when tls.domains or tls.cert_file is set. It is ready once a
// certificate is held; until then the server keeps serving HTTP.
func (a *Appliance) tlsComponent() Component {
	var certs *certStore // the database's, in a cluster
	return Component{
		Name: "tls",
		Start: func(ctx context.Context) (err error) {
			certs, err = a.startTLS(ctx)
			return err
		},
		Stop: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, a.cfg.Server.ShutdownTimeout)
			defer cancel()
			err := a.tls.Stop(ctx)
			if certs != nil {
				certs.close()
			}
			return err
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
// built. Certificates live under <data_dir>/certs, or, in a cluster, in
// the shared database (returned, to be closed after the server stops).
func (a *Appliance) startTLS(ctx context.Context) (*certStore, error) {
	site := tlsSite{handler: a.served, log: a.log, onShutdown: a.endStreams, fail: a.fail, reload: a.tlsReload}
	var certs *certStore
	if len(a.cfg.Cluster.Routes) > 0 {
		certs = newCertStore(a.store, a.log)
		site.storage = certs
	}
	srv, err := startTLSServer(ctx, a.cfg, site)
	if err != nil {
		return nil, err
	}
	a.tls = srv
	return certs, nil
}

// tlsSite is what a server (a node or the gateway) adds to the tls.* keys
// to serve HTTPS.
type tlsSite struct {
	handler    http.Handler
	log        *slog.Logger
	onShutdown func()      // ends long streams when the servers shut down
	fail       func(error) // told when a listener breaks
	storage    certmagic.Storage
	reload     time.Duration // own certificate files' check; 0: the default
}

// startTLSServer serves site.handler with automatic HTTPS as tls.*
// configures it (domains and ACME, or cert_file and key_file): HTTPS with
// HTTP/2 and HSTS on tls.https_listen, and on tls.http_listen the ACME
// challenges and redirects. Certificates live in site.storage, else under
// <data_dir>/certs.
func startTLSServer(ctx context.Context, c Config, site tlsSite) (*autotls.Server, error) {
	t := c.TLS
	cfg := autotls.Config{
		Domains: t.Domains, Email: t.Email, CA: t.CA, CARootFile: t.CARootFile,
		CertFile: t.CertFile, KeyFile: t.KeyFile,
		HTTPListen: t.HTTPListen, HTTPSListen: t.HTTPSListen,
		Dir:        layoutOf(c.DataDir).Certs,
		Storage:    site.storage,
		Handler:    site.handler,
		Log:        site.log,
		OnShutdown: site.onShutdown,
		Fail:       site.fail,

		ReloadInterval: site.reload,
	}
	srv, err := autotls.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return srv, nil
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
