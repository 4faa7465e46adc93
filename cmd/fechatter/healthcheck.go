package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/fechatter/fechatter/appliance"
)

// maxHealthBody caps how much of an unhealthy answer is printed.
const maxHealthBody = 512

func newHealthcheckCommand(stdout, stderr io.Writer) *cobra.Command {
	var url string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if a running server is ready, 1 if not (for container health checks)",
		Long: `Ask a running server's /readyz whether it is ready: exit 0 on 200, 1 on
anything else. By default it asks the server.listen address of the
configuration on the loopback interface; --url overrides that.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" {
				cfg, err := loadConfig(cmd)
				if err != nil {
					return err
				}
				url = appliance.ReadyURL(cfg.Server.Listen)
			}
			return checkReady(cmd.Context(), url, timeout, stdout)
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "readiness URL to check (default: http://<server.listen>/readyz)")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "how long to wait for the answer")
	return cmd
}

// checkReady GETs url and succeeds on 200.
func checkReady(ctx context.Context, url string, timeout time.Duration, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxHealthBody))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s: %s", url, resp.Status, body)
	}
	fmt.Fprintf(stdout, "ok: %s\n", url)
	return nil
}
