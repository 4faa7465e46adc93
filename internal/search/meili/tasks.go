package meili

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/meilisearch/meilisearch-go"
)

// pendingTask is a write whose task has not succeeded yet.
type pendingTask struct {
	uid     int64
	op      *writeOp
	attempt int       // submissions so far
	retryAt time.Time // zero: the task is in Meilisearch; else: resubmit then
	done    chan struct{}
	err     error // set before done closes
}

// taskTracker follows write tasks until they succeed, retries failed ones
// (at most MaxRetries times, with backoff) and lets readers wait until a
// workspace has no write in flight.
type taskTracker struct {
	m       *Engine
	mu      sync.Mutex
	pending map[*pendingTask]struct{}
	seq     int64
	// history holds the writes enqueued since the oldest pending one: what
	// a retry must not undo.
	history []*writeOp
	changed chan struct{} // closed and replaced on every change
	kick    chan struct{}
	failed  int // writes given up, for tests and status
}

func newTaskTracker(m *Engine) *taskTracker {
	return &taskTracker{
		m: m, pending: map[*pendingTask]struct{}{},
		changed: make(chan struct{}), kick: make(chan struct{}, 1),
	}
}

// enqueue submits op and tracks its task. It waits only for room when
// MaxPending writes are in flight, and, with SyncWrites, for the outcome.
func (t *taskTracker) enqueue(ctx context.Context, op *writeOp) error {
	if err := t.waitForRoom(ctx); err != nil {
		return err
	}
	t.mu.Lock()
	t.seq++
	op.seq = t.seq
	t.mu.Unlock()
	info, err := t.m.submit(ctx, op)
	if err != nil {
		return fmt.Errorf("meilisearch %s: %w", op.kind, cleanErr(err))
	}
	p := &pendingTask{uid: info.TaskUID, op: op, attempt: 1, done: make(chan struct{})}
	t.mu.Lock()
	t.pending[p] = struct{}{}
	t.history = append(t.history, op)
	t.broadcastLocked()
	t.mu.Unlock()
	if !t.m.cfg.SyncWrites {
		return nil
	}
	t.poke()
	select {
	case <-p.done:
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *taskTracker) waitForRoom(ctx context.Context) error {
	for {
		t.mu.Lock()
		n, ch := len(t.pending), t.changed
		t.mu.Unlock()
		if n < t.m.cfg.MaxPending {
			return nil
		}
		t.poke()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("meilisearch: %d writes in flight: %w", n, ctx.Err())
		}
	}
}

// broadcastLocked wakes everyone waiting for a change; t.mu is held.
func (t *taskTracker) broadcastLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// poke asks the watcher to poll now instead of at its next tick.
func (t *taskTracker) poke() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// pendingCount counts the writes in flight for a workspace (0: all).
func (t *taskTracker) pendingCount(ws int64) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for p := range t.pending {
		if ws == 0 || p.op.ws == ws {
			n++
		}
	}
	return n
}

// failedCount is how many writes were given up after their retries.
func (t *taskTracker) failedCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

// errReadWait reports that writes were still in flight when the wait ended.
var errReadWait = errors.New("writes still in flight")

