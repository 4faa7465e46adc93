package storagetest

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// historySizes are the chat sizes BenchmarkLatest50 measures, from
// $FECHATTER_BENCH_HISTORY_SIZES (comma-separated; default 1000,10000, so
// that `-bench .` stays short).
// The proof of "independent of chat size" is 1000,1000000.
func historySizes(b *testing.B) []int {
	raw := os.Getenv("FECHATTER_BENCH_HISTORY_SIZES")
	if raw == "" {
		raw = "1000,10000"
	}
	var out []int
	for f := range strings.SplitSeq(raw, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 51 {
			b.Fatalf("FECHATTER_BENCH_HISTORY_SIZES: %q is not a size above 50", f)
		}
		out = append(out, n)
	}
	return out
}

// fillChat bulk-inserts n messages (80 characters each, one in ten with a
// reaction) into chat c through the store, 10,000 per transaction.
func fillChat(b *testing.B, s storage.Store, u model.User, c model.Chat, n int) {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	const perTx = 10000
	for done := 0; done < n; {
		err := s.InTx(ctx, func(tx storage.Tx) error {
			for i := 0; i < perTx && done < n; i, done = i+1, done+1 {
				m := model.Message{ChatID: c.ID, SenderID: u.ID, Content: fmt.Sprintf("%-80s", fmt.Sprintf("history message %d", done))}
				if _, err := tx.CreateMessage(ctx, &m); err != nil {
					return err
				}
				if done%10 == 0 {
					if _, err := tx.AddReaction(ctx, m.ID, u.ID, "👍"); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("fill: %v", err)
		}
	}
	b.Logf("filled %d messages in %v", n, time.Since(start).Round(time.Millisecond))
}

// BenchLatest50 reads the latest 50 messages of one chat (hydrated, as
// GET /api/chats/{chat}/messages does) from 1 and 16 goroutines, for chats
// of several sizes built by bulk insert, and reports the p50/p99 of one
// read. The page must cost the same at every size: the (chat_id, seq)
// index serves it (sqlite's TestPageUsesSeqIndex). open returns an empty,
// migrated store of the engine; each engine's BenchmarkLatest50 calls this:
//
//	FECHATTER_BENCH_HISTORY_SIZES=1000,1000000 go test ./storage/sqlite -run '^$' -bench Latest50 -benchtime 4000x
func BenchLatest50(b *testing.B, open func(testing.TB) storage.Store) {
	for _, size := range historySizes(b) {
		b.Run(fmt.Sprintf("messages=%d", size), func(b *testing.B) {
			s := open(b)
			u, c := BenchChat(b, s)
			fillChat(b, s, u, c, size)
			for _, readers := range []int{1, 16} {
				b.Run(fmt.Sprintf("readers=%d", readers), func(b *testing.B) {
					benchReaders(b, readers, func() error {
						page, more, err := s.ListMessages(context.Background(), u.ID, c.ID, storage.MessageQuery{Limit: 50})
						if err == nil && (len(page) != 50 || !more || page[49].Seq != int64(size)) {
							err = fmt.Errorf("latest 50: %d messages, has_more %v", len(page), more)
						}
						return err
					})
				})
			}
		})
	}
}

// BenchChat makes a user, a workspace and a public channel for a
// benchmark.
func BenchChat(b *testing.B, s storage.Store) (model.User, model.Chat) {
	b.Helper()
	ctx := context.Background()
	u := model.User{Email: "bench@example.com", Username: "bench", DisplayName: "Bench"}
	w := model.Workspace{Name: "bench"}
	c := model.Chat{Type: model.ChatPublicChannel, Name: "general"}
	err := s.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		w.CreatedBy = u.ID
		if err := tx.CreateWorkspace(ctx, &w); err != nil {
			return err
		}
		if err := tx.AddMember(ctx, &model.Member{WorkspaceID: w.ID, UserID: u.ID, Role: model.RoleOwner}); err != nil {
			return err
		}
		c.WorkspaceID, c.CreatedBy = w.ID, u.ID
		return tx.CreateChat(ctx, &c, []model.ChatMember{{UserID: u.ID, Role: model.ChatRoleAdmin}})
	})
	if err != nil {
		b.Fatalf("setup: %v", err)
	}
	return u, c
}

// benchReaders runs op b.N times over n goroutines and reports the p50,
// p99 and maximum latency of one op in milliseconds and the ops per second.
func benchReaders(b *testing.B, n int, op func() error) {
	var next atomic.Int64
	lat := make([][]time.Duration, n)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range n {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := op(); err != nil {
					b.Error(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "ops/s")
}
