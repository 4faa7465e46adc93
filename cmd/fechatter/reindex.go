package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/fechatter/fechatter/appliance"
)

func newReindexCommand(stdout io.Writer) *cobra.Command {
	var workspace int64
	cmd := &cobra.Command{
		Use:   "reindex",
		Short: "Rebuild the search index from the database",
		Long: `Rebuild the search index from the database, for one workspace (--workspace)
or all. With the embedded engine stop the server first (it holds the index);
a running server also rebuilds an empty index by itself: delete
<data_dir>/search and restart. With Meilisearch it can run beside the server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			start := time.Now()
			bar := newBar(stdout, "reindex", false)
			var done, total int
			err = appliance.Reindex(ctx, cfg, workspace, func(d, t int) {
				done, total = d, t
				bar.count(d, t)
			})
			bar.finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "reindexed %d of %d messages in %s\n", done, total, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().Int64Var(&workspace, "workspace", 0, "rebuild only this workspace (default: all)")
	return cmd
}
