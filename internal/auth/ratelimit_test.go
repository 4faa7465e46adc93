package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiterBurstAndRefill(t *testing.T) {
	ls := newLimiterSet(RateSpec{Burst: 3, Per: 3 * time.Second}, 100)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 {
		if _, _, ok := ls.reserve("a", now); !ok {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	_, wait, ok := ls.reserve("a", now)
	if ok || wait != time.Second {
		t.Fatalf("4th attempt: ok=%v wait=%v, want refused with 1s", ok, wait)
	}
	if _, _, ok := ls.reserve("b", now); !ok {
		t.Fatal("another key shares the budget")
	}
	if _, _, ok := ls.reserve("a", now.Add(time.Second)); !ok {
		t.Fatal("no refill after one period share")
	}
	if _, _, ok := ls.reserve("a", now.Add(time.Second)); ok {
		t.Fatal("refill gave more than one attempt")
	}
}

func TestLimiterRetryAfterRoundsUp(t *testing.T) {
	ls := newLimiterSet(RateSpec{Burst: 1, Per: time.Minute}, 100)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ls.reserve("a", now)
	_, wait, ok := ls.reserve("a", now.Add(500*time.Millisecond))
	if ok || wait != 60*time.Second {
		t.Fatalf("ok=%v wait=%v, want refused with 60s", ok, wait)
	}
}

func TestLimiterCancelGivesBack(t *testing.T) {
	ls := newLimiterSet(RateSpec{Burst: 1, Per: time.Minute}, 100)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	cancel, _, ok := ls.reserve("a", now)
	if !ok {
		t.Fatal("first attempt refused")
	}
	cancel()
	if _, _, ok := ls.reserve("a", now); !ok {
		t.Fatal("cancelled attempt was not given back")
	}
}

func TestLimiterDisabled(t *testing.T) {
	for _, spec := range []RateSpec{{Burst: -1, Per: time.Minute}, {Burst: 1}} {
		ls := newLimiterSet(spec, 10)
		for range 100 {
			if _, _, ok := ls.reserve("a", time.Now()); !ok {
				t.Fatalf("spec %+v limited", spec)
			}
		}
	}
}

func TestLimiterEvictsIdle(t *testing.T) {
	ls := newLimiterSet(RateSpec{Burst: 1, Per: time.Minute}, 1000)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 500 {
		ls.reserve(fmt.Sprint("idle", i), now)
	}
	if n := ls.size(); n != 500 {
		t.Fatalf("size = %d, want 500", n)
	}
	later := now.Add(time.Minute)
	ls.reserve("new", later)
	if n := ls.size(); n != 1 {
		t.Fatalf("after a period, size = %d, want 1 (idle limiters swept)", n)
	}
}

func TestLimiterBounded(t *testing.T) {
	const maxKeys = 100
	ls := newLimiterSet(RateSpec{Burst: 1, Per: time.Hour}, maxKeys)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10 * maxKeys {
		ls.reserve(fmt.Sprint("k", i), now.Add(time.Duration(i)*time.Millisecond))
		if n := ls.size(); n > maxKeys {
			t.Fatalf("after %d keys size = %d, over %d", i+1, n, maxKeys)
		}
	}
	// A key that is still limited stays limited while the set is not full.
	ls2 := newLimiterSet(RateSpec{Burst: 1, Per: time.Hour}, maxKeys)
	ls2.reserve("victim", now)
	for i := range maxKeys / 2 {
		ls2.reserve(fmt.Sprint("k", i), now)
	}
	if _, _, ok := ls2.reserve("victim", now); ok {
		t.Fatal("limited key was forgotten before the set filled up")
	}
}
