package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search/corpus"
)

// BenchmarkIndexerLive measures the live path as the server runs it:
// message.created events on the embedded JetStream, applied by the durable
// indexer into the embedded index (safe writes), with the completion
// records and acks. cpu-ms/event is the process's CPU per event, bleve's
// background merging and persisting included.
//
//   - catch-up: b.N events published while the indexer is stopped, then the
//     time until it has applied them all (events/s: the backlog rate).
//
//   - paced-100, paced-1000: b.N events published at 100/s (a busy team)
//     and 1,000/s (the real-time target) while it runs; drain-ms is how long after the last publish it caught up,
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
		cpu0 := processCPU()
		start := time.Now()
		ix2 := w.start()
		w.caughtUp(ix2)
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/event")
	})
	for _, rate := range []int{100, 1000} {
		b.Run(fmt.Sprintf("paced-%d", rate), func(b *testing.B) { benchPaced(b, c, rate) })
	}
}

// benchPaced publishes b.N events at rate per second while the indexer runs.
func benchPaced(b *testing.B, c *corpus.Corpus, rate int) {
	{
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
		cpu0 := processCPU()
		start := time.Now()
		for i := range b.N {
			if due := start.Add(time.Duration(i) * time.Second / time.Duration(rate)); time.Until(due) > 0 {
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
		b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/event")
	}
}

// processCPU is the CPU time this process has used (user + system), merges
// and persistence in bleve's own goroutines included.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func liveMessage(c *corpus.Corpus, rng *rand.Rand, id int64) model.Message {
	m := message(id, 10+id%2, fmt.Sprintf("%s %s %s %s", c.Word(rng), c.Word(rng), c.Word(rng), c.Word(rng)))
	m.CreatedAt = time.Now().UTC()
	return m
}
