package events

import (
	"context"
	"time"
)

// pruneBatch is how many outbox rows one delete removes: short
// transactions, so that writers (SQLite has one) never wait long.
const pruneBatch = 1000

// pruneLoop deletes published events past Retention at start and then
// every PruneInterval. An unpublished event is never deleted, whatever
// its age: the relay still owes it to the stream.
func (r *Relay) pruneLoop(ctx context.Context) {
	for {
		r.prune(ctx, time.Now().Add(-r.opt.Retention))
		r.pruneRounds.Add(1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(r.opt.PruneInterval):
		}
	}
}

// prune deletes the events published before cut, a batch at a time.
func (r *Relay) prune(ctx context.Context, cut time.Time) {
	for ctx.Err() == nil {
		n, err := r.store.PruneEvents(ctx, cut, pruneBatch)
		if err != nil {
			if ctx.Err() == nil {
				r.opt.Log.Warn("outbox prune failed", "err", err)
			}
			return
		}
		r.pruned.Add(int64(n))
		if n < pruneBatch {
			return
		}
	}
}
