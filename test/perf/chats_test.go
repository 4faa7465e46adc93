package perf

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
)

// BenchmarkChatsAndMessages measures, per engine, the three hot paths of
// the issue over HTTP:
//
//	send/senders=N      POST /api/chats/{chat}/messages, N concurrent senders (one chat each)
//	latest-50/readers=N GET /api/chats/{chat}/messages (latest 50 of 1000), N concurrent readers
//	chats-unread        GET /api/workspaces/{ws}/chats for a user in 200 chats, with unread counts
//
// Run: go test ./test/perf -run '^$' -bench ChatsAndMessages -benchtime 2000x
// (a filter such as -bench ChatsAndMessages/sqlite runs one engine).
func BenchmarkChatsAndMessages(b *testing.B) {
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			fx := newFixture(b, e.dbURL(b))
			for _, n := range []int{1, 16} {
				b.Run(fmt.Sprintf("send/senders=%d", n), func(b *testing.B) { fx.benchSend(b, n) })
			}
			for _, n := range []int{1, 4} {
				b.Run(fmt.Sprintf("latest-50/readers=%d", n), func(b *testing.B) { fx.benchLatest(b, n) })
			}
			b.Run("chats-unread/chats=200", fx.benchChats)
		})
	}
}

var runID atomic.Int64

// benchSend posts b.N messages from n senders at once, each in its own chat.
func (fx *fixture) benchSend(b *testing.B, n int) {
	ctx := context.Background()
	run := runID.Add(1)
	measure(b, n, func(worker, i int) error {
		_, _, err := fx.senders[worker].SendMessage(ctx, fx.sendChat[worker], client.SendMessageInput{
			Content: sampleContent(i), ClientID: fmt.Sprintf("b%d-%d", run, i)})
		return err
	})
}

// benchLatest lists the latest 50 messages of the history chat. The
// answer is checked once with the typed client; the timed requests read
// the whole body as raw JSON, because decoding it into structs would be
// the benchmark's CPU, not the server's, on the same two cores.
func (fx *fixture) benchLatest(b *testing.B, n int) {
	ctx := context.Background()
	page, err := fx.senders[0].Messages(ctx, fx.history, client.MessageQuery{Limit: 50})
	if err != nil || len(page.Messages) != 50 || !page.HasMore {
		b.Fatalf("latest 50: %d messages, has_more %v, %v", len(page.Messages), page.HasMore, err)
	}
	path := fmt.Sprintf("/api/chats/%d/messages?limit=50", fx.history)
	measure(b, n, func(worker, _ int) error {
		var raw json.RawMessage
		return fx.senders[worker%4].Do(ctx, http.MethodGet, path, nil, &raw)
	})
}

// benchChats lists the reader's 200 chats with their unread counts (the
// answer checked once, then read raw as in benchLatest).
func (fx *fixture) benchChats(b *testing.B) {
	ctx := context.Background()
	chats, err := fx.reader.Chats(ctx, fx.ws)
	if err != nil || len(chats) != readerChats {
		b.Fatalf("chats: got %d, want %d: %v", len(chats), readerChats, err)
	}
	unread := 0
	for _, c := range chats {
		if c.UnreadCount > 0 {
			unread++
		}
	}
	if unread != readerChats/2 {
		b.Fatalf("%d chats with unread messages, want %d", unread, readerChats/2)
	}
	path := fmt.Sprintf("/api/workspaces/%d/chats", fx.ws)
	measure(b, 1, func(int, int) error {
		var raw json.RawMessage
		return fx.reader.Do(ctx, http.MethodGet, path, nil, &raw)
	})
}

// measure runs op b.N times on workers goroutines (worker w runs its share
// in order) and reports the latency quantiles in milliseconds and the
// throughput in operations per second.
func measure(b *testing.B, workers int, op func(worker, i int) error) {
	settle(b)
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu0 := processCPU()
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= b.N || failed.Load() != nil {
					return
				}
				t0 := time.Now()
				if err := op(w, i); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpu := processCPU() - cpu0
	b.StopTimer()
	if p := failed.Load(); p != nil {
		b.Fatal(*p)
	}
	slices.Sort(lat)
	q := func(f float64) float64 {
		return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	// CPU of this process (server and client together) per operation: on
	// a shared machine it moves far less with the other tenants' load than
	// the latencies do.
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// settle waits (at most a minute) until this process uses less than a
// tenth of a core: the work a previous benchmark or the fixture left
// behind (the search indexer merging its segments, the outbox relay)
// would otherwise land in this benchmark's numbers.
func settle(b *testing.B) {
	b.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		c0 := processCPU()
		time.Sleep(time.Second)
		if processCPU()-c0 < 100*time.Millisecond {
			return
		}
	}
	b.Logf("still busy after a minute; measuring anyway")
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
