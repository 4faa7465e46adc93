package realtime

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/fechatter/fechatter/embedded/natsd"
	"github.com/fechatter/fechatter/embedded/natsd/natstest"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// benchRoster is a membership source that answers in O(1): chat 1 and
// workspace 1 hold users 1..chatSize; users above it are in no workspace
// (no presence work), unless allInWorkspace.
type benchRoster struct {
	chatSize       int64
	users          int64
	allInWorkspace bool
}

func (r benchRoster) ChatMemberIDs(_ context.Context, chat int64) ([]int64, error) {
	if chat != 1 {
		return nil, nil
	}
	out := make([]int64, 0, r.chatSize)
	for u := int64(1); u <= r.chatSize; u++ {
		out = append(out, u)
	}
	return out, nil
}

func (r benchRoster) WorkspaceMemberIDs(_ context.Context, ws int64) ([]int64, error) {
	if ws != 1 {
		return nil, nil
	}
	n := r.chatSize
	if r.allInWorkspace {
		n = r.users
	}
	out := make([]int64, 0, n)
	for u := int64(1); u <= n; u++ {
		out = append(out, u)
	}
	return out, nil
}

func (r benchRoster) UserWorkspaceIDs(_ context.Context, uid int64) ([]int64, error) {
	if uid <= r.chatSize || r.allInWorkspace {
		return []int64{1}, nil
	}
	return nil, nil
}

func (benchRoster) JoinTimes(context.Context, int64) (model.JoinTimes, error) {
	return model.JoinTimes{}, nil
}

func (benchRoster) MessagesNow(context.Context, int64, []int64) ([]model.Message, error) {
	return nil, nil
}

func newBenchHub(b testing.TB, r benchRoster, opt Options) (*Hub, jetstream.JetStream, string) {
	b.Helper()
	ns := natstest.Start(b, natsd.Config{})
	if _, err := events.EnsureStream(context.Background(), ns.JS, events.StreamOptions{}); err != nil {
		b.Fatal(err)
	}
	h := NewHub(ns.Conn, ns.JS, r, opt)
	if err := h.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = h.Stop(context.Background()) })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		uid, _ := strconv.ParseInt(req.Header.Get("X-User"), 10, 64)
		_ = h.Serve(w, req, Credential{UserID: uid}, "")
	}))
	b.Cleanup(srv.Close)
	return h, ns.JS, srv.Listener.Addr().String()
}

// dialStreams opens n streams, for users first to first+n-1, waits until
// the hub holds them all, and closes them when the benchmark ends.
func dialStreams(b *testing.B, h *Hub, addr string, first int64, n int) {
	conns := make([]net.Conn, 0, n)
	b.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for i := range n {
		conns = append(conns, dialStream(b, addr, first+int64(i)))
	}
	waitConns(b, h, n)
}

// dialStream opens a stream with a bare TCP connection (no client
// goroutine, no client buffers) and reads its first bytes (the ready event).
func dialStream(b *testing.B, addr string, uid int64) net.Conn {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: bench\r\nX-User: %d\r\n\r\n", uid); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 512)
	if _, err := c.Read(buf); err != nil {
		b.Fatal(err)
	}
	return c
}

