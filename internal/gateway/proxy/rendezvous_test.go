package proxy

import (
	"fmt"
	"math"
	"testing"
)

// testProxy builds a Proxy over n made-up backends, all up; nothing runs.
func testProxy(t *testing.T, n int) *Proxy {
	t.Helper()
	var urls []string
	for i := range n {
		urls = append(urls, fmt.Sprintf("http://10.0.0.%d:8080", i+1))
	}
	p, err := New(Config{Backends: urls, Log: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range p.backends {
		b.set(StateUp)
	}
	return p
}

// assign maps every user key to the backend it goes to now.
func assign(p *Proxy, users int) map[string]string {
	out := make(map[string]string, users)
	for i := range users {
		key := fmt.Sprintf("user:%d", i+1)
		out[key] = p.order(key)[0].name
	}
	return out
}

const users = 10_000

func TestRendezvousIsStable(t *testing.T) {
	p, again := testProxy(t, 3), testProxy(t, 3)
	first := assign(p, users)
	for range 3 {
		for k, b := range assign(p, users) {
			if first[k] != b {
				t.Fatalf("%s went to %s, then to %s", k, first[k], b)
			}
		}
	}
	// Another gateway with the same backends (a restart, a second
	// gateway) sends every user to the same node.
	for k, b := range assign(again, users) {
		if first[k] != b {
			t.Fatalf("%s: %s on one gateway, %s on another", k, first[k], b)
		}
	}
}

func TestRendezvousSpreadsEvenly(t *testing.T) {
	count := map[string]int{}
	for _, b := range assign(testProxy(t, 3), users) {
		count[b]++
	}
	if len(count) != 3 {
		t.Fatalf("users went to %d backends, want 3: %v", len(count), count)
	}
	for b, n := range count {
		if share := float64(n) / users; math.Abs(share-1.0/3) > 0.03 {
			t.Errorf("%s got %.1f%% of the users, want 33.3%% ± 3%%", b, 100*share)
		}
	}
}

func TestRendezvousAddingABackendMovesFew(t *testing.T) {
	before := assign(testProxy(t, 3), users)
	four := testProxy(t, 4)
	newcomer := four.backends[3].name
	moved := 0
	for k, b := range assign(four, users) {
		if b == before[k] {
			continue
		}
		moved++
		if b != newcomer {
			t.Fatalf("%s moved from %s to %s, not to the new backend", k, before[k], b)
		}
	}
	if share := float64(moved) / users; share > 0.30 {
		t.Errorf("adding a fourth backend moved %.1f%% of the users, want at most 30%%", 100*share)
	}
	t.Logf("adding a fourth backend moved %.1f%% of the users", 100*float64(moved)/users)
}

func TestRendezvousEjectingMovesOnlyItsUsers(t *testing.T) {
	for _, state := range []State{StateDown, StateNotReady} {
		t.Run(state.String(), func(t *testing.T) {
			p := testProxy(t, 3)
			before := assign(p, users)
			gone := p.backends[1]
			gone.set(state)
			moved := 0
			for k, b := range assign(p, users) {
				switch {
				case before[k] == gone.name && b == gone.name:
					t.Fatalf("%s still goes to the ejected backend", k)
				case before[k] != gone.name && b != before[k]:
					t.Fatalf("%s moved from %s to %s though its backend is up", k, before[k], b)
				case b != before[k]:
					moved++
				}
			}
			if moved == 0 {
				t.Fatal("nobody moved")
			}
			gone.set(StateUp) // back: everyone returns
			for k, b := range assign(p, users) {
				if b != before[k] {
					t.Fatalf("%s stays on %s after %s came back", k, b, before[k])
				}
			}
		})
	}
}

// TestOrderFallsBackWhenNothingIsUp: with no backend up, requests still go
// somewhere, preferring a backend that answers over one that does not.
func TestOrderFallsBackWhenNothingIsUp(t *testing.T) {
	p := testProxy(t, 3)
	p.backends[0].set(StateDown)
	p.backends[1].set(StateNotReady)
	p.backends[2].set(StateDown)
	for i := range 100 {
		o := p.order(fmt.Sprintf("user:%d", i))
		if len(o) != 3 || o[0] != p.backends[1] {
			t.Fatalf("order = %v, want the not-ready backend first of all three", o)
		}
	}
}