// settle waits until the workspace (0: every workspace) has no write in
// flight, or bound passes (errReadWait), or ctx ends.
func (t *taskTracker) settle(ctx context.Context, ws int64, bound time.Duration) error {
	timer := time.NewTimer(bound)
	defer timer.Stop()
	for {
		t.mu.Lock()
		ch := t.changed
		t.mu.Unlock()
		if t.pendingCount(ws) == 0 {
			return nil
		}
		t.poke()
		select {
		case <-ch:
		case <-timer.C:
			return errReadWait
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// run is the watcher goroutine; it returns when ctx ends and closes done.
func (t *taskTracker) run(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(t.m.cfg.PollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-t.kick:
		}
		t.pollOnce(ctx)
	}
}

// pollOnce checks the tasks in flight and resubmits those due for a retry.
func (t *taskTracker) pollOnce(ctx context.Context) {
	inFlight, due := t.snapshot()
	slices.SortFunc(due, func(a, b *pendingTask) int { return int(a.op.seq - b.op.seq) })
	for _, p := range due {
		t.resubmit(ctx, p)
	}
	for start := 0; start < len(inFlight); start += 100 {
		batch := inFlight[start:min(start+100, len(inFlight))]
		if err := t.check(ctx, batch); err != nil && ctx.Err() == nil {
			t.m.log.Warn("meilisearch: checking write tasks", "err", err)
			return
		}
	}
}

// snapshot splits the pending writes into tasks to check and retries due.
func (t *taskTracker) snapshot() (inFlight, due []*pendingTask) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for p := range t.pending {
		switch {
		case p.retryAt.IsZero():
			inFlight = append(inFlight, p)
		case !now.Before(p.retryAt):
			due = append(due, p)
		}
	}
	return inFlight, due
}

// check fetches the status of a batch of tasks (one request) and acts on it.
func (t *taskTracker) check(ctx context.Context, batch []*pendingTask) error {
	uids := make([]int64, len(batch))
	for i, p := range batch {
		uids[i] = p.uid
	}
	res, err := t.m.client.GetTasks(ctx, &meilisearch.TasksQuery{UIDS: uids, Limit: int64(len(uids))})
	if err != nil {
		return cleanErr(err)
	}
	byUID := make(map[int64]meilisearch.Task, len(res.Results))
	for _, task := range res.Results {
		byUID[task.UID] = task
	}
	for _, p := range batch {
		task, ok := byUID[p.uid]
		if !ok {
			// Meilisearch deletes only finished tasks (past a million); a
			// task we cannot see any more finished long ago.
			t.finish(p, nil)
			continue
		}
		t.observe(p, task)
	}
	return nil
}

// observe applies one task status to its pending write.
func (t *taskTracker) observe(p *pendingTask, task meilisearch.Task) {
	switch task.Status {
	case meilisearch.TaskStatusSucceeded:
		t.finish(p, nil)
	case meilisearch.TaskStatusFailed, meilisearch.TaskStatusCanceled:
		if p.op.missingIndexOK() && task.Error.Code == meilisearch.APIErrCodeIndexNotFound {
			t.finish(p, nil)
			return
		}
		t.failed1(p, &apiError{
			Op: fmt.Sprintf("task %d %s", p.uid, task.Status), Code: string(task.Error.Code), Message: task.Error.Message,
		})
	}
}

// failed1 schedules a retry of a failed write, or gives it up.
func (t *taskTracker) failed1(p *pendingTask, err error) {
	attrs := []any{"op", p.op.kind, "workspace_id", p.op.ws, "items", p.op.size(), "attempt", p.attempt, "err", err}
	if p.attempt > t.m.cfg.MaxRetries {
		t.m.log.Error("meilisearch: write failed, giving up (run `fechatter reindex` to repair)", attrs...)
		t.mu.Lock()
		t.failed++
		t.mu.Unlock()
		t.finish(p, fmt.Errorf("meilisearch %s: %w", p.op.kind, err))
		return
	}
	t.m.log.Warn("meilisearch: write failed, retrying", attrs...)
	t.mu.Lock()
	p.retryAt = time.Now().Add(t.m.cfg.PollInterval << min(p.attempt, 6))
	t.broadcastLocked()
	t.mu.Unlock()
}

// resubmit enqueues a failed write again, less what later writes
// superseded (so a retry never brings back an older state).
func (t *taskTracker) resubmit(ctx context.Context, p *pendingTask) {
	t.mu.Lock()
	op := p.op.without(t.laterThan(p.op))
	t.mu.Unlock()
	if op == nil {
		t.finish(p, nil)
		return
	}
	p.op = op
	info, err := t.m.submit(ctx, op)
	p.attempt++
	if err != nil {
		if ctx.Err() == nil {
			t.failed1(p, cleanErr(err))
		}
		return
	}
	t.mu.Lock()
	p.uid, p.retryAt = info.TaskUID, time.Time{}
	t.broadcastLocked()
	t.mu.Unlock()
}

// finish removes a write from the pending set.
func (t *taskTracker) finish(p *pendingTask, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.pending[p]; !ok {
		return
	}
	delete(t.pending, p)
	p.err = err
	close(p.done)
	t.pruneLocked()
	t.broadcastLocked()
}

// laterThan lists the writes to the same workspace enqueued after op.
func (t *taskTracker) laterThan(op *writeOp) []*writeOp {
	var out []*writeOp
	for _, h := range t.history {
		if h.seq > op.seq && h.ws == op.ws {
			out = append(out, h)
		}
	}
	return out
}

// pruneLocked drops history older than every pending write.
func (t *taskTracker) pruneLocked() {
	oldest := t.seq + 1
	for p := range t.pending {
		oldest = min(oldest, p.op.seq)
	}
	t.history = slices.DeleteFunc(t.history, func(h *writeOp) bool { return h.seq < oldest })
}
