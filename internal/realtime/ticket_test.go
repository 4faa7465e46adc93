package realtime

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTicketIsSingleUseAndExpires(t *testing.T) {
	e := newEnv(t, Options{})
	tk, err := NewTickets(context.Background(), e.js, 1)
	if err != nil {
		t.Fatal(err)
	}
	ticket, err := tk.Issue(context.Background(), 7)
	if err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if uid, err := tk.Redeem(context.Background(), ticket); err == nil && uid == 7 {
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d redeems succeeded, want exactly 1", ok.Load())
	}
	for _, bad := range []string{"", "short", ticket + "x"} {
		if _, err := tk.Redeem(context.Background(), bad); err == nil {
			t.Fatalf("Redeem(%q) succeeded", bad)
		}
	}
	old, _ := tk.Issue(context.Background(), 7)
	tk.now = func() time.Time { return time.Now().Add(TicketTTL + time.Second) }
	if _, err := tk.Redeem(context.Background(), old); err == nil {
		t.Fatal("an expired ticket was accepted")
	}
}
