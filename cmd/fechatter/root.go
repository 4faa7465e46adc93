package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/fechatter/fechatter/appliance"
)

// newRootCommand builds the command tree. With no subcommand it serves.
func newRootCommand(build appliance.BuildInfo, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "fechatter",
		Short:         "Fechatter: a self-hosted team chat server in one binary",
		Long:          rootLong,
		Args:          cobra.NoArgs,
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(cmd, build, stderr)
		},
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.Version = build.Version
	root.SetVersionTemplate("fechatter {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	appliance.AddFlags(root.PersistentFlags())
	root.AddCommand(
		newServeCommand(build, stderr),
		newMigrateCommand(stdout, stderr),
		newVersionCommand(build, stdout),
		newHealthcheckCommand(stdout, stderr),
		newConfigCommand(stdout),
		newReindexCommand(stdout),
		newBackupCommand(build, stdout, stderr),
		newRestoreCommand(stdout, stderr),
		newGatewayCommand(stderr),
		newImportCommand(stdout),
		newExportCommand(stdout),
		newAdminCommand(os.Stdin, stdout),
	)
	return root
}

const rootLong = `Fechatter is a team chat server shipped as one binary.

Configuration, lowest precedence first: defaults, config.yaml in the working
directory (or --config FILE, or FECHATTER_CONFIG), FECHATTER_* environment
variables (nested keys joined by "__", e.g. FECHATTER_SERVER__LISTEN), flags.
Secrets can be read from files: FECHATTER_AUTH__JWT_SECRET_FILE=/run/secrets/jwt.
See config.example.yaml for every key.`

// loadConfig loads the configuration for cmd from its flags, the config
// file and the process environment.
func loadConfig(cmd *cobra.Command) (appliance.Config, error) {
	file, err := cmd.Flags().GetString("config")
	if err != nil {
		return appliance.Config{}, err
	}
	return appliance.Load(appliance.LoadOptions{ConfigFile: file, Flags: cmd.Flags(), Env: os.Environ()})
}

// configFileOf is the config file loadConfig reads for cmd ("" for none).
func configFileOf(cmd *cobra.Command) string {
	file, _ := cmd.Flags().GetString("config")
	return appliance.ConfigFileIn(appliance.LoadOptions{ConfigFile: file, Env: os.Environ()})
}
