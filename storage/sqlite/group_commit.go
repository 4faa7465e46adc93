package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// A batch takes at most maxBatch functions and takes no more once it has
// run for maxBatchWork, so that a caller waits behind a bounded amount of
// other callers' work before its COMMIT.
const (
	maxBatch     = 64
	maxBatchWork = 4 * time.Millisecond
)

// request is one write transaction, from InTx until its caller has its outcome.
type request struct {
	ctx context.Context
	fn  func(q *queries) error
	// taken (guarded by committer.mu) is set once a leader owns the
	// request: from then on its caller waits for done, whatever its ctx.
	taken bool
	// done receives the outcome, preceded by {lead: true} if the caller
	// is to lead first.
	done chan outcome
}

// outcome is what a request's caller gets.
type outcome struct {
	err   error
	panic *txPanic
	lead  bool // not an outcome yet: the caller is to run the next batch
}

func (o outcome) ok() bool { return o.err == nil && o.panic == nil }

// result returns the error, or re-raises in the caller's goroutine a
// panic of its function.
func (o outcome) result() error {
	if o.panic != nil {
		panic(o.panic)
	}
	return o.err
}

// txPanic is a panic of a transaction function, raised again in its
// caller's goroutine (the function may have run in another caller's) with
// the stack where it happened, as golang.org/x/sync/singleflight does.
type txPanic struct {
	value any
	stack []byte
}

func (p *txPanic) Error() string {
	return fmt.Sprintf("sqlite: transaction function panicked: %v\n\n%s", p.value, p.stack)
}

// Unwrap returns the panic value if it is an error.
func (p *txPanic) Unwrap() error {
	err, _ := p.value.(error)
	return err
}

// committer is the queue of write transactions and who is running them.
type committer struct {
	// maxFuncs and maxWork bound a batch (maxBatch, maxBatchWork).
	maxFuncs int
	maxWork  time.Duration

	mu      sync.Mutex
	queue   []*request
	leading bool // a caller is running a batch and will hand over
	// commits counts committed batches (tests use it to see batching).
	commits atomic.Int64
}

// enqueue adds r and reports whether its caller is to lead, nobody else
// being at it. A leader's own request is then at the head of the queue.
func (c *committer) enqueue(r *request) (lead bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queue = append(c.queue, r)
	lead, c.leading = !c.leading, true
	return lead
}

// wait blocks until r has its outcome or its caller is to lead. If ctx
// ends while r is still queued, r leaves the queue without running.
func (c *committer) wait(r *request) outcome {
	select {
	case o := <-r.done:
		return o
	case <-r.ctx.Done():
	}
	c.mu.Lock()
	if !r.taken {
		c.queue = slices.DeleteFunc(c.queue, func(x *request) bool { return x == r })
		c.mu.Unlock()
		return outcome{err: r.ctx.Err()}
	}
	c.mu.Unlock()
	return <-r.done
}

// take removes the oldest request from the queue for the running batch;
// nil when the queue is empty.
func (c *committer) take() *request {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return nil
	}
	r := c.queue[0]
	c.queue[0] = nil
	c.queue = c.queue[1:]
	r.taken = true
	return r
}

// handOff makes the caller of the oldest queued request the next leader,
// or records that nobody leads when the queue is empty.
func (c *committer) handOff() {
	c.mu.Lock()
	if len(c.queue) == 0 {
		c.leading = false
		c.mu.Unlock()
		return
	}
	next := c.queue[0]
	next.taken = true
	c.mu.Unlock()
	next.done <- outcome{lead: true}
}

// inTx runs fn in a write transaction, grouped with concurrent ones (see
// the package comment), and returns once that transaction has committed.
func (s *Store) inTx(ctx context.Context, fn func(q *queries) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, fn: fn, done: make(chan outcome, 1)}
	if !s.commits.enqueue(r) {
		if o := s.commits.wait(r); !o.lead {
			return o.result()
		}
	}
	s.lead()
	return (<-r.done).result()
}

// lead runs one batch, starting with the oldest request, then hands over.
func (s *Store) lead() {
	defer s.commits.handOff()
	first := s.commits.take()
	start := time.Now()
	tx, err := s.begin(first.ctx)
	if err != nil {
		first.done <- outcome{err: err}
		return
	}
	stmts := &batchStmts{tx: tx, cache: s.wstmts, prepared: map[string]*sql.Stmt{}}
	batch, outs, err := s.runBatch(tx, stmts, first)
	if err == nil {
		if err = tx.Commit(); err != nil {
			err = fmt.Errorf("commit: %w", err)
		} else {
			s.commits.commits.Add(1)
			observeBatch(len(batch), start)
		}
	} else {
		_ = tx.Rollback()
	}
	for i, r := range batch {
		if err != nil && outs[i].ok() {
			outs[i].err = err
		}
		r.done <- outs[i]
	}
	stmts.remember()
}

