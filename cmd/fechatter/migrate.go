package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/fechatter/fechatter/appliance"
)

func newMigrateCommand(stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations",
		Long: `Apply pending database migrations and exit. serve does this at start too;
run it separately to migrate before rolling out, or to see the state with
"migrate status". A database migrated by a newer fechatter is refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			if err := appliance.Migrate(ctx, cfg); err != nil {
				return err
			}
			s, err := appliance.SchemaStatus(ctx, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: migrated to schema version %d\n", s.Dialect, s.Applied)
			return nil
		},
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "status",
		Short: "Show the database schema version and pending migrations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			s, err := appliance.SchemaStatus(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, describeSchema(s))
			return nil
		},
	})
	return cmd
}

func describeSchema(s appliance.Schema) string {
	state := "up to date"
	switch {
	case s.Applied > s.Latest:
		state = "newer than this binary: upgrade fechatter"
	case s.Applied < s.Latest:
		state = fmt.Sprintf("%d pending: run fechatter migrate", s.Latest-s.Applied)
	}
	return fmt.Sprintf("%s: schema version %d of %d (%s)", s.Dialect, s.Applied, s.Latest, state)
}
