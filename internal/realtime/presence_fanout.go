package realtime

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// changedUsers gathers the users whose presence may have changed since the
// last flush.
type changedUsers struct {
	mu    sync.Mutex
	users map[int64]struct{}
	wake  chan struct{}
}

func newChangedUsers() *changedUsers {
	return &changedUsers{users: map[int64]struct{}{}, wake: make(chan struct{}, 1)}
}

func (c *changedUsers) mark(uid int64) {
	c.mu.Lock()
	c.users[uid] = struct{}{}
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *changedUsers) take() []int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]int64, 0, len(c.users))
	for uid := range c.users {
		out = append(out, uid)
	}
	clear(c.users)
	return out
}

// broadcastPresence queues uid's current status for everyone connected here
// who shares a workspace with them.
func (h *Hub) broadcastPresence(_ context.Context, uid int64) { h.changed.mark(uid) }

// presenceLoop sends queued presence changes: the first after a quiet
// spell at once, then at most one presence event per PresenceWindow to each
// connection, carrying every change of the window. Sending each change to
// each peer on its own made presence quadratic: 5,000 people of one
// workspace coming online (a morning, a restart) meant 12.5 million events.
func (h *Hub) presenceLoop(ctx context.Context) {
	defer h.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.changed.wake:
		}
		h.flushPresence(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(h.opt.PresenceWindow):
		}
	}
}

// presenceChange is one user's status in a presence event.
type presenceChange struct {
	UserID int64  `json:"user_id"`
	Status string `json:"status"`
}

// flushPresence sends every connected peer of the changed users one event
// with the changes it may see (never its own).
func (h *Hub) flushPresence(ctx context.Context) {
	changed := h.changed.take()
	if len(changed) == 0 {
		return
	}
	byWorkspace := map[int64][]presenceChange{}
	for _, uid := range changed {
		status := StatusOffline
		if h.pres.online(uid) {
			status = StatusOnline
		}
		wsIDs, err := h.members.UserWorkspaceIDs(ctx, uid)
		if err != nil {
			continue
		}
		for _, ws := range wsIDs {
			byWorkspace[ws] = append(byWorkspace[ws], presenceChange{uid, status})
		}
	}
	perUser := map[int64]map[int64]string{}
	for ws, changes := range byWorkspace {
		members, err := h.cache.workspace(ctx, ws)
		if err != nil {
			continue
		}
		for _, r := range h.connectedAmong(members) {
			for _, c := range changes {
				if c.UserID == r {
					continue
				}
				if perUser[r] == nil {
					perUser[r] = map[int64]string{}
				}
				perUser[r][c.UserID] = c.Status
			}
		}
	}
	h.deliverPresence(perUser)
}

// connectedAmong lists the users of set with a stream on this node.
func (h *Hub) connectedAmong(set map[int64]struct{}) []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []int64
	if len(h.conns) < len(set) {
		for uid := range h.conns {
			if _, ok := set[uid]; ok {
				out = append(out, uid)
			}
		}
		return out
	}
	for uid := range set {
		if _, ok := h.conns[uid]; ok {
			out = append(out, uid)
		}
	}
	return out
}

// deliverPresence queues each recipient's changes as one frame; recipients
// with the same changes share its bytes.
func (h *Hub) deliverPresence(perUser map[int64]map[int64]string) {
	frames := map[string]frame{}
	out := make(map[int64]frame, len(perUser))
	for r, changes := range perUser {
		list := make([]presenceChange, 0, len(changes))
		for uid, st := range changes {
			list = append(list, presenceChange{uid, st})
		}
		slices.SortFunc(list, func(a, b presenceChange) int { return cmp.Compare(a.UserID, b.UserID) })
		key := presenceKey(list)
		f, ok := frames[key]
		if !ok {
			f = newFrame(0, "presence", presenceData(list))
			frames[key] = f
		}
		out[r] = f
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for r, f := range out {
		for c := range h.conns[r] {
			c.offer(f)
		}
	}
}

func presenceKey(list []presenceChange) string {
	var b strings.Builder
	for _, c := range list {
		b.WriteString(strconv.FormatInt(c.UserID, 10))
		b.WriteByte(c.Status[1]) // 'n' online, 'f' offline
	}
	return b.String()
}

// presenceData is a presence event: user_id and status of the first change
// (all an event with one change needs), and with several also every change
// in changes.
func presenceData(list []presenceChange) []byte {
	v := map[string]any{"type": "presence", "user_id": list[0].UserID, "status": list[0].Status}
	if len(list) > 1 {
		v["changes"] = list
	}
	data, _ := json.Marshal(v)
	return data
}
