package appliance

import (
	"context"
	"errors"
	"fmt"

	"github.com/fechatter/fechatter/internal/transfer"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/blobs"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// ImportResult is what an import did (`fechatter import`).
type ImportResult = transfer.Result

// ExportReport counts what `fechatter export` wrote.
type ExportReport = transfer.ExportReport

// ImportOptions choose the workspace an import writes into and report
// its progress.
type ImportOptions struct {
	// Workspace is the target workspace's name: found, or created with the
	// instance administrator as its owner.
	Workspace string
	// Progress, when set, is called with done and total steps.
	Progress func(done, total int)
}

// ImportSlack imports a Slack export zip (`fechatter import slack`).
func ImportSlack(ctx context.Context, cfg Config, zipPath string, opt ImportOptions) (ImportResult, error) {
	return runImport(ctx, cfg, opt, func(st storage.Store, o transfer.Options) (transfer.Result, error) {
		return transfer.ImportSlack(ctx, st, zipPath, o)
	})
}

// ImportExport imports a file written by `fechatter export`
// (`fechatter import fechatter`).
func ImportExport(ctx context.Context, cfg Config, file string, opt ImportOptions) (ImportResult, error) {
	return runImport(ctx, cfg, opt, func(st storage.Store, o transfer.Options) (transfer.Result, error) {
		return transfer.ImportExport(ctx, st, file, o)
	})
}

// runImport opens and migrates the configured store and runs fn on it.
// An import is one transaction: with SQLite it holds the write lock
// throughout, so it refuses while another process (the server) has the
// database open rather than stall the server's writes.
func runImport(ctx context.Context, cfg Config, opt ImportOptions, fn func(storage.Store, transfer.Options) (transfer.Result, error)) (ImportResult, error) {
	if cfg.Database.URL == "" {
		err := sqlite.CheckNotInUse(ctx, SQLitePath(cfg))
		if errors.Is(err, sqlite.ErrInUse) {
			return ImportResult{}, fmt.Errorf("%s is open in another process: stop the server (with SQLite an import runs in one transaction that would hold up its writes), import, then start it; it indexes and delivers the imported messages when it starts", SQLitePath(cfg))
		}
		if err != nil {
			return ImportResult{}, err
		}
	}
	var res ImportResult
	err := withStore(ctx, cfg, func(st storage.Store) error {
		if err := migrateStore(ctx, st); err != nil {
			return err
		}
		var err error
		res, err = fn(st, transfer.Options{Workspace: opt.Workspace, Files: blobs.New(layoutOf(cfg.DataDir).Files),
			MaxFileSize: cfg.Files.MaxSize, Progress: opt.Progress})
		return err
	})
	return res, err
}

// Export writes workspace workspaceID to the file out (`fechatter
// export`). It runs beside a running server: it only reads.
func Export(ctx context.Context, cfg Config, workspaceID int64, out string, progress func(done, total int)) (ExportReport, error) {
	var rep ExportReport
	err := withStore(ctx, cfg, func(st storage.Store) error {
		if err := migrateStore(ctx, st); err != nil {
			return err
		}
		var err error
		rep, err = transfer.Export(ctx, st, blobs.New(layoutOf(cfg.DataDir).Files), workspaceID, out, progress)
		return err
	})
	return rep, err
}
