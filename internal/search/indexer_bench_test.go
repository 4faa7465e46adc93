package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search/corpus"
)

// BenchmarkIndexerLive measures the live path as the server runs it:
// message.created events on the embedded JetStream, applied by the durable
// indexer into the embedded index (safe writes), with the completion
// records and acks.
//
//   - catch-up: b.N events published while the indexer is stopped, then the
//     time until it has applied them all (events/s: the backlog rate).
//
//   - paced: b.N events published at 1,000/s (the real-time target) while
//     it runs; drain-ms is how long after the last publish it caught up,
//     max-lag the most events it was ever behind (sampled every 50 ms).
//
//     go test -run '^$' -bench IndexerLive -benchtime 20000x ./internal/search/
func BenchmarkIndexerLive(b *testing.B) {
	c := corpus.New(corpus.Config{Messages: 1})
	b.Run("catch-up", func(b *testing.B) {
		w := newIndexerWorld(b)
		ix := w.start()
		w.caughtUp(ix)
		if err := ix.Stop(context.Background()); err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, 1))
		for i := range b.N {
			w.created(liveMessage(c, rng, int64(i+1)))
		}
		b.ResetTimer()
		start := time.Now()
		ix2 := w.start()
		w.caughtUp(ix2)
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	})
	b.Run("paced-1000", func(b *testing.B) {
		w := newIndexerWorld(b)
		ix := w.start()
		w.caughtUp(ix)
		rng := rand.New(rand.NewPCG(2, 2))
		stop := make(chan struct{})
		maxLag := make(chan uint64, 1)
		go func() { // ends when stop closes
			var m uint64
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					maxLag <- m
					return
				case <-t.C:
					if lag, err := ix.Lag(context.Background()); err == nil {
						m = max(m, lag)
					}
				}
			}
		}()
		b.ResetTimer()
		start := time.Now()
		for i := range b.N {
			if due := start.Add(time.Duration(i) * time.Millisecond); time.Until(due) > 0 {
				time.Sleep(time.Until(due))
			}
			w.created(liveMessage(c, rng, int64(i+1)))
		}
		sent := time.Now()
		w.caughtUp(ix)
		drain := time.Since(sent)
		close(stop)
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		b.ReportMetric(float64(drain.Microseconds())/1000, "drain-ms")
		b.ReportMetric(float64(<-maxLag), "max-lag")
	})
}

func liveMessage(c *corpus.Corpus, rng *rand.Rand, id int64) model.Message {
	m := message(id, 10+id%2, fmt.Sprintf("%s %s %s %s", c.Word(rng), c.Word(rng), c.Word(rng), c.Word(rng)))
	m.CreatedAt = time.Now().UTC()
	return m
}
