package appliance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"

	"github.com/fechatter/fechatter/storage"
)

// commitNotifier wakes the outbox relay after a commit, so events leave
// at once instead of at the relay's next poll.
type commitNotifier struct {
	mu sync.RWMutex
	fn func()
}

func (n *commitNotifier) set(fn func()) {
	n.mu.Lock()
	n.fn = fn
	n.mu.Unlock()
}

func (n *commitNotifier) notify() {
	n.mu.RLock()
	fn := n.fn
	n.mu.RUnlock()
	if fn != nil {
		fn()
	}
}

// notifyingStore is the store the use cases write through: after every
// committed transaction (where events are written) it wakes the relay.
type notifyingStore struct {
	storage.Store
	n *commitNotifier
}

func (s notifyingStore) InTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	err := s.Store.InTx(ctx, fn)
	if err == nil {
		s.n.notify()
	}
	return err
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
