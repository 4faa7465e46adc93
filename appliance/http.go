package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// httpServer is a running net/http server and the goroutine serving it.
type httpServer struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

func (h *httpServer) addr() string { return h.ln.Addr().String() }

// httpComponent serves the API on server.listen.
func (a *Appliance) httpComponent() Component {
	return Component{
		Name:  "http",
		Start: a.startHTTP,
		Stop:  func(ctx context.Context) error { return a.stopHTTP(ctx) },
		Ready: func(context.Context) error {
			select {
			case <-a.http.done:
				return errors.New("http server has stopped")
			default:
				return nil
			}
		},
	}
}

// startHTTP binds the listener (so a taken port fails the start) and
// serves on it in a goroutine that stopHTTP waits for.
func (a *Appliance) startHTTP(ctx context.Context) error {
	handler, err := a.buildServices(ctx)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", a.cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	h := &httpServer{
		srv: &http.Server{
			Handler: handler,
			// No ReadTimeout or WriteTimeout here: they would end SSE
			// streams. The edge sets both per request (withEdge).
			ReadHeaderTimeout: a.cfg.Server.ReadHeaderTimeout,
			IdleTimeout:       a.cfg.Server.IdleTimeout,
			MaxHeaderBytes:    int(a.cfg.Server.MaxHeaderBytes),
			ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		},
		ln:   ln,
		done: make(chan struct{}),
	}
	// SSE streams never go idle: end them first, or Shutdown would wait
	// for them until its bound.
	h.srv.RegisterOnShutdown(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.hub.Stop(ctx); err != nil {
			a.log.Warn("end event streams", "error", err)
		}
	})
	a.http = h
	go a.serve(h)
	a.announceSetup(ln.Addr())
	return nil
}

// buildServices builds, once, the use cases and the handler over them
// (not started: the assistant, previews, push and integrations start
// their consumers as components of their own, before the listener).
// What the first call returns, error included, every later call returns.
func (a *Appliance) buildServices(ctx context.Context) (http.Handler, error) {
	a.servicesMu.Lock()
	defer a.servicesMu.Unlock()
	if a.served == nil && a.servicesErr == nil {
		a.setup, a.servicesErr = a.loadSetupToken(ctx)
		if a.servicesErr == nil {
			a.served, a.servicesErr = a.handler()
		}
	}
	return a.served, a.servicesErr
}

// serve runs until the server is shut down or fails.
func (a *Appliance) serve(h *httpServer) {
	defer close(h.done)
	if err := h.srv.Serve(h.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		a.fail(fmt.Errorf("http server: %w", err))
	}
}

// stopHTTP shuts the server down gracefully within server.shutdown_timeout
// (or ctx, if sooner), then closes whatever connections remain.
func (a *Appliance) stopHTTP(ctx context.Context) error {
	h := a.http
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Server.ShutdownTimeout)
	defer cancel()
	err := h.srv.Shutdown(ctx)
	if err != nil {
		a.log.Warn("http shutdown did not finish in time; closing the remaining connections", "error", err)
		err = h.srv.Close()
	}
	<-h.done
	if err != nil {
		return fmt.Errorf("close http server: %w", err)
	}
	return nil
}
