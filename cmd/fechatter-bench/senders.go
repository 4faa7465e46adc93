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
	mode    string // modeRate, modeClosed or modeDelivery
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
	switch s.mode {
	case modeClosed:
		return s.runClosed(ctx, d)
	case modeDelivery:
		return s.runDelivery(ctx, d)
	}
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

// runClosed is the closed loop: sender id posts in chat id%chats as the
// member at position id/chats of it, and sends again as soon as the
// previous send was answered, until the duration is over.
func (s *senders) runClosed(ctx context.Context, d time.Duration) time.Duration {
	begin := time.Now()
	end := begin.Add(d)
	var wg sync.WaitGroup
	for id := range s.k {
		c, pos := s.seatOf(id)
		wg.Add(1)
		go func() { // owned by runClosed: ends at end or with ctx
			defer wg.Done()
			for time.Now().Before(end) && ctx.Err() == nil {
				s.send(ctx, c, pos)
			}
		}()
	}
	wg.Wait()
	return time.Since(begin)
}

// seatOf is the chat and member position closed-loop sender id posts as.
func (s *senders) seatOf(id int) (chat, pos int) {
	chats := s.t.pop.chats
	chat = id % len(chats)
	return chat, (id / len(chats)) % len(chats[chat].members)
}

// deliveryWait bounds how long the delivery mode waits for one message to
// reach every member before it sends the next (a miss shows as lost).
const deliveryWait = 10 * time.Second

// runDelivery sends one message at a time in chat 0, as its first member,
// and waits until every member's stream carried it before the next, so
// each delivery latency is measured without queueing behind other sends.
func (s *senders) runDelivery(ctx context.Context, d time.Duration) time.Duration {
	begin := time.Now()
	end := begin.Add(d)
	for time.Now().Before(end) && ctx.Err() == nil {
		m := s.send(ctx, 0, 0)
		if !m.acked.Load() {
			continue
		}
		timer := time.NewTimer(deliveryWait)
		select {
		case <-m.all:
		case <-timer.C:
		case <-ctx.Done():
		}
		timer.Stop()
	}
	return time.Since(begin)
}

// contentLen is the length of a message in the closed and delivery modes:
// about a line of chat.
const contentLen = 80

// padContent pads (or cuts) s to n bytes with a filler text.
func padContent(s string, n int) string {
	const filler = " the quick brown fox jumps over the lazy dog"
	for len(s) < n {
		s += filler
	}
	return s[:n]
}

func (s *senders) sendOne(ctx context.Context, c int) { s.send(ctx, c, 0) }

// send posts one message to chat c as the member at position pos, and
// returns its record.
func (s *senders) send(ctx context.Context, c, pos int) *sentMessage {
	p := s.t.pop
	n := s.counter.Add(1)
	cid, m := s.t.begin(n, c)
	sender := p.users[p.chats[c].members[pos]]
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	content := fmt.Sprintf("bench %s #%d sent_at=%s", p.run, n, m.start.UTC().Format(time.RFC3339Nano))
	if s.mode != modeRate {
		content = padContent(content, contentLen)
	}
	_, created, err := sender.SendMessage(ctx, p.chats[c].id, client.SendMessageInput{
		Content:  content,
		ClientID: cid,
	})
	s.t.finish(m, created, err)
	if err != nil && s.t.sendErrors.Load() <= 5 {
		s.t.logf("send error: %v", err)
	}
	return m
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
