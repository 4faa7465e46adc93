package chat

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Orphan sweeping.
const (
	// defaultOrphanGrace applies when Config.OrphanGrace is not set.
	defaultOrphanGrace = 24 * time.Hour
	// sweepBatch is how many files one query of the sweep reads.
	sweepBatch = 200
	// Sweeps run every quarter of the grace period, within these bounds.
	minSweepInterval = time.Minute
	maxSweepInterval = time.Hour
)

// orphanGrace is the configured grace period, or 24 hours when unset.
func (s *Service) orphanGrace() time.Duration {
	if s.cfg.OrphanGrace > 0 {
		return s.cfg.OrphanGrace
	}
	return defaultOrphanGrace
}

// SweepOrphanFiles deletes the files that no message has attached and that
// are older than the grace period (uploads never sent, and attachments of
// deleted messages), each with its blob unless another file still uses the
// same content. It returns how many files it deleted.
func (s *Service) SweepOrphanFiles(ctx context.Context) (int, error) {
	before := s.now().Add(-s.orphanGrace())
	deleted := 0
	var after int64
	for {
		batch, err := s.store.UnattachedFiles(ctx, before, after, sweepBatch)
		if err != nil {
			return deleted, fmt.Errorf("list unattached files: %w", err)
		}
		for _, f := range batch {
			after = f.ID
			gone, err := s.store.DeleteUnattachedFile(ctx, f.ID, before)
			if err != nil {
				return deleted, fmt.Errorf("delete file %d: %w", f.ID, err)
			}
			if !gone {
				continue // attached in the meantime
			}
			deleted++
			if err := s.removeBlobIfUnused(ctx, f.SHA256); err != nil {
				return deleted, err
			}
		}
		if len(batch) < sweepBatch {
			return deleted, nil
		}
	}
}

// removeBlobIfUnused removes the blob unless a file row still has its
// content. It holds blobMu exclusively, so no upload of the same content
// is between its insert and its blob placement meanwhile.
func (s *Service) removeBlobIfUnused(ctx context.Context, sum string) error {
	s.blobMu.Lock()
	defer s.blobMu.Unlock()
	used, err := s.store.BlobReferenced(ctx, sum)
	if err != nil {
		return fmt.Errorf("check blob use: %w", err)
	}
	if used {
		return nil
	}
	return s.blobs.Remove(sum)
}

// FileSweeper runs SweepOrphanFiles at start and then every quarter of the
// grace period (at least a minute, at most an hour). It has one owner that
// calls Start once and Stop when done.
type FileSweeper struct {
	svc      *Service
	interval time.Duration

	mu     sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// NewFileSweeper returns a sweeper over s; nothing runs until Start.
func (s *Service) NewFileSweeper() *FileSweeper {
	interval := min(max(s.orphanGrace()/4, minSweepInterval), maxSweepInterval)
	return &FileSweeper{svc: s, interval: interval}
}

// Start begins sweeping in a goroutine that Stop ends.
func (w *FileSweeper) Start(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done != nil {
		return errors.New("file sweeper already started")
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w.cancel, w.done = cancel, make(chan struct{})
	go w.run(runCtx, w.done)
	return nil
}

// Stop ends the sweeping and waits for a sweep under way to return, within
// ctx. It is idempotent.
func (w *FileSweeper) Stop(ctx context.Context) error {
	w.mu.Lock()
	cancel, done := w.cancel, w.done
	w.mu.Unlock()
	if done == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop file sweeper: %w", ctx.Err())
	}
}

func (w *FileSweeper) run(ctx context.Context, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(w.interval)
	defer tick.Stop()
	for {
		n, err := w.svc.SweepOrphanFiles(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			w.svc.log.Warn("sweep unattached files", "error", err, "deleted", n)
		case n > 0:
			w.svc.log.Info("swept unattached files", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
