package realtime

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TicketTTL is how long an SSE ticket may wait for its one use.
const TicketTTL = 30 * time.Second

// ErrBadTicket means the ticket is unknown, used or expired.
var ErrBadTicket = errors.New("ticket is invalid, used or expired")

// TicketClaims is what a ticket stands for: the credential that asked for
// it. The API checks, when the ticket is used, that this credential still
// stands (its session not ended, no logout-all since it was issued).
type TicketClaims struct {
	UserID    int64
	SessionID int64
	// IssuedAt is when the asking credential was issued.
	IssuedAt time.Time
	// ExpiresAt is when the asking credential expires; a stream opened
	// with the ticket ends then.
	ExpiresAt time.Time
}

// Ticket layout: version, user, session, credential iat and exp (ms),
// ticket expiry (ms), nonce; then the first macLen bytes of an HMAC-SHA256
// over all of it.
const (
	ticketVersion = 1
	nonceLen      = 16
	macLen        = 16
	bodyLen       = 1 + 5*8 + nonceLen
	ticketLen     = bodyLen + macLen
)

// Tickets issues single-use, short-lived tickets that let an EventSource
// (which cannot send headers) open a stream without putting the access
// token in the URL.
//
// A ticket is self-contained and signed (HMAC-SHA256 with a key derived
// from the server secret), so any node checks it without a lookup, and a
// forged or damaged one is refused without touching NATS. Single use is
// enforced by creating the ticket's nonce as a key in a JetStream
// key-value bucket: the stream leader refuses a second create, on every
// node. Nothing is read from the bucket, so a lagging replica cannot make
// a good ticket look unknown (the reason the old design retried a miss for
// 0.4 s, even for made-up tickets).
type Tickets struct {
	kv  jetstream.KeyValue
	key []byte
	now func() time.Time
}

// NewTickets creates (or opens) the bucket of used tickets. secret is the
// server's signing secret; the ticket key is derived from it, so every
// node of a cluster (sharing the secret) accepts every node's tickets.
func NewTickets(ctx context.Context, js jetstream.JetStream, replicas int, secret []byte) (*Tickets, error) {
	if len(secret) == 0 {
		return nil, errors.New("ticket bucket: no secret")
	}
	// A used nonce is kept for twice the ticket's life, so that clocks a
	// little apart cannot let a ticket be used again after its key ages out.
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: "sse_tickets", TTL: 2 * TicketTTL, Replicas: replicas, History: 1,
		Description: "nonces of used SSE tickets",
	})
	if err != nil {
		return nil, fmt.Errorf("ticket bucket: %w", err)
	}
	return &Tickets{kv: kv, key: ticketKey(secret), now: time.Now}, nil
}

// ticketKey derives the ticket key from the server secret.
func ticketKey(secret []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("fechatter sse ticket v1"))
	return mac.Sum(nil)
}

// TicketUser returns the user a ticket was issued to when its signature
// (with the key derived from secret) and expiry check out at now, without
// consuming it. It authenticates nothing (a used ticket passes): the
// cluster gateway routes a stream by it to its user's node.
func TicketUser(secret []byte, ticket string, now time.Time) (int64, bool) {
	if len(secret) == 0 {
		return 0, false
	}
	t := &Tickets{key: ticketKey(secret), now: func() time.Time { return now }}
	c, _, ok := t.open(ticket)
	return c.UserID, ok
}

// Issue returns a new ticket for the credential described by c.
func (t *Tickets) Issue(_ context.Context, c TicketClaims) (string, error) {
	if c.UserID <= 0 {
		return "", errors.New("issue ticket: no user")
	}
	b := make([]byte, bodyLen, ticketLen)
	b[0] = ticketVersion
	for i, v := range []int64{c.UserID, c.SessionID, c.IssuedAt.UnixMilli(), c.ExpiresAt.UnixMilli(), t.now().Add(TicketTTL).UnixMilli()} {
		binary.BigEndian.PutUint64(b[1+8*i:], uint64(v))
	}
	if _, err := rand.Read(b[bodyLen-nonceLen:]); err != nil {
		return "", fmt.Errorf("issue ticket: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(append(b, t.sum(b)...)), nil
}

// Redeem consumes a ticket and returns what it stands for. A forged,
// damaged or expired ticket fails at once with ErrBadTicket; a second
// redeem of the same ticket fails with ErrBadTicket on every node. Any
// other error is NATS failing.
func (t *Tickets) Redeem(ctx context.Context, ticket string) (TicketClaims, error) {
	c, nonce, ok := t.open(ticket)
	if !ok {
		return TicketClaims{}, ErrBadTicket
	}
	if _, err := t.kv.Create(ctx, nonce, []byte{1}); err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return TicketClaims{}, ErrBadTicket
		}
		return TicketClaims{}, fmt.Errorf("redeem ticket: %w", err)
	}
	return c, nil
}

// open checks a ticket's form, signature and expiry and returns its claims
// and nonce key.
func (t *Tickets) open(ticket string) (TicketClaims, string, bool) {
	if len(ticket) != base64.RawURLEncoding.EncodedLen(ticketLen) {
		return TicketClaims{}, "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(ticket)
	if err != nil || len(b) != ticketLen || b[0] != ticketVersion {
		return TicketClaims{}, "", false
	}
	if !hmac.Equal(b[bodyLen:], t.sum(b[:bodyLen])) {
		return TicketClaims{}, "", false
	}
	v := func(i int) int64 { return int64(binary.BigEndian.Uint64(b[1+8*i:])) }
	if v(0) <= 0 || t.now().UnixMilli() > v(4) {
		return TicketClaims{}, "", false
	}
	c := TicketClaims{
		UserID: v(0), SessionID: v(1),
		IssuedAt: time.UnixMilli(v(2)).UTC(), ExpiresAt: time.UnixMilli(v(3)).UTC(),
	}
	return c, base64.RawURLEncoding.EncodeToString(b[bodyLen-nonceLen : bodyLen]), true
}

// sum is the truncated HMAC of a ticket body.
func (t *Tickets) sum(body []byte) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write(body)
	return m.Sum(nil)[:macLen]
}
