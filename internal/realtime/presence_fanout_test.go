package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// Every connected user gets, in one event, exactly the changes of the users
// it shares a workspace with, never its own, whether its event is a
// workspace's shared one or a list of its own (several workspaces).
func TestPresenceFlushSendsEachPeerItsChanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		r := &roster{chats: map[int64][]int64{}, ws: map[int64][]int64{}}
		const users, workspaces = 30, 4
		for u := int64(1); u <= users; u++ {
			for ws := int64(1); ws <= workspaces; ws++ {
				if rng.IntN(3) == 0 {
					r.ws[ws] = append(r.ws[ws], u)
				}
			}
		}
		h := NewHub(nil, nil, r, Options{})
		conns := map[int64]*conn{}
		for u := int64(1); u <= users; u++ {
			if rng.IntN(2) == 0 {
				c := newConn(Credential{UserID: u}, 16)
				conns[u] = c
				h.conns[u] = []*conn{c}
			}
		}
		changed := map[int64]string{}
		for u := int64(1); u <= users; u++ {
			if rng.IntN(3) != 0 {
				continue
			}
			changed[u] = StatusOffline
			if rng.IntN(2) == 0 {
				h.pres.localOnline(u)
				changed[u] = StatusOnline
			}
			h.changed.mark(u)
		}
		h.flushPresence(context.Background())
		for u, c := range conns {
			want := map[int64]string{}
			for v, st := range changed {
				if v != u && shareWorkspace(r, u, v) {
					want[v] = st
				}
			}
			got := map[int64]string{}
			q := c.take(nil)
			if len(q) > 1 {
				t.Fatalf("round %d: user %d got %d presence events, want at most 1", round, u, len(q))
			}
			for _, f := range q {
				for c := range presenceChangesOf(t, f) {
					got[c.UserID] = c.Status
				}
			}
			if len(got) != len(want) {
				t.Fatalf("round %d: user %d got %v, want %v", round, u, got, want)
			}
			for v, st := range want {
				if got[v] != st {
					t.Fatalf("round %d: user %d got %v, want %v", round, u, got, want)
				}
			}
		}
	}
}

func shareWorkspace(r *roster, a, b int64) bool {
	for _, users := range r.ws {
		var hasA, hasB bool
		for _, u := range users {
			hasA = hasA || u == a
			hasB = hasB || u == b
		}
		if hasA && hasB {
			return true
		}
	}
	return false
}

// presenceChangesOf decodes a presence frame: its changes, or its one
// top-level change.
func presenceChangesOf(t *testing.T, f frame) map[presenceChange]struct{} {
	t.Helper()
	_, data, ok := bytes.Cut(f.enc, []byte("\ndata: "))
	if !ok {
		t.Fatalf("no data line in %q", f.enc)
	}
	var ev struct {
		UserID  int64            `json:"user_id"`
		Status  string           `json:"status"`
		Changes []presenceChange `json:"changes"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(data), &ev); err != nil {
		t.Fatal(err)
	}
	out := map[presenceChange]struct{}{{ev.UserID, ev.Status}: {}}
	for _, c := range ev.Changes {
		out[c] = struct{}{}
	}
	return out
}