func waitConns(b testing.TB, h *Hub, n int) {
	for deadline := time.Now().Add(time.Minute); h.Connections() != n; {
		if time.Now().After(deadline) {
			b.Fatalf("%d streams open, want %d", h.Connections(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func settledMem() (heap, stack uint64, goroutines int) {
	var ms runtime.MemStats
	for range 3 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse, ms.StackInuse, runtime.NumGoroutine()
}

// BenchmarkIdleStreams opens b.N idle streams (in batches of 1,000) and
// reports the server's heap and stack per open stream and its goroutines
// per stream. The clients are bare sockets, so nearly all of it is the
// server's: the connection, the HTTP server's buffers, the hub's queue.
//
//	go test ./internal/realtime -run '^$' -bench IdleStreams -benchtime 4000x
func BenchmarkIdleStreams(b *testing.B) {
	h, _, addr := newBenchHub(b, benchRoster{chatSize: 0}, Options{})
	heap0, stack0, g0 := settledMem()
	b.ResetTimer()
	dialStreams(b, h, addr, 1000, b.N)
	b.StopTimer()
	heap1, stack1, g1 := settledMem()
	n := float64(b.N)
	b.ReportMetric(float64(heap1-heap0)/n, "heapB/stream")
	b.ReportMetric(float64(stack1-stack0)/n, "stackB/stream")
	b.ReportMetric(float64(heap1+stack1-heap0-stack0)/n/1024, "KiB/stream")
	b.ReportMetric(float64(g1-g0)/n, "goroutines/stream")
}

// BenchmarkFanout200 publishes one event at a time to a chat of 200
// members, each with an open stream, and waits until all 200 streams got
// it. It reports the time from publish to each delivery (p50, p99) and to
// the last of the 200 (p99), besides CPU and allocations per event.
//
//	go test ./internal/realtime -run '^$' -bench Fanout200 -benchtime 2000x
func BenchmarkFanout200(b *testing.B) {
	const listeners = 200
	h, js, addr := newBenchHub(b, benchRoster{chatSize: listeners}, Options{})
	tr := &http.Transport{MaxIdleConnsPerHost: listeners, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr}
	got := make(chan time.Time, listeners*4)
	var wg sync.WaitGroup
	var bodies []interface{ Close() error }
	for u := int64(1); u <= listeners; u++ {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr, nil)
		req.Header.Set("X-User", strconv.FormatInt(u, 10))
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, resp.Body)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				// Bytes, not Text: the 200 readers share the process
				// with the hub, so their allocations would count as its.
				if bytes.HasPrefix(sc.Bytes(), msgCreated) {
					got <- time.Now()
				}
			}
		}()
	}
	b.Cleanup(func() {
		for _, body := range bodies {
			body.Close()
		}
		wg.Wait()
	})
	waitConns(b, h, listeners)
	// Let the connect-time presence settle before measuring.
	time.Sleep(time.Second)
	each := make([]float64, 0, b.N*listeners)
	last := make([]float64, 0, b.N)
	ctx := context.Background()
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := range b.N {
		body, _ := json.Marshal(map[string]any{"type": "message.created", "workspace_id": 1, "chat_id": 1,
			"message": map[string]any{"id": i + 1, "content": strings.Repeat("x", 80)}})
		m, err := events.Message(events.Envelope{ID: fmt.Sprintf("b%d", i), Type: "message.created", WorkspaceID: 1, ChatID: 1, Payload: body})
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := js.PublishMsg(ctx, m); err != nil {
			b.Fatal(err)
		}
		var end time.Time
		for range listeners {
			end = <-got
			each = append(each, float64(end.Sub(start).Microseconds())/1000)
		}
		last = append(last, float64(end.Sub(start).Microseconds())/1000)
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
	slices.Sort(each)
	slices.Sort(last)
	b.ReportMetric(pct(each, 0.50), "each-p50-ms")
	b.ReportMetric(pct(each, 0.99), "each-p99-ms")
	b.ReportMetric(pct(last, 0.99), "last-p99-ms")
}

var msgCreated = []byte("event: message.created")

func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// BenchmarkConnectStorm connects b.N members of one workspace, each with
// bare sockets, then waits until presence is quiet. It reports the events
// written per connected user (with presence batched this stays flat as the
// workspace grows; one event per peer per connect would make it grow with
// the workspace) and the hub's CPU per connect.
//
//	go test ./internal/realtime -run '^$' -bench ConnectStorm -benchtime 2000x
func BenchmarkConnectStorm(b *testing.B) {
	h, _, addr := newBenchHub(b, benchRoster{users: int64(b.N), allInWorkspace: true}, Options{})
	sent0 := testutil.ToFloat64(telemetry.SSEEventsSent)
	cpu0 := cpuTime()
	b.ResetTimer()
	dialStreams(b, h, addr, 1, b.N)
	// Quiet: no event written for 3 presence windows.
	for prev := -1.0; ; {
		time.Sleep(3 * h.opt.PresenceWindow)
		now := testutil.ToFloat64(telemetry.SSEEventsSent)
		if now == prev {
			break
		}
		prev = now
	}
	b.StopTimer()
	b.ReportMetric((testutil.ToFloat64(telemetry.SSEEventsSent)-sent0)/float64(b.N), "events/user")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/user")
}

// cpuTime is the CPU time the process (server and clients) has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
