package realtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/fechatter/fechatter/internal/events"
)

// Presence statuses.
const (
	StatusOnline  = "online"
	StatusOffline = "offline"
)

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func typingSubject(ws, chat int64) string {
	return fmt.Sprintf("%s.%d.%d.typing", events.EphemeralPrefix, ws, chat)
}

const presenceSubject = events.EphemeralPrefix + ".presence"

type typingSignal struct {
	UserID int64 `json:"user_id"`
}

// presenceNote is what nodes tell each other: either a full list of the
// users connected to a node, or one user's transition there.
type presenceNote struct {
	Node   string  `json:"node"`
	Users  []int64 `json:"users,omitempty"`
	Full   bool    `json:"full,omitempty"`
	UserID int64   `json:"user_id,omitempty"`
	Online bool    `json:"online,omitempty"`
}

// NotifyTyping tells the other members of a chat, on every node, that
// userID is typing. The signal is never stored.
func (h *Hub) NotifyTyping(ctx context.Context, workspaceID, chatID, userID int64) error {
	body, _ := json.Marshal(typingSignal{UserID: userID})
	if err := h.nc.Publish(typingSubject(workspaceID, chatID), body); err != nil {
		return fmt.Errorf("publish typing: %w", err)
	}
	return nil
}

func (h *Hub) subscribeEphemeral(ctx context.Context) error {
	typing, err := h.nc.Subscribe(events.EphemeralPrefix+".*.*.typing", func(m *nats.Msg) { h.onTyping(ctx, m) })
	if err != nil {
		return fmt.Errorf("realtime: subscribe typing: %w", err)
	}
	pres, err := h.nc.Subscribe(presenceSubject, func(m *nats.Msg) { h.onPresence(ctx, m) })
	if err != nil {
		_ = typing.Unsubscribe()
		return fmt.Errorf("realtime: subscribe presence: %w", err)
	}
	h.subs = append(h.subs, typing, pres)
	return nil
}

func (h *Hub) onTyping(ctx context.Context, m *nats.Msg) {
	var ws, chat int64
	if _, err := fmt.Sscanf(m.Subject, events.EphemeralPrefix+".%d.%d.typing", &ws, &chat); err != nil {
		return
	}
	var sig typingSignal
	if json.Unmarshal(m.Data, &sig) != nil || sig.UserID == 0 {
		return
	}
	members, err := h.cache.chat(ctx, chat)
	if err != nil {
		return
	}
	data, _ := json.Marshal(map[string]any{
		"type": "typing", "workspace_id": ws, "chat_id": chat, "user_id": sig.UserID,
		"expires_in_ms": h.opt.TypingTTL.Milliseconds(),
	})
	h.deliver(members, sig.UserID, newFrame(0, "typing", data))
}

// deliver queues an ephemeral frame for every connection of users, except skip's.
func (h *Hub) deliver(users map[int64]struct{}, skip int64, f frame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for uid := range users {
		if uid == skip {
			continue
		}
		for _, c := range h.conns[uid] {
			c.offer(f)
		}
	}
}

// presence tracks which users are connected to this node and to the others.
type presence struct {
	node   string
	ttl    time.Duration
	mu     sync.Mutex
	local  map[int64]struct{}
	remote map[string]*nodeUsers
}

type nodeUsers struct {
	users map[int64]struct{}
	seen  time.Time
}

func newPresence(node string, ttl time.Duration) *presence {
	return &presence{node: node, ttl: ttl, local: map[int64]struct{}{}, remote: map[string]*nodeUsers{}}
}

func (p *presence) localOnline(uid int64)  { p.mu.Lock(); p.local[uid] = struct{}{}; p.mu.Unlock() }
func (p *presence) localOffline(uid int64) { p.mu.Lock(); delete(p.local, uid); p.mu.Unlock() }

// online reports whether uid is connected to any live node.
func (p *presence) online(uid int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.local[uid]; ok {
		return true
	}
	now := time.Now()
	for _, n := range p.remote {
		if _, ok := n.users[uid]; ok && now.Sub(n.seen) < p.ttl {
			return true
		}
	}
	return false
}

