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
// with the changes it may see (never its own). The work is linear in the
// changes plus the recipients: a recipient in one workspace that is not
// itself among its changes gets the workspace's frame, encoded once and
// shared; only the changed users themselves and members of several
// changed workspaces get a list of their own.
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
	// Each recipient's workspaces with changes: one in wsOf, more in multi.
	wsOf := map[int64]int64{}
	multi := map[int64][]int64{}
	for ws, changes := range byWorkspace {
		slices.SortFunc(changes, func(a, b presenceChange) int { return cmp.Compare(a.UserID, b.UserID) })
		members, err := h.cache.workspace(ctx, ws)
		if err != nil {
			delete(byWorkspace, ws)
			continue
		}
		for _, r := range h.connectedAmong(members) {
			if first, ok := wsOf[r]; !ok {
				wsOf[r] = ws
			} else {
				if multi[r] == nil {
					multi[r] = []int64{first}
				}
				multi[r] = append(multi[r], ws)
			}
		}
	}
	shared := map[int64]frame{}
	own := map[string]frame{} // lists of their own, shared when equal
	out := make(map[int64]frame, len(wsOf))
	for r, ws := range wsOf {
		var list []presenceChange
		if more := multi[r]; more != nil {
			list = mergeChanges(byWorkspace, more, r)
		} else {
			changes := byWorkspace[ws]
			i, self := slices.BinarySearchFunc(changes, r, func(c presenceChange, uid int64) int { return cmp.Compare(c.UserID, uid) })
			if !self {
				f, ok := shared[ws]
				if !ok {
					f = newFrame(0, "presence", presenceData(changes))
					shared[ws] = f
				}
				out[r] = f
				continue
			}
			list = slices.Delete(slices.Clone(changes), i, i+1)
		}
		if len(list) == 0 {
			continue
		}
		key := presenceKey(list)
		f, ok := own[key]
		if !ok {
			f = newFrame(0, "presence", presenceData(list))
			own[key] = f
		}
		out[r] = f
	}
	h.deliverPresence(out)
}

// mergeChanges is the union of the changes of the workspaces, without
// skip's own, sorted by user.
func mergeChanges(byWorkspace map[int64][]presenceChange, wsIDs []int64, skip int64) []presenceChange {
	seen := map[int64]bool{}
	var list []presenceChange
	for _, ws := range wsIDs {
		for _, c := range byWorkspace[ws] {
			if c.UserID != skip && !seen[c.UserID] {
				seen[c.UserID] = true
				list = append(list, c)
			}
		}
	}
	slices.SortFunc(list, func(a, b presenceChange) int { return cmp.Compare(a.UserID, b.UserID) })
	return list
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

// deliverPresence queues each recipient's presence frame.
func (h *Hub) deliverPresence(out map[int64]frame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for r, f := range out {
		for _, c := range h.conns[r] {
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
