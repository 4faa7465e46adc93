package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/fechatter/fechatter/appliance"
)

func newBackupCommand(build appliance.BuildInfo, stdout, stderr io.Writer) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Write a backup archive of the instance, running or stopped",
		Long: `Write one .tar.gz archive holding a consistent snapshot of the database
(SQLite: VACUUM INTO, safe while the server runs; Postgres: pg_dump when it
is on PATH, otherwise the command prints what to run), the uploaded files,
jwt.key, the config file, and manifest.json with the versions, the row
count of every table and the size and SHA-256 of every part. The search
index is left out (the server rebuilds it) and so is the event stream
(clients resync). Restore it with "fechatter restore".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			bar := newBar(stderr, "backup", true)
			m, err := appliance.Backup(ctx, cfg, appliance.BackupOptions{
				Out: out, Version: build.Version, Progress: bar.update,
				ConfigFile: configFileOf(cmd),
			})
			bar.finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "backup written to %s\n%s", out, describeManifest(m))
			if hint := appliance.PGDumpHint(m); hint != "" {
				fmt.Fprintln(stderr, "warning: "+hint)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "archive to write (must not exist), e.g. fechatter-$(date +%F).tar.gz")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

func newRestoreCommand(stdout, stderr io.Writer) *cobra.Command {
	var from, configOut string
	cmd := &cobra.Command{
		Use:   "restore --from FILE --data-dir DIR",
		Short: "Restore a backup archive into an empty data dir",
		Long: `Restore a backup archive into a new or empty data dir (--data-dir) and,
for a Postgres backup, into the empty database given by --database-url
(with pg_restore). Every part is checked against the manifest (size,
SHA-256, schema version, row counts) in a temporary directory beside the
data dir, which is renamed into place only when all is well: a damaged
archive leaves nothing behind. A backup from a newer schema is refused.
Start the server on the data dir afterwards; it rebuilds the search index.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("data-dir") && os.Getenv(appliance.EnvPrefix+"DATA_DIR") == "" {
				return fmt.Errorf("restore: give the data dir to restore into with --data-dir")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			bar := newBar(stderr, "restore", true)
			m, err := appliance.Restore(ctx, cfg, appliance.RestoreOptions{From: from, ConfigOut: configOut, Progress: bar.update})
			bar.finish()
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "restored %s into %s\n%s", from, cfg.DataDir, describeManifest(m))
			if configOut == "" && slices.ContainsFunc(m.Parts, func(p appliance.Part) bool { return p.Name == "config.yaml" }) {
				fmt.Fprintln(stdout, "the backup holds its config file: write it out with --config-out FILE")
			}
			fmt.Fprintln(stdout, "start the server on it; it rebuilds the search index")
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "backup archive to restore")
	cmd.Flags().StringVar(&configOut, "config-out", "", "also write the archived config file here (must not exist)")
	_ = cmd.MarkFlagRequired("from")
	return cmd
}

// describeManifest summarises a manifest in a few lines.
func describeManifest(m appliance.Manifest) string {
	var size int64
	for _, p := range m.Parts {
		size += p.Size
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  fechatter %s, %s schema version %d, taken %s\n", m.FechatterVersion, m.Engine, m.SchemaVersion, m.CreatedAt.Format(time.RFC3339))
	fmt.Fprintf(&b, "  %d parts, %s uncompressed\n", len(m.Parts), humanBytes(size))
	for _, t := range []string{"users", "workspaces", "chats", "messages", "files"} {
		if n, ok := m.Rows[t]; ok {
			fmt.Fprintf(&b, "  %s: %d\n", t, n)
		}
	}
	return b.String()
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
