package sqlite

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// batchTest holds the write connection with a running transaction, so
// that work queued meanwhile forms one batch with it once released.
type batchTest struct {
	t       *testing.T
	s       *Store
	release chan struct{}
	holder  chan error // the holding InTx's result
	wg      sync.WaitGroup
}

// holdWriter starts a transaction that waits for run and then creates
// the user "holder". The batch's time bound is lifted, as the wait counts.
func holdWriter(t *testing.T, s *Store) *batchTest {
	t.Helper()
	s.commits.maxWork = time.Hour
	b := &batchTest{t: t, s: s, release: make(chan struct{}), holder: make(chan error, 1)}
	started := make(chan struct{})
	go func() {
		b.holder <- s.InTx(context.Background(), func(tx storage.Tx) error {
			close(started)
			<-b.release
			return tx.CreateUser(context.Background(), user("holder"))
		})
	}()
	<-started
	return b
}

// queue runs f in a goroutine, expecting it to queue behind the holder.
func (b *batchTest) queue(f func()) { b.wg.Go(f) }

// run waits until n requests are queued, lets the holder finish, waits
// for everything, and returns the holder's result and how many batches
// committed meanwhile.
func (b *batchTest) run(n int) (commits int64, holderErr error) {
	b.t.Helper()
	waitQueued(b.t, b.s, n)
	before := b.s.commits.commits.Load()
	close(b.release)
	b.wg.Wait()
	err := <-b.holder
	return b.s.commits.commits.Load() - before, err
}

// waitQueued polls until at least n requests wait in the queue.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s.commits.mu.Lock()
		queued := len(s.commits.queue)
		s.commits.mu.Unlock()
		if queued >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests queued, want %d", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func user(name string) *model.User {
	return &model.User{Email: name + "@example.com", Username: name}
}

// stored reports whether the user called name exists.
func stored(t *testing.T, s *Store, name string) bool {
	t.Helper()
	_, err := s.UserByUsername(context.Background(), name)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("user %s: %v", name, err)
	}
	return err == nil
}

