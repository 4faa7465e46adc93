package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/fechatter/fechatter/appliance"
)

func newGatewayCommand(stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "gateway",
		Short: "Run the front door of a cluster: a proxy to the serve nodes",
		Long: `Run a reverse proxy in front of the nodes of a cluster (gateway.backends)
on gateway.listen. Each signed-in user's requests and event stream go to one
node, chosen by rendezvous hashing on the user verified with auth.jwt_secret
(the client IP for anonymous requests, or for all with gateway.hash: ip).
Nodes are checked on /readyz every gateway.health_interval; a node that
fails is skipped and idempotent requests are retried once on the next. On
SIGINT or SIGTERM it stops accepting, ends open event streams with a retry
hint and stops within server.shutdown_timeout. With tls.domains (ACME) or
tls.cert_file set it also serves HTTPS on tls.https_listen and redirects
from tls.http_listen, as a node does; ACME certificates are kept in
<data_dir>/certs, the only use the gateway has for data_dir. See
docs/gateway.md.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGateway(cmd, stderr)
		},
	}
}

// nodeFlags set keys of a node, which the gateway does not read
// (--data-dir it does: its certs/ holds the gateway's certificates).
var nodeFlags = map[string]string{
	"listen":       "gateway.listen (FECHATTER_GATEWAY__LISTEN)",
	"database-url": "nothing: the gateway opens no database",
}

// runGateway starts the gateway, waits for a signal or a failure, and
// stops it within server.shutdown_timeout.
func runGateway(cmd *cobra.Command, stderr io.Writer) error {
	for flag, instead := range nodeFlags {
		if cmd.Flags().Changed(flag) {
			return fmt.Errorf("--%s configures a node, not the gateway; the gateway uses %s", flag, instead)
		}
	}
	file, err := cmd.Flags().GetString("config")
	if err != nil {
		return err
	}
	cfg, err := appliance.Load(appliance.LoadOptions{ConfigFile: file, Flags: cmd.Flags(), Env: os.Environ(), Gateway: true})
	if err != nil {
		return err
	}
	log := appliance.NewLogger(stderr, cfg.Log)
	g, err := appliance.NewGateway(cfg, log)
	if err != nil {
		return err
	}
	ctx, stopSignals := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	if err := g.Start(ctx); err != nil {
		return err
	}
	log.Info("fechatter gateway started", "listen", g.Addr(), "backends", len(cfg.Gateway.Backends), "hash", cfg.Gateway.Hash)
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("gateway draining", "reason", "signal", "timeout", cfg.Server.ShutdownTimeout.String())
	case runErr = <-g.Failed():
		log.Error("stopping the gateway after a failure", "error", runErr)
	}
	stopSignals() // a second signal ends the process at once
	if err := errors.Join(runErr, g.Stop(context.Background())); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	log.Info("fechatter gateway stopped")
	return nil
}
