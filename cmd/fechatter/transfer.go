package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/fechatter/fechatter/appliance"
)

func newImportCommand(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import a workspace's history (from Slack, or from another Fechatter)",
		Long: `Import a workspace's history in one transaction: a malformed file fails it
with the file and line, and nothing of it stays. Running the same import
again adds nothing. With SQLite stop the server first; with Postgres it can
run beside the server. See docs/operations.md ("Import and export").`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(
		newImportSubcommand(stdout, "slack EXPORT.zip", "Import a Slack export (users, channels, DMs, messages, threads, reactions, files)", true, appliance.ImportSlack),
		newImportSubcommand(stdout, "fechatter FILE", "Import a file written by `fechatter export`", false, appliance.ImportExport),
	)
	return cmd
}

func newImportSubcommand(stdout io.Writer, use, short string, needWorkspace bool,
	run func(ctx context.Context, cfg appliance.Config, file string, opt appliance.ImportOptions) (appliance.ImportResult, error)) *cobra.Command {
	var workspace string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if needWorkspace && workspace == "" {
				return errors.New("--workspace NAME is required")
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			bar := newBar(stdout, "importing", false)
			res, err := run(ctx, cfg, args[0], appliance.ImportOptions{Workspace: workspace, Progress: bar.count})
			bar.finish()
			if err != nil {
				return fmt.Errorf("nothing was imported: %w", err)
			}
			if asJSON {
				return json.NewEncoder(stdout).Encode(res)
			}
			printImport(stdout, res)
			return nil
		},
	}
	help := "the workspace to import into: found by name, or created with the instance administrator as owner"
	if !needWorkspace {
		help += " (default: the exported workspace's name)"
	}
	cmd.Flags().StringVar(&workspace, "workspace", "", help)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// printImport writes the final report of an import.
func printImport(w io.Writer, res appliance.ImportResult) {
	verb := "into"
	if res.CreatedWorkspace {
		verb = "into new"
	}
	r := res.Report
	fmt.Fprintf(w, "imported %s workspace %q (id %d):\n", verb, res.WorkspaceName, res.WorkspaceID)
	fmt.Fprintf(w, "  users      %d\n  chats      %d\n  messages   %d (thread replies %d)\n  reactions  %d\n  files      %d\n",
		r.Users, r.Chats, r.Messages, r.Replies, r.Reactions, r.Files)
	fmt.Fprintf(w, "  already imported before: %d\n", r.Existing)
	reasons := make([]string, 0, len(r.Skipped))
	for reason := range r.Skipped {
		reasons = append(reasons, reason)
	}
	slices.Sort(reasons)
	for _, reason := range reasons {
		fmt.Fprintf(w, "  skipped %d: %s\n", r.Skipped[reason], reason)
	}
}

func newExportCommand(stdout io.Writer) *cobra.Command {
	var workspace int64
	var out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export a workspace (users, chats, messages, files) to one file",
		Long: `Export a workspace to one zip file (docs/export-format.md) that
"fechatter import fechatter FILE" reads on another instance. Accounts are
exported without passwords or sessions. It can run beside the server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if workspace <= 0 || out == "" {
				return errors.New("--workspace ID and --out FILE are required")
			}
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			bar := newBar(stdout, "exporting", false)
			rep, err := appliance.Export(ctx, cfg, workspace, out, bar.count)
			bar.finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "exported workspace %d to %s: %d users, %d chats, %d messages, %d files\n",
				workspace, out, rep.Users, rep.Chats, rep.Messages, rep.Files)
			return nil
		},
	}
	cmd.Flags().Int64Var(&workspace, "workspace", 0, "the id of the workspace to export")
	cmd.Flags().StringVar(&out, "out", "", "the file to write")
	return cmd
}
