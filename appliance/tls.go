package appliance

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	t := a.cfg.TLS
	cfg := autotls.Config{
		Domains: t.Domains, Email: t.Email, CA: t.CA, CARootFile: t.CARootFile,
		CertFile: t.CertFile, KeyFile: t.KeyFile,
		HTTPListen: t.HTTPListen, HTTPSListen: t.HTTPSListen,
		Dir:        layoutOf(a.cfg.DataDir).Certs,
		Handler:    a.served,
		Log:        a.log,
		OnShutdown: a.endStreams,
		Fail:       a.fail,

		ReloadInterval: a.tlsReload,
	}
	var certs *certStore
	if len(a.cfg.Cluster.Routes) > 0 {
		certs = newCertStore(a.store, a.log)
		cfg.Storage = certs
	}
	srv, err := autotls.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	a.tls = srv
	return certs, nil
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
