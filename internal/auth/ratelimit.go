package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxLimiterKeys bounds the memory of one limiterSet. Idle limiters are
// dropped first; past the bound arbitrary ones go, which at worst gives an
// attacker who controls that many keys a fresh burst.
const maxLimiterKeys = 100_000

// limiterEntry is one key's token bucket and when it was last used.
type limiterEntry struct {
	lim      *rate.Limiter
	lastUsed time.Time
}

// limiterSet is a token bucket per key (an account and client, a client) with bounded
// memory: a limiter unused for longer than it takes to refill is full again,
// so forgetting it changes nothing, and it is swept out. The sweep runs
// inline, at most once per refill period, so no goroutine is needed.
type limiterSet struct {
	mu        sync.Mutex
	spec      RateSpec
	maxKeys   int
	entries   map[string]*limiterEntry
	lastSweep time.Time
}

// newLimiterSet returns a limiterSet for spec; nil when spec disables it.
func newLimiterSet(spec RateSpec, maxKeys int) *limiterSet {
	if spec.Burst <= 0 || spec.Per <= 0 {
		return nil
	}
	return &limiterSet{spec: spec, maxKeys: maxKeys, entries: make(map[string]*limiterEntry)}
}

// reserve takes one event for key at now. When the bucket is empty it takes
// nothing and returns how long until one is available; ok is then false.
// The returned cancel gives the event back (used when another limit refuses).
func (ls *limiterSet) reserve(key string, now time.Time) (cancel func(), wait time.Duration, ok bool) {
	if ls == nil {
		return func() {}, 0, true
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	e := ls.entry(key, now)
	r := e.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); !r.OK() || d > 0 {
		r.CancelAt(now)
		return nil, ceilSecond(d), false
	}
	return func() {
		ls.mu.Lock()
		defer ls.mu.Unlock()
		r.CancelAt(now)
	}, 0, true
}

// hasSpent reports whether key's bucket is not full at now: some of its
// events were taken recently (for sign-in: failures).
func (ls *limiterSet) hasSpent(key string, now time.Time) bool {
	if ls == nil {
		return false
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	e, ok := ls.entries[key]
	return ok && e.lim.TokensAt(now) < float64(ls.spec.Burst)
}

// forget drops key's limiter: its bucket is full again.
func (ls *limiterSet) forget(key string) {
	if ls == nil {
		return
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	delete(ls.entries, key)
}

// entry returns key's limiter, creating it (and sweeping) as needed.
// ls.mu is held.
func (ls *limiterSet) entry(key string, now time.Time) *limiterEntry {
	e, ok := ls.entries[key]
	if !ok {
		ls.sweep(now)
		every := rate.Limit(float64(ls.spec.Burst) / ls.spec.Per.Seconds())
		e = &limiterEntry{lim: rate.NewLimiter(every, ls.spec.Burst)}
		ls.entries[key] = e
	}
	e.lastUsed = now
	return e
}

// sweep drops idle limiters once per period, or whenever the set is full;
// if it is still full then, it drops arbitrary ones down to three quarters
// so that sweeps do not run on every insert. ls.mu is held.
func (ls *limiterSet) sweep(now time.Time) {
	if len(ls.entries) < ls.maxKeys && now.Sub(ls.lastSweep) < ls.spec.Per {
		return
	}
	ls.lastSweep = now
	for k, e := range ls.entries {
		if now.Sub(e.lastUsed) >= ls.spec.Per {
			delete(ls.entries, k)
		}
	}
	if len(ls.entries) < ls.maxKeys {
		return
	}
	for k := range ls.entries {
		if len(ls.entries) <= ls.maxKeys*3/4 {
			break
		}
		delete(ls.entries, k)
	}
}

// ceilSecond rounds d up to whole seconds (Retry-After is in seconds),
// and to at least one.
func ceilSecond(d time.Duration) time.Duration {
	s := (d + time.Second - 1) / time.Second
	return max(s, 1) * time.Second
}

// size reports how many limiters are held (for tests).
func (ls *limiterSet) size() int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return len(ls.entries)
}
