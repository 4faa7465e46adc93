package appliance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/search/bleve"
	"github.com/fechatter/fechatter/storage"
)

// Reindex rebuilds the search index from the database: one workspace, or
// everything with workspaceID 0. It opens the configured index itself, so
// with the embedded engine the server must be stopped (the index is
// locked by the running server, and a running server rebuilds an empty
// index on its own: delete <data>/search and restart). progress is called
// after each batch.
func Reindex(ctx context.Context, cfg Config, workspaceID int64, progress func(done, total int)) error {
	return withStore(ctx, cfg, func(st storage.Store) error {
		if err := migrateStore(ctx, st); err != nil {
			return err
		}
		a := &Appliance{cfg: cfg, log: NewLogger(discard{}, LogConfig{Format: "json", Level: "error"})}
		idx, err := a.openIndex(ctx)
		if errors.Is(err, bleve.ErrLocked) {
			dir := layoutOf(cfg.DataDir).Search
			return fmt.Errorf("%w, most likely by the running server: stop the server, then run fechatter reindex again (or stop it, delete %s and start it: it rebuilds an empty index by itself)", err, dir)
		}
		if err != nil {
			return fmt.Errorf("open search index: %w", err)
		}
		defer func() { _ = closeIndex(idx); _ = a.stopSidecar(context.Background()) }()
		err = search.Rebuild(ctx, searchData{st}, idx, workspaceID, progress)
		if ctx.Err() != nil {
			return fmt.Errorf("reindex interrupted: the index holds only part of the messages; run fechatter reindex again: %w", ctx.Err())
		}
		return err
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// rebuildIfEmpty refills an empty index from the database in the
// background (a new install with old data, or an operator who deleted the
// index); searches answer from what is indexed so far meanwhile.
func (a *Appliance) rebuildIfEmpty(ctx context.Context) {
	n, err := a.index.Count(ctx, 0)
	if err != nil || n > 0 {
		return
	}
	total, err := a.store.CountMessages(ctx, 0)
	if err != nil || total == 0 {
		return
	}
	a.log.Info("search index is empty: rebuilding it from the database", "messages", total)
	start := time.Now()
	err = search.Rebuild(ctx, searchData{a.store}, a.index, 0, nil)
	switch {
	case errors.Is(err, context.Canceled):
	case err != nil:
		a.log.Error("search rebuild failed; run fechatter reindex", "error", err)
	default:
		a.log.Info("search index rebuilt", "messages", total, "took", time.Since(start).Round(time.Millisecond).String())
	}
}
