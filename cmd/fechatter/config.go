package main

import (
	"io"

	"github.com/spf13/cobra"
)

func newConfigCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the effective configuration as YAML, secrets redacted",
		Long: `Print the configuration that serve would use, after defaults, the config
file, FECHATTER_* environment variables and flags, as YAML. Secrets are
replaced by [redacted]; the output is a valid config file otherwise. An
invalid configuration is reported instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			out, err := cfg.Redacted().YAML()
			if err != nil {
				return err
			}
			_, err = stdout.Write(out)
			return err
		},
	}
}
