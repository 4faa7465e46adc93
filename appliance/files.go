package appliance

import (
	"context"
	"errors"

	"github.com/fechatter/fechatter/internal/chat"
)

// filesComponent runs the sweep of uploads that no message uses (see
// chat.FileSweeper) over the use cases the HTTP component built, so that it
// shares their lock between blob writes and blob removals.
func (a *Appliance) filesComponent() Component {
	return Component{
		Name: "files",
		Start: func(ctx context.Context) error {
			if a.chat == nil {
				return errors.New("the use cases are not built (the http component starts first)")
			}
			a.sweeper = a.chat.NewFileSweeper()
			return a.sweeper.Start(ctx)
		},
		Stop: func(ctx context.Context) error { return a.sweeper.Stop(ctx) },
	}
}

// chatConfig is the part of the configuration the use cases take.
func (c Config) chatConfig(filesPath string) chat.Config {
	return chat.Config{
		OpenSignup:        c.Auth.OpenSignup,
		FilesDir:          filesPath,
		MaxFileSize:       c.Files.MaxSize,
		QuotaPerUser:      c.Files.QuotaPerUser,
		QuotaPerWorkspace: c.Files.QuotaPerWorkspace,
		OrphanGrace:       c.Files.OrphanGrace,
	}
}