// TestGroupCommitRollsBackOnlyTheFailingFunction queues InTx calls and
// Store writes behind a running transaction, so they share its commit;
// the ones that fail lose their own work only.
func TestGroupCommitRollsBackOnlyTheFailingFunction(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	boom := errors.New("boom")
	const n = 12
	errs := make([]error, n)
	b := holdWriter(t, s)
	for i := range n {
		name := fmt.Sprintf("u%d", i)
		b.queue(func() {
			switch i {
			case 3, 7: // a write on the Store is its own transaction
				errs[i] = s.CreateUser(ctx, user(name))
			case 9: // a Store write that fails: the email is the holder's
				errs[i] = s.CreateUser(ctx, &model.User{Email: "holder@example.com", Username: name})
			default:
				errs[i] = s.InTx(ctx, func(tx storage.Tx) error {
					if err := tx.CreateUser(ctx, user(name)); err != nil {
						return err
					}
					switch i {
					case 5:
						return boom
					case 8: // a statement that fails after one that worked
						return tx.CreateUser(ctx, &model.User{Email: "holder@example.com", Username: "other"})
					}
					return nil
				})
			}
		})
	}
	commits, holderErr := b.run(n)
	if holderErr != nil {
		t.Fatalf("holder: %v", holderErr)
	}
	if commits != 1 {
		t.Fatalf("%d commits, want the holder and the %d queued in one batch", commits, n)
	}
	for i, err := range errs {
		name := fmt.Sprintf("u%d", i)
		switch i {
		case 5:
			if err != boom {
				t.Errorf("%s: %v, want fn's error as is", name, err)
			}
		case 8, 9:
			if !errors.Is(err, storage.ErrConflict) {
				t.Errorf("%s: %v, want ErrConflict", name, err)
			}
		default:
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		if want := i != 5 && i != 8 && i != 9; stored(t, s, name) != want {
			t.Errorf("%s stored: %v, want %v", name, !want, want)
		}
	}
	if !stored(t, s, "holder") || stored(t, s, "other") {
		t.Error("holder missing, or the conflicting user of u8 stored")
	}
}

// TestGroupCommitFirstFails: the first function of a batch runs without a
// savepoint; when it fails its transaction is rolled back, and what queued
// behind it commits in the next one.
func TestGroupCommitFirstFails(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	if err := s.CreateUser(ctx, user("holder")); err != nil {
		t.Fatalf("create holder: %v", err)
	}
	b := holdWriter(t, s) // fails: "holder" exists
	errs := make([]error, 3)
	for i := range errs {
		b.queue(func() { errs[i] = s.CreateUser(ctx, user(fmt.Sprintf("u%d", i))) })
	}
	commits, holderErr := b.run(len(errs))
	if !errors.Is(holderErr, storage.ErrConflict) || commits != 1 {
		t.Fatalf("holder: %v, %d commits; want ErrConflict, then one batch", holderErr, commits)
	}
	for i, err := range errs {
		if err != nil || !stored(t, s, fmt.Sprintf("u%d", i)) {
			t.Errorf("u%d: %v", i, err)
		}
	}
}

// TestGroupCommitFailureFailsTheWholeBatch makes the COMMIT itself fail (a
// deferred foreign key violation is only checked then): every caller of
// the batch gets the error and nothing of it is kept.
func TestGroupCommitFailureFailsTheWholeBatch(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	const n = 6
	errs := make([]error, n)
	b := holdWriter(t, s)
	for i := range n {
		b.queue(func() {
			if i == 2 {
				errs[i] = s.inTx(ctx, func(q *queries) error {
					if _, err := q.w.ExecContext(ctx, `PRAGMA defer_foreign_keys = ON`); err != nil {
						return err
					}
					_, err := q.w.ExecContext(ctx, `INSERT INTO workspace_members (workspace_id, user_id, role, joined_at)
						VALUES (999, 999, 'member', 0)`)
					return err
				})
				return
			}
			errs[i] = s.CreateUser(ctx, user(fmt.Sprintf("u%d", i)))
		})
	}
	commits, holderErr := b.run(n)
	if holderErr == nil || commits != 0 {
		t.Fatalf("holder: %v, %d commits; want the commit to fail", holderErr, commits)
	}
	for i, err := range errs {
		if err == nil || err.Error() != holderErr.Error() {
			t.Errorf("caller %d: %v, want the commit error %v", i, err, holderErr)
		}
		if stored(t, s, fmt.Sprintf("u%d", i)) {
			t.Errorf("u%d stored by a failed commit", i)
		}
	}
	if stored(t, s, "holder") {
		t.Error("holder stored by a failed commit")
	}
	if err := s.CreateUser(ctx, user("after")); err != nil {
		t.Fatalf("write after a failed commit: %v", err)
	}
}

func TestGroupCommitCancellation(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()

	done, cancel := context.WithCancel(ctx)
	cancel()
	ran := false
	err := s.InTx(done, func(storage.Tx) error { ran = true; return nil })
	if err != context.Canceled || ran {
		t.Fatalf("ended context: %v (ran %v), want context.Canceled and fn not run", err, ran)
	}

	b := holdWriter(t, s)
	// Cancelled while queued: leaves at once, while the batch still runs.
	queuedCtx, cancelQueued := context.WithCancel(ctx)
	left := make(chan error)
	go func() {
		left <- s.InTx(queuedCtx, func(tx storage.Tx) error {
			ran = true
			return tx.CreateUser(ctx, user("queued"))
		})
	}()
	waitQueued(t, s, 1)
	cancelQueued()
	if err := <-left; err != context.Canceled {
		t.Fatalf("cancelled while queued: %v, want context.Canceled", err)
	}
	// Cancelled during its function: the next statement fails, and only
	// that function's work is rolled back.
	var midErr error
	b.queue(func() {
		mid, cancel := context.WithCancel(ctx)
		midErr = s.InTx(mid, func(tx storage.Tx) error {
			if err := tx.CreateUser(mid, user("mid1")); err != nil {
				return err
			}
			cancel()
			return tx.CreateUser(mid, user("mid2"))
		})
	})
	// Cancelled after its function ran: waits for the commit, gets nil.
	var lateErr error
	b.queue(func() {
		late, cancel := context.WithCancel(ctx)
		lateErr = s.InTx(late, func(tx storage.Tx) error {
			defer cancel()
			return tx.CreateUser(late, user("late"))
		})
	})
	commits, holderErr := b.run(2)
	if holderErr != nil || commits != 1 {
		t.Fatalf("holder: %v, %d commits", holderErr, commits)
	}
	if !errors.Is(midErr, context.Canceled) || lateErr != nil {
		t.Fatalf("cancelled during fn: %v; after fn: %v", midErr, lateErr)
	}
	for name, want := range map[string]bool{"queued": false, "mid1": false, "mid2": false, "late": true, "holder": true} {
		if stored(t, s, name) != want {
			t.Errorf("%s stored: %v, want %v", name, !want, want)
		}
	}
	if ran {
		t.Error("a function cancelled while queued ran")
	}
}

// TestGroupCommitPanic: a panicking function is rolled back, the rest of
// its batch commits, and the panic is raised again in its caller.
func TestGroupCommitPanic(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	panicky := func() (recovered any) {
		defer func() { recovered = recover() }()
		_ = s.InTx(ctx, func(tx storage.Tx) error {
			if err := tx.CreateUser(ctx, user("panicky")); err != nil {
				return err
			}
			panic("boom")
		})
		return nil
	}
	checkPanic := func(v any) {
		t.Helper()
		p, ok := v.(*txPanic)
		if !ok || p.value != "boom" || len(p.stack) == 0 {
			t.Fatalf("recovered %#v, want a *txPanic of \"boom\" with a stack", v)
		}
	}
	checkPanic(panicky()) // alone

	b := holdWriter(t, s)
	var v any
	var otherErr error
	b.queue(func() { v = panicky() })
	b.queue(func() { otherErr = s.CreateUser(ctx, user("other")) })
	commits, holderErr := b.run(2)
	checkPanic(v)
	if holderErr != nil || otherErr != nil || commits != 1 {
		t.Fatalf("holder %v, other %v, %d commits", holderErr, otherErr, commits)
	}
	if stored(t, s, "panicky") || !stored(t, s, "other") || !stored(t, s, "holder") {
		t.Fatal("the panicking function's work was kept, or its batch's was lost")
	}
}

// TestStoreWriteInsideInTx documents the one way to deadlock: a Store (not
// Tx) write inside fn waits behind the transaction that waits for it, so it
// returns only when its context ends.
func TestStoreWriteInsideInTx(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	err := s.InTx(ctx, func(tx storage.Tx) error {
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		if err := s.CreateUser(short, user("inner")); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("store write inside InTx: %v, want context.DeadlineExceeded", err)
		}
		return tx.CreateUser(ctx, user("outer"))
	})
	if err != nil || stored(t, s, "inner") || !stored(t, s, "outer") {
		t.Fatalf("InTx: %v", err)
	}
}
