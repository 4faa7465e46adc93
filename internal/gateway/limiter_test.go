package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock for the limiter.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func tinyLimiter(t *testing.T, c *clock, maxKeys int) *Limiter {
	t.Helper()
	l, err := NewLimiter(Config{
		Classes: map[string]Class{
			ClassWrites: {PerUser: Policy{Quota: 3, Window: 30 * time.Second}, PerIP: Policy{Quota: 5, Window: 10 * time.Second}},
		},
		StreamsPerUser: 2, StreamsPerIP: 3, MaxKeys: maxKeys, Now: c.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestAdmitBudgetAndFields: a budget of q admits q requests, refuses the
// next with a wait, refills over the window, and every answer carries the
// draft's RateLimit-Policy and RateLimit fields.
func TestAdmitBudgetAndFields(t *testing.T) {
	c := newClock()
	l := tinyLimiter(t, c, 0)
	for i := range 3 {
		h := http.Header{}
		if _, ok := l.AdmitUser(h, ClassWrites, 7); !ok {
			t.Fatalf("request %d refused within budget", i+1)
		}
		if got, want := h.Get("RateLimit"), fmt.Sprintf(`"writes";r=%d;t=10`, 2-i); got != want {
			t.Fatalf("RateLimit = %q, want %q", got, want)
		}
	}
	h := http.Header{}
	wait, ok := l.AdmitUser(h, ClassWrites, 7)
	if ok || wait != 10*time.Second {
		t.Fatalf("4th request: ok %v wait %v, want refused with 10s", ok, wait)
	}
	if got := h.Get("RateLimit-Policy"); got != `"writes";q=3;w=30` {
		t.Fatalf("RateLimit-Policy = %q", got)
	}
	if got := h.Get("RateLimit"); got != `"writes";r=0;t=10` {
		t.Fatalf("RateLimit = %q", got)
	}
	if _, ok := l.AdmitUser(http.Header{}, ClassWrites, 8); !ok {
		t.Fatal("another user shares the first one's budget")
	}
	c.add(10 * time.Second)
	if _, ok := l.AdmitUser(http.Header{}, ClassWrites, 7); !ok {
		t.Fatal("no request admitted after a third of the window")
	}
	if got := RetryAfter(1500 * time.Millisecond); got != "2" {
		t.Fatalf("RetryAfter(1.5s) = %s, want 2", got)
	}
}

// TestAdmitIPKeys: IPv4 addresses have their own budgets, an IPv6 /64
// shares one, and an unlisted class is not limited.
func TestAdmitIPKeys(t *testing.T) {
	l := tinyLimiter(t, newClock(), 0)
	spend := func(ip string) {
		for range 5 {
			l.AdmitIP(nil, ClassWrites, ip)
		}
	}
	spend("192.0.2.1")
	if _, ok := l.AdmitIP(nil, ClassWrites, "192.0.2.2"); !ok {
		t.Fatal("a neighbour address was refused")
	}
	spend("2001:db8:1:2::1")
	if _, ok := l.AdmitIP(nil, ClassWrites, "2001:db8:1:2:ffff::9"); ok {
		t.Fatal("another address of the same /64 got a new budget")
	}
	if _, ok := l.AdmitIP(nil, ClassWrites, "2001:db8:1:3::1"); !ok {
		t.Fatal("another /64 was refused")
	}
	for range 100 {
		if _, ok := l.AdmitIP(nil, ClassReads, "192.0.2.1"); !ok {
			t.Fatal("a class without budgets was limited")
		}
	}
}

// TestLimiterMemoryBounded: 10,000 distinct client IPs leave at most
// MaxKeys buckets, and buckets idle for their window are dropped.
func TestLimiterMemoryBounded(t *testing.T) {
	c := newClock()
	const maxKeys = 1000
	l := tinyLimiter(t, c, maxKeys)
	for i := range 10_000 {
		l.AdmitIP(nil, ClassWrites, fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
		if n := l.Len(); n > maxKeys {
			t.Fatalf("after %d IPs the limiter holds %d keys, cap %d", i+1, n, maxKeys)
		}
	}
	if n := l.Len(); n < maxKeys/2 {
		t.Fatalf("only %d keys kept: eviction drops too much", n)
	}
	c.add(time.Minute)
	l.AdmitIP(nil, ClassWrites, "192.0.2.99") // a sweep is due
	if n := l.Len(); n > 1 {
		t.Fatalf("%d keys left after they were idle a window", n)
	}
}

// TestOpenStreamCaps: the third stream of a user with a cap of two is
// refused until one ends; the IP cap counts every user of the address.
func TestOpenStreamCaps(t *testing.T) {
	l := tinyLimiter(t, newClock(), 0)
	r1, _, ok1 := l.OpenStream(nil, 1, "192.0.2.1")
	_, _, ok2 := l.OpenStream(nil, 1, "192.0.2.1")
	h := http.Header{}
	_, wait, ok3 := l.OpenStream(h, 1, "192.0.2.1")
	if !ok1 || !ok2 || ok3 || wait <= 0 {
		t.Fatalf("streams: %v %v %v (wait %v), want two then a refusal", ok1, ok2, ok3, wait)
	}
	if got := h.Get("RateLimit"); got != `"streams";r=0` {
		t.Fatalf("RateLimit = %q", got)
	}
	r1()
	r1() // idempotent
	if n := l.OpenStreams(1); n != 1 {
		t.Fatalf("open streams after a release: %d, want 1", n)
	}
	if _, _, ok := l.OpenStream(nil, 1, "192.0.2.1"); !ok {
		t.Fatal("refused after a stream ended")
	}
	if _, _, ok := l.OpenStream(nil, 2, "192.0.2.1"); !ok {
		t.Fatal("third stream of one IP (cap 3) refused")
	}
	if _, _, ok := l.OpenStream(nil, 3, "192.0.2.1"); ok {
		t.Fatal("fourth stream of one IP (cap 3) admitted")
	}
	if _, _, ok := l.OpenStream(nil, 2, "192.0.2.2"); !ok {
		t.Fatal("another IP refused")
	}
}

// TestMiddleware: on a plain http.Handler, requests over the per-IP budget
// get the API's 429 with Retry-After and the fields.
func TestMiddleware(t *testing.T) {
	l := tinyLimiter(t, newClock(), 0)
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h := l.Middleware(func(method, _ string) string {
		if method == http.MethodPost {
			return ClassWrites
		}
		return ""
	}, ok)
	var last *httptest.ResponseRecorder
	for range 6 {
		last = httptest.NewRecorder()
		h.ServeHTTP(last, httptest.NewRequest(http.MethodPost, "/x", nil))
	}
	if last.Code != http.StatusTooManyRequests || last.Header().Get("Retry-After") != "2" ||
		!strings.Contains(last.Body.String(), `"code":"rate_limited"`) ||
		last.Header().Get("RateLimit") != `"writes-ip";r=0;t=2` {
		t.Fatalf("6th POST: %d %v %s", last.Code, last.Header(), last.Body)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	if rec.Code != http.StatusNoContent {
		t.Fatalf("unclassified GET: %d", rec.Code)
	}
}

func TestConfigValidate(t *testing.T) {
	bad := Config{Classes: map[string]Class{"x": {PerIP: Policy{Quota: 1}}}}
	if _, err := NewLimiter(bad); err == nil {
		t.Fatal("a quota without a window was accepted")
	}
	if _, err := NewLimiter(Config{Classes: DefaultClasses(), StreamsPerUser: 20}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkAdmit is the limiter's cost on a request of a signed-in user:
// one per-IP and one per-user check, with their RateLimit fields.
func BenchmarkAdmit(b *testing.B) {
	l, err := NewLimiter(Config{Classes: DefaultClasses()})
	if err != nil {
		b.Fatal(err)
	}
	big := Policy{Quota: 1 << 40, Window: time.Minute}
	l.classes[ClassWrites] = Class{PerUser: big, PerIP: big}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		h := http.Header{}
		for i := 0; pb.Next(); i++ {
			clear(h)
			l.AdmitIP(h, ClassWrites, "192.0.2.1")
			l.AdmitUser(h, ClassWrites, int64(i%16))
		}
	})
}
