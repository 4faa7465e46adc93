// Package natstest runs an embedded JetStream server for one test, with an
// in-process connection: the NATS of the unit tests of the packages that
// consume events (internal/events, internal/realtime, internal/search).
// Creating the EVENTS stream is left to the caller (events.EnsureStream):
// this package sits below internal/events (ARCHITECTURE.md §2).
package natstest

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/embedded/natsd"
)

// Server is a running embedded server with one client connection.
type Server struct {
	*natsd.Server
	// Conn is an in-process connection, closed when the test ends.
	Conn *nats.Conn
	// JS is JetStream over Conn.
	JS jetstream.JetStream
}

// Start runs natsd with cfg (StoreDir defaults to a temp dir of tb) and
// connects to it in-process; the test fails if either does not work, and
// both are stopped when it ends.
func Start(tb testing.TB, cfg natsd.Config) *Server {
	tb.Helper()
	if cfg.StoreDir == "" {
		cfg.StoreDir = tb.TempDir()
	}
	ns, err := natsd.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := ns.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ns.Stop(context.Background()) })
	nc, err := ns.Connect()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		tb.Fatal(err)
	}
	return &Server{Server: ns, Conn: nc, JS: js}
}
