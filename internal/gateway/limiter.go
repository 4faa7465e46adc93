package gateway

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Request classes, each with its own budgets.
const (
	// ClassAuth is sign-in, sign-up, refresh, setup, invite lookup and
	// password changes: per client IP only.
	ClassAuth = "auth"
	// ClassWrites is everything that changes state: messages, edits,
	// reactions, uploads, chat and workspace changes.
	ClassWrites = "writes"
	// ClassReads is every other GET.
	ClassReads = "reads"
	// ClassSearch is message search.
	ClassSearch = "search"
	// ClassEvents is SSE connects and SSE tickets.
	ClassEvents = "events"
)

// ipSuffix names the per-IP policy of a class: "writes" -> "writes-ip".
const ipSuffix = "-ip"

// streamsPolicy names the concurrent-stream caps in the RateLimit fields.
const streamsPolicy = "streams"

// Policy is a budget: Quota requests per Window, refilled continuously
// (a token bucket of Quota tokens). A zero Quota means no limit.
type Policy struct {
	Quota  int64
	Window time.Duration
}

// on reports whether p limits anything.
func (p Policy) on() bool { return p.Quota > 0 }

// Class is the budgets of one request class.
type Class struct {
	// PerUser applies to signed-in requests, keyed by user id.
	PerUser Policy
	// PerIP applies to every request, keyed by client IP (/64 for IPv6).
	PerIP Policy
}

// Config configures a Limiter.
type Config struct {
	// Classes maps a class name to its budgets; a class not listed is not
	// limited.
	Classes map[string]Class
	// StreamsPerUser caps the concurrent event streams of one user; 0 means
	// no cap.
	StreamsPerUser int
	// StreamsPerIP caps the concurrent event streams from one client IP; 0
	// means no cap.
	StreamsPerIP int
	// MaxKeys caps the buckets held at once; 0 means DefaultMaxKeys.
	MaxKeys int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultMaxKeys is the default cap on buckets held at once (about 200
// bytes each).
const DefaultMaxKeys = 100_000

// DefaultClasses returns budgets that the web app never meets in normal
// use: a person typing fast, a page loading, reconnects.
func DefaultClasses() map[string]Class {
	perMin := func(n int64) Policy { return Policy{Quota: n, Window: time.Minute} }
	return map[string]Class{
		ClassAuth:   {PerIP: perMin(60)},
		ClassWrites: {PerUser: perMin(600), PerIP: perMin(6000)},
		ClassReads:  {PerUser: perMin(1200), PerIP: perMin(12000)},
		ClassSearch: {PerUser: perMin(300), PerIP: perMin(3000)},
		ClassEvents: {PerUser: perMin(120), PerIP: perMin(1200)},
	}
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	var errs []error
	for name, cl := range c.Classes {
		for suffix, p := range map[string]Policy{"": cl.PerUser, ipSuffix: cl.PerIP} {
			if p.Quota < 0 || (p.on() && p.Window <= 0) {
				errs = append(errs, fmt.Errorf("policy %q: quota %d per %s is not a budget", name+suffix, p.Quota, p.Window))
			}
		}
	}
	if c.StreamsPerUser < 0 || c.StreamsPerIP < 0 || c.MaxKeys < 0 {
		errs = append(errs, errors.New("stream caps and max keys must not be negative"))
	}
	return errors.Join(errs...)
}

// shards spreads the buckets over locks.
const shards = 16

// Limiter enforces the budgets of Config. It is safe for concurrent use.
type Limiter struct {
	classes  map[string]Class
	now      func() time.Time
	seed     maphash.Seed
	shards   [shards]shard
	shardCap int
	streams  streamCounts
	// nextSweep is when (Unix nanoseconds) idle buckets are next dropped.
	nextSweep atomic.Int64
}

// sweepEvery is how often idle buckets are dropped from every shard.
const sweepEvery = time.Minute

// NewLimiter returns a Limiter for cfg.
func NewLimiter(cfg Config) (*Limiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("rate limits: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	l := &Limiter{
		classes:  cfg.Classes,
		now:      cfg.Now,
		seed:     maphash.MakeSeed(),
		shardCap: max(cfg.MaxKeys/shards, 1),
		streams:  streamCounts{perUser: cfg.StreamsPerUser, perIP: cfg.StreamsPerIP, open: map[string]int{}},
	}
	for i := range l.shards {
		l.shards[i].buckets = map[string]*bucket{}
	}
	return l, nil
}

// AdmitIP charges one request of class to the client ip. It adds the
// policy's RateLimit fields to h and, when the budget is spent, returns
// false and how long to wait.
func (l *Limiter) AdmitIP(h http.Header, class, ip string) (wait time.Duration, ok bool) {
	return l.admit(h, class+ipSuffix, l.classes[class].PerIP, IPKey(ip))
}

// AdmitUser charges one request of class to a signed-in user, like AdmitIP.
func (l *Limiter) AdmitUser(h http.Header, class string, userID int64) (wait time.Duration, ok bool) {
	return l.admit(h, class, l.classes[class].PerUser, "u"+strconv.FormatInt(userID, 10))
}

// Len is the number of buckets held, for tests and metrics.
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.buckets)
		s.mu.Unlock()
	}
	return n
}

