package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter/client"
)

// sendTimeout bounds one send; a slower answer counts as a send error.
const sendTimeout = 30 * time.Second

// senders posts messages at a total rate for a duration.
type senders struct {
	t       *tracker
	k       int
	rate    float64
	counter atomic.Uint64
	// maxLag is the largest delay of a send behind its schedule: when it
	// grows, the server (or the generator) could not keep the rate.
	maxLag atomic.Int64
}

// run starts k senders and returns when the duration is over and every
// send has been answered. Sender s takes the chats c with c%k == s in turn
// and posts as each chat's creator; each sender keeps an open-loop schedule
// of one message every k/rate seconds, offset so the senders interleave.
func (s *senders) run(ctx context.Context, d time.Duration) time.Duration {
	begin := time.Now()
	end := begin.Add(d)
	interval := time.Duration(float64(time.Second) * float64(s.k) / s.rate)
	var wg sync.WaitGroup
	for id := range s.k {
		chats := s.chatsOf(id)
		if len(chats) == 0 {
			continue
		}
		wg.Add(1)
		go func() { // owned by run: ends at end or with ctx
			defer wg.Done()
			next := begin.Add(interval * time.Duration(id) / time.Duration(s.k))
			for i := 0; next.Before(end) && time.Now().Before(end); i++ {
				if !sleepUntil(ctx, next) {
					return
				}
				if lag := time.Since(next); int64(lag) > s.maxLag.Load() {
					s.maxLag.Store(int64(lag)) // racy max is fine for a report
				}
				s.sendOne(ctx, chats[i%len(chats)])
				next = next.Add(interval)
			}
		}()
	}
	wg.Wait()
	return time.Since(begin)
}

// chatsOf lists the chats sender id posts to.
func (s *senders) chatsOf(id int) []int {
	var out []int
	for c := id; c < len(s.t.pop.chats); c += s.k {
		out = append(out, c)
	}
	return out
}

func (s *senders) sendOne(ctx context.Context, c int) {
	p := s.t.pop
	n := s.counter.Add(1)
	cid, m := s.t.begin(n, c)
	sender := p.users[p.chats[c].members[0]]
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	_, created, err := sender.SendMessage(ctx, p.chats[c].id, client.SendMessageInput{
		Content:  fmt.Sprintf("bench %s #%d sent_at=%s", p.run, n, m.start.UTC().Format(time.RFC3339Nano)),
		ClientID: cid,
	})
	s.t.finish(m, created, err)
	if err != nil && s.t.sendErrors.Load() <= 5 {
		s.t.logf("send error: %v", err)
	}
}

// sleepUntil waits for t; false when ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}