// begin starts the batch's transaction. The wait for the write lock (under
// busy_timeout, while another process writes) ends with ctx, but the
// transaction, once begun, does not depend on ctx: database/sql would roll
// it back, and every function of the batch with it, when ctx ended.
func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	txCtx, cancel := context.WithCancel(context.Background())
	stop := context.AfterFunc(ctx, cancel)
	tx, err := s.wdb.BeginTx(txCtx, nil)
	if !stop() {
		// ctx ended during BEGIN; database/sql rolls back what began.
		return nil, ctx.Err()
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("begin: %w", err)
	}
	// txCtx is never cancelled now (that would roll the transaction back);
	// database/sql releases what it derived from it when the tx ends.
	return tx, nil
}

// runBatch runs first, then queued requests in order, until the queue is
// empty or the batch is full. It returns the requests it ran with their
// outcomes, and an error if the transaction must be rolled back: because
// it broke, or because first failed (see runOne).
func (s *Store) runBatch(tx *sql.Tx, stmts *batchStmts, first *request) ([]*request, []outcome, error) {
	q := &queries{r: observed{stmts}, w: observed{stmts}, inTx: true, store: s}
	var batch []*request
	var outs []outcome
	start := time.Now()
	for r := first; r != nil; r = s.commits.take() {
		o, err := runOne(tx, q, r, r != first)
		batch, outs = append(batch, r), append(outs, o)
		if err != nil {
			return batch, outs, err
		}
		if r == first && !o.ok() {
			return batch, outs, errFirstFailed
		}
		if len(batch) >= s.commits.maxFuncs || time.Since(start) >= s.commits.maxWork {
			break
		}
	}
	return batch, outs, nil
}

// errFirstFailed rolls back a transaction whose first function failed.
var errFirstFailed = errors.New("first function failed")

// runOne runs r's function unless its ctx has ended. The functions after
// the first run inside a savepoint, which their error or panic rolls
// back, so the rest of the batch keeps its work; the first needs none (a
// lone transaction, the common case, costs no more than before group
// commit): if it fails, the whole transaction is rolled back, as it holds
// nothing else yet. err reports a savepoint statement that failed, which
// means the transaction is gone (SQLite rolls a transaction back on some
// errors, such as SQLITE_FULL or SQLITE_IOERR).
func runOne(tx *sql.Tx, q *queries, r *request, savepoint bool) (o outcome, err error) {
	if err := r.ctx.Err(); err != nil {
		return outcome{err: err}, nil
	}
	if !savepoint {
		return call(r.fn, q), nil
	}
	bg := context.Background()
	if _, err := tx.ExecContext(bg, "SAVEPOINT fn"); err != nil {
		return outcome{}, fmt.Errorf("savepoint: %w", err)
	}
	o = call(r.fn, q)
	end := "RELEASE fn"
	if !o.ok() {
		end = "ROLLBACK TO fn; RELEASE fn"
	}
	if _, err := tx.ExecContext(bg, end); err != nil {
		return o, fmt.Errorf("savepoint: %w", err)
	}
	return o, nil
}

// call runs fn, turning a panic into an outcome.
func call(fn func(q *queries) error, q *queries) (o outcome) {
	defer func() {
		if v := recover(); v != nil {
			o = outcome{panic: &txPanic{value: v, stack: debug.Stack()}}
		}
	}()
	return outcome{err: fn(q)}
}

// batchStmts runs the statements of a batch's functions on its
// transaction.
//
// Each SQL text is compiled once per batch: the functions of a batch
// mostly run the same statements (CreateMessage after CreateMessage), and
// with modernc.org/sqlite compiling a statement costs more than running it.
// database/sql closes the prepared statements with the transaction.
//
// A caller's context does not interrupt a running statement: an
// interrupted write rolls back the whole transaction
// (sqlite.org/c3ref/interrupt.html), the other callers' work with it.
// Instead a context that has ended fails the function's next statement
// before it starts (database/sql checks that), so the function returns
// ctx.Err() and only its own savepoint is rolled back.
type batchStmts struct {
	tx       *sql.Tx
	cache    *stmtCache // compiled across batches, bound to the writer
	prepared map[string]*sql.Stmt
	fresh    []string // texts compiled in this batch only
}

// remember compiles the batch's fresh texts into the writer's cache, for
// the batches after it. It runs between batches, when the writer's one
// connection is free.
func (b *batchStmts) remember() {
	for _, q := range b.fresh {
		b.cache.prepare(context.Background(), q)
	}
}

func (b *batchStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = uninterrupted(ctx)
	if st := b.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return b.tx.ExecContext(ctx, query, args...)
}

func (b *batchStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = uninterrupted(ctx)
	if st := b.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return b.tx.QueryContext(ctx, query, args...)
}

func (b *batchStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = uninterrupted(ctx)
	if st := b.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return b.tx.QueryRowContext(ctx, query, args...)
}

// stmt returns query prepared in the transaction, or nil if preparing
// failed; the caller then runs query unprepared, which reports the error.
func (b *batchStmts) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := b.prepared[query]; ok {
		return st
	}
	if cached := b.cache.get(query); cached != nil {
		// The writer's connection already holds it compiled.
		st := b.tx.StmtContext(ctx, cached)
		b.prepared[query] = st
		return st
	}
	st, err := b.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	b.prepared[query] = st
	b.fresh = append(b.fresh, query)
	return st
}

// uninterrupted returns ctx if it has ended, else ctx without its cancellation.
func uninterrupted(ctx context.Context) context.Context {
	if ctx.Err() != nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}