// onlineAmong appends to out the users of set connected to any live node.
func (p *presence) onlineAmong(set map[int64]struct{}, out []int64) []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	var live []*nodeUsers
	n := len(p.local)
	for _, nu := range p.remote {
		if now.Sub(nu.seen) < p.ttl {
			live = append(live, nu)
			n += len(nu.users)
		}
	}
	isOnline := func(uid int64) bool {
		if _, ok := p.local[uid]; ok {
			return true
		}
		for _, nu := range live {
			if _, ok := nu.users[uid]; ok {
				return true
			}
		}
		return false
	}
	if len(set) <= n {
		for uid := range set {
			if isOnline(uid) {
				out = append(out, uid)
			}
		}
		return out
	}
	// Fewer online than members: walk the online users; one online on
	// several nodes is listed once.
	start := len(out)
	for uid := range p.local {
		if _, ok := set[uid]; ok {
			out = append(out, uid)
		}
	}
	for _, nu := range live {
		for uid := range nu.users {
			if _, ok := set[uid]; ok {
				out = append(out, uid)
			}
		}
	}
	if len(live) > 0 {
		slices.Sort(out[start:])
		out = append(out[:start], slices.Compact(out[start:])...)
	}
	return out
}

func (p *presence) localUsers() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]int64, 0, len(p.local))
	for uid := range p.local {
		out = append(out, uid)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// apply records a note from another node and returns the users whose
// overall status may have changed.
func (p *presence) apply(n presenceNote) []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.remote[n.Node]
	if st == nil {
		st = &nodeUsers{users: map[int64]struct{}{}}
		p.remote[n.Node] = st
	}
	st.seen = time.Now()
	var touched []int64
	if n.Full {
		next := toSet(n.Users)
		for uid := range st.users {
			if _, ok := next[uid]; !ok {
				touched = append(touched, uid)
			}
		}
		for uid := range next {
			if _, ok := st.users[uid]; !ok {
				touched = append(touched, uid)
			}
		}
		st.users = next
		return touched
	}
	if n.Online {
		st.users[n.UserID] = struct{}{}
	} else {
		delete(st.users, n.UserID)
	}
	return []int64{n.UserID}
}

// expire forgets nodes not heard from within the ttl and returns their users.
func (p *presence) expire() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	var gone []int64
	for id, n := range p.remote {
		if time.Since(n.seen) >= p.ttl {
			for uid := range n.users {
				gone = append(gone, uid)
			}
			delete(p.remote, id)
		}
	}
	return gone
}

// announce tells every node (this one included, through the subscription)
// that uid came online or went offline here.
func (h *Hub) announce(ctx context.Context, uid int64, online bool) {
	body, _ := json.Marshal(presenceNote{Node: h.opt.NodeID, UserID: uid, Online: online})
	_ = h.nc.Publish(presenceSubject, body)
	h.broadcastPresence(ctx, uid)
}

func (h *Hub) announceLoop(ctx context.Context) {
	defer h.wg.Done()
	t := time.NewTicker(h.opt.PresenceInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			body, _ := json.Marshal(presenceNote{Node: h.opt.NodeID, Users: h.pres.localUsers(), Full: true})
			_ = h.nc.Publish(presenceSubject, body)
			for _, uid := range h.pres.expire() {
				h.broadcastPresence(ctx, uid)
			}
		}
	}
}

func (h *Hub) onPresence(ctx context.Context, m *nats.Msg) {
	var n presenceNote
	if json.Unmarshal(m.Data, &n) != nil || n.Node == "" || n.Node == h.opt.NodeID {
		return
	}
	for _, uid := range h.pres.apply(n) {
		h.broadcastPresence(ctx, uid)
	}
}

// onlinePeers lists the online users who share a workspace with uid,
// sorted. It looks at each workspace's members or at the online users,
// whichever are fewer, under one lock.
func (h *Hub) onlinePeers(ctx context.Context, uid int64) []int64 {
	wsIDs, err := h.members.UserWorkspaceIDs(ctx, uid)
	if err != nil {
		return []int64{}
	}
	out := []int64{}
	for _, ws := range wsIDs {
		members, err := h.cache.workspace(ctx, ws)
		if err != nil {
			continue
		}
		out = h.pres.onlineAmong(members, out)
	}
	slices.Sort(out)
	if len(wsIDs) > 1 {
		out = slices.Compact(out)
	}
	return out
}

// Online reports whether a user has an open stream on any node.
func (h *Hub) Online(uid int64) bool { return h.pres.online(uid) }
