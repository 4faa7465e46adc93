package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/fechatter/fechatter/appliance"
)

func newServeCommand(build appliance.BuildInfo, stderr io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the server (the default command)",
		Long: `Run the server until SIGINT or SIGTERM, then stop gracefully within
server.shutdown_timeout. The database is migrated at start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd, build, stderr)
		},
	}
}

// serve starts the appliance, waits for a signal or a component failure,
// and stops it within server.shutdown_timeout.
func serve(cmd *cobra.Command, build appliance.BuildInfo, stderr io.Writer) error {
	cfg, err := loadConfig(cmd)
	if err != nil {
		return err
	}
	log := appliance.NewLogger(stderr, cfg.Log)
	gc := appliance.TuneGC()
	a, err := appliance.New(cfg, log, build)
	if err != nil {
		return err
	}
	a.SetConfigFile(configFileOf(cmd))
	ctx, stopSignals := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	if err := a.Start(ctx); err != nil {
		return err
	}
	log.Info("fechatter started", "listen", a.Addr(), "data_dir", absPath(cfg.DataDir),
		"database", databaseKind(cfg), "version", build.Version,
		"gogc", gcField(gc.GCPercent, "GOGC"), "memory_limit", gcField(gc.MemoryLimit, "GOMEMLIMIT"))
	log.Info(a.Welcome())
	var runErr error
	select {
	case <-ctx.Done():
		log.Info("stopping", "reason", "signal", "timeout", cfg.Server.ShutdownTimeout.String())
	case runErr = <-a.Failed():
		log.Error("stopping after a component failed", "error", runErr)
	}
	stopSignals() // a second signal ends the process at once
	return stop(a, cfg, log, runErr)
}

// stop stops a within server.shutdown_timeout and reports what went wrong.
func stop(a *appliance.Appliance, cfg appliance.Config, log *slog.Logger, runErr error) error {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
	defer cancel()
	err := errors.Join(runErr, a.Stop(ctx))
	if err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	log.Info("fechatter stopped")
	return nil
}

// gcField is a GC setting for the start line: the value TuneGC chose, or
// what the environment variable says.
func gcField[T int | int64](v T, env string) string {
	if v != 0 {
		return fmt.Sprint(v)
	}
	if e := os.Getenv(env); e != "" {
		return env + "=" + e
	}
	return "default"
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

func databaseKind(cfg appliance.Config) string {
	if cfg.Database.URL == "" {
		return "sqlite"
	}
	return "postgres"
}
