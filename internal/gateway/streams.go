package gateway

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// streamRetry is the wait suggested to a client refused a stream: streams
// end when their clients leave, not on a clock.
const streamRetry = 5 * time.Second

// streamCounts counts the open event streams per user and per client IP.
// A key leaves the map when its last stream ends, so the map is bounded by
// the streams open.
type streamCounts struct {
	perUser, perIP int
	mu             sync.Mutex
	open           map[string]int
}

// OpenStream reserves one concurrent event stream for the user and the
// client ip. It adds the "streams" RateLimit fields to h. When a cap is
// reached it returns false and a wait; otherwise release must be called
// once when the stream ends.
func (l *Limiter) OpenStream(h http.Header, userID int64, ip string) (release func(), wait time.Duration, ok bool) {
	c := &l.streams
	user, addr := "u"+strconv.FormatInt(userID, 10), "ip"+IPKey(ip)
	c.mu.Lock()
	defer c.mu.Unlock()
	overUser := c.perUser > 0 && c.open[user] >= c.perUser
	overIP := c.perIP > 0 && c.open[addr] >= c.perIP
	if overUser || overIP {
		c.fields(h, user, addr)
		return nil, streamRetry, false
	}
	c.open[user]++
	c.open[addr]++
	c.fields(h, user, addr)
	var once sync.Once
	return func() { once.Do(func() { c.close(user, addr) }) }, 0, true
}

// OpenStreams is the number of streams open for the user, for tests.
func (l *Limiter) OpenStreams(userID int64) int {
	l.streams.mu.Lock()
	defer l.streams.mu.Unlock()
	return l.streams.open["u"+strconv.FormatInt(userID, 10)]
}

func (c *streamCounts) close(keys ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if c.open[k]--; c.open[k] <= 0 {
			delete(c.open, k)
		}
	}
}

// fields adds the tightest stream cap as a policy without a window (a
// concurrency quota). c.mu is held.
func (c *streamCounts) fields(h http.Header, user, addr string) {
	if h == nil {
		return
	}
	q, left := 0, -1
	for _, b := range []struct{ limit, used int }{{c.perUser, c.open[user]}, {c.perIP, c.open[addr]}} {
		if b.limit <= 0 {
			continue
		}
		if r := max(b.limit-b.used, 0); left < 0 || r < left {
			q, left = b.limit, r
		}
	}
	if left < 0 {
		return
	}
	h.Add("RateLimit-Policy", strconv.Quote(streamsPolicy)+";q="+strconv.Itoa(q))
	h.Add("RateLimit", strconv.Quote(streamsPolicy)+";r="+strconv.Itoa(left))
}
