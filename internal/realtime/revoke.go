package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/fechatter/fechatter/internal/events"
)

// RevokeSubject is the core-NATS subject of revocation notices. Its payload
// is a JSON object {"user_id": n, "session_id": n, "id": "..."}; a missing
// or zero session_id means every credential of the user issued so far
// (logout-all, a password change); id names the notice, so that the node
// that sent it, which acted at once, does not act again on its echo. Every node's hub subscribes: it ends the matching
// streams and tells its listeners (the auth service's session cache). A
// notice is not stored: a node that misses it still ends the stream when
// its credential expires, and the auth cache forgets within its TTL.
const RevokeSubject = "fc.ctl.revoke"

// ErrRevoked means the stream's credential was revoked while the stream
// was being opened, or has expired: the client must authenticate again.
var ErrRevoked = errors.New("realtime: credential revoked or expired")

// revokeMemory is how long a hub remembers a notice, to refuse a stream
// whose credential was checked just before the notice arrived but that
// registered just after.
const revokeMemory = time.Minute

// revocation is the payload of a notice.
type revocation struct {
	UserID    int64  `json:"user_id"`
	SessionID int64  `json:"session_id,omitempty"`
	ID        string `json:"id,omitempty"`
}

// matches reports whether the notice ends c.
func (r revocation) matches(c *conn) bool {
	return r.UserID == c.userID && (r.SessionID == 0 || r.SessionID == c.sessionID)
}

// heardRevocation is a notice and when this hub received it.
type heardRevocation struct {
	revocation
	at time.Time
}

// Revoke announces to every node, this one included, that the user's
// session (sessionID > 0) or all of the user's credentials (sessionID 0)
// ended. It implements auth.Revocations. This node's streams end at once,
// not only when the notice comes back.
func (h *Hub) Revoke(_ context.Context, userID, sessionID int64) error {
	r := revocation{UserID: userID, SessionID: sessionID, ID: randomID()}
	h.applyRevocation(r)
	body, _ := json.Marshal(r)
	if err := h.nc.Publish(RevokeSubject, body); err != nil {
		return fmt.Errorf("publish revocation: %w", err)
	}
	return nil
}

// OnRevoke adds f to what is called for every revocation notice received
// (from any node, this one included). f must not block.
func (h *Hub) OnRevoke(f func(userID, sessionID int64)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.revokeListeners = append(h.revokeListeners, f)
}

func (h *Hub) subscribeRevocations() error {
	sub, err := h.nc.Subscribe(RevokeSubject, h.onRevokeNotice)
	if err != nil {
		return fmt.Errorf("realtime: subscribe revocations: %w", err)
	}
	h.subs = append(h.subs, sub)
	return nil
}

func (h *Hub) onRevokeNotice(m *nats.Msg) {
	var r revocation
	if json.Unmarshal(m.Data, &r) != nil || r.UserID <= 0 || r.SessionID < 0 {
		h.opt.Log.Warn("realtime: malformed revocation notice", "data", string(m.Data[:min(len(m.Data), 200)]))
		return
	}
	h.heardRevocation(r)
}

// heardRevocation acts on a revocation heard from another node or read
// from the stream: it tells the listeners, then ends the streams. Listeners
// first: once a client sees its stream end, this node's auth cache has
// already forgotten the session.
func (h *Hub) heardRevocation(r revocation) {
	h.mu.Lock()
	listeners := slices.Clone(h.revokeListeners)
	h.mu.Unlock()
	for _, f := range listeners {
		f(r.UserID, r.SessionID)
	}
	h.applyRevocation(r)
}

// applyRevocation ends the streams r matches and remembers r for streams
// still being opened.
func (h *Hub) applyRevocation(r revocation) {
	now := time.Now()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.forgetOldRevocations(now)
	if r.ID != "" && slices.ContainsFunc(h.heard, func(x heardRevocation) bool { return x.ID == r.ID }) {
		// The echo of this node's own notice: already acted on. Acting
		// again would refuse a stream opened since with a new credential.
		return
	}
	h.heard = append(h.heard, heardRevocation{revocation: r, at: now})
	for _, c := range h.conns[r.UserID] {
		if r.matches(c) {
			c.shutdown()
		}
	}
}

// forgetOldRevocations drops notices older than revokeMemory; h.mu held.
func (h *Hub) forgetOldRevocations(now time.Time) {
	keep := h.heard[:0]
	for _, r := range h.heard {
		if now.Sub(r.at) < revokeMemory {
			keep = append(keep, r)
		}
	}
	clear(h.heard[len(keep):])
	h.heard = keep
}

// revokedSince reports whether a notice heard at or after c's credential
// was checked matches c; h.mu held.
func (h *Hub) revokedSince(c *conn) bool {
	for _, r := range h.heard {
		if r.matches(c) && !r.at.Before(c.checkedAt) {
			return true
		}
	}
	return false
}

// onCredentialsRevoked acts on the control event
// model.EventCredentialsRevoked, read from the stream at seq: as a
// revocation notice of all the user's credentials. It is how a change
// committed by another process (`fechatter admin`), which cannot reach
// this node's NATS, ends the user's streams; every node reads it. No
// client receives the event.
func (h *Hub) onCredentialsRevoked(e events.Envelope, seq uint64) {
	var p events.CredentialsRevoked
	if json.Unmarshal(e.Payload, &p) != nil || p.UserID <= 0 {
		h.opt.Log.Warn("realtime: malformed credentials event", "event_id", e.ID)
	} else {
		h.heardRevocation(revocation{UserID: p.UserID, ID: e.ID})
	}
	h.mu.Lock()
	h.lastSeq = seq
	h.mu.Unlock()
}