func (l *Limiter) admit(h http.Header, name string, p Policy, key string) (time.Duration, bool) {
	if !p.on() {
		return 0, true
	}
	now := l.now()
	l.maybeSweep(now)
	full := name + "\x00" + key
	s := &l.shards[maphash.String(l.seed, full)%shards]
	s.mu.Lock()
	b := s.get(full, p, now, l.shardCap)
	ok := b.lim.AllowN(now, 1)
	tokens := b.lim.TokensAt(now)
	s.mu.Unlock()
	writeFields(h, name, p, tokens)
	if ok {
		return 0, true
	}
	perToken := float64(p.Window) / float64(p.Quota)
	return time.Duration(math.Ceil((1 - tokens) * perToken)), false
}

// maybeSweep drops idle buckets from every shard once per sweepEvery, so
// keys that never come back do not stay.
func (l *Limiter) maybeSweep(now time.Time) {
	next := l.nextSweep.Load()
	if now.UnixNano() < next || !l.nextSweep.CompareAndSwap(next, now.Add(sweepEvery).UnixNano()) {
		return
	}
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		s.sweep(now)
		s.mu.Unlock()
	}
}

// writeFields adds the RateLimit-Policy and RateLimit fields of one policy
// (draft-ietf-httpapi-ratelimit-headers-10 §3 and §4).
func writeFields(h http.Header, name string, p Policy, tokens float64) {
	if h == nil {
		return
	}
	tokens = max(tokens, 0)
	h.Add("RateLimit-Policy", fmt.Sprintf("%q;q=%d;w=%d", name, p.Quota, int64(math.Ceil(p.Window.Seconds()))))
	field := fmt.Sprintf("%q;r=%d", name, int64(tokens))
	if tokens < float64(p.Quota) {
		// Seconds until the next whole request is available.
		need := math.Floor(tokens) + 1 - tokens
		field += ";t=" + strconv.FormatInt(int64(math.Ceil(need*p.Window.Seconds()/float64(p.Quota))), 10)
	}
	h.Add("RateLimit", field)
}

// RetryAfter renders wait as the whole seconds of a Retry-After field, at
// least one (RFC 9110 §10.2.3).
func RetryAfter(wait time.Duration) string {
	return strconv.FormatInt(max(int64(math.Ceil(wait.Seconds())), 1), 10)
}

// bucket is one key's token bucket and when it was last charged.
type bucket struct {
	lim    *rate.Limiter
	last   time.Time
	window time.Duration
}

// shard is a part of the buckets under one lock.
type shard struct {
	mu      sync.Mutex
	buckets map[string]*bucket
}

// get returns the bucket of key, making it if needed. Making one in a full
// shard first drops idle buckets, then, if the shard is still full, an
// arbitrary sixteenth of it: the cap holds whatever the traffic.
func (s *shard) get(key string, p Policy, now time.Time, capacity int) *bucket {
	b, ok := s.buckets[key]
	if !ok {
		if len(s.buckets) >= capacity {
			s.sweep(now)
		}
		if len(s.buckets) >= capacity {
			s.evict(max(capacity/16, 1))
		}
		perSec := rate.Limit(float64(p.Quota) / p.Window.Seconds())
		b = &bucket{lim: rate.NewLimiter(perSec, int(min(p.Quota, math.MaxInt32))), window: p.Window}
		s.buckets[key] = b
	}
	b.last = now
	return b
}

// sweep drops the buckets idle for their window: they are full again, the
// same as a new one.
func (s *shard) sweep(now time.Time) {
	for k, b := range s.buckets {
		if now.Sub(b.last) >= b.window {
			delete(s.buckets, k)
		}
	}
}

// evict drops n buckets; map order makes the choice arbitrary.
func (s *shard) evict(n int) {
	for k := range s.buckets {
		if n == 0 {
			return
		}
		delete(s.buckets, k)
		n--
	}
}
