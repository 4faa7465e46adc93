package realtime

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// TicketTTL is how long an SSE ticket may wait for its one use.
const TicketTTL = 30 * time.Second

// ErrBadTicket means the ticket is unknown, used or expired.
var ErrBadTicket = errors.New("ticket is invalid, used or expired")

// Tickets issues single-use, short-lived tickets that let an EventSource
// (which cannot send headers) open a stream without putting the access
// token in the URL. They live in a JetStream key-value bucket, so a ticket
// issued by one node is accepted by any other.
type Tickets struct {
	kv  jetstream.KeyValue
	now func() time.Time
}

// NewTickets creates (or opens) the ticket bucket.
func NewTickets(ctx context.Context, js jetstream.JetStream, replicas int) (*Tickets, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: "sse_tickets", TTL: TicketTTL, Replicas: replicas, History: 1,
		Description: "single-use SSE tickets",
	})
	if err != nil {
		return nil, fmt.Errorf("ticket bucket: %w", err)
	}
	return &Tickets{kv: kv, now: time.Now}, nil
}

// Issue returns a new ticket for userID.
func (t *Tickets) Issue(ctx context.Context, userID int64) (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	ticket := base64.RawURLEncoding.EncodeToString(b)
	val := strconv.FormatInt(userID, 10) + ":" + strconv.FormatInt(t.now().Add(TicketTTL).UnixMilli(), 10)
	if _, err := t.kv.Create(ctx, ticket, []byte(val)); err != nil {
		return "", fmt.Errorf("store ticket: %w", err)
	}
	return ticket, nil
}

// Redeem consumes a ticket and returns its user. A second redeem of the
// same ticket fails, on every node.
func (t *Tickets) Redeem(ctx context.Context, ticket string) (int64, error) {
	if len(ticket) != 32 {
		return 0, ErrBadTicket
	}
	entry, err := t.lookup(ctx, ticket)
	if err != nil {
		return 0, ErrBadTicket
	}
	// Deleting with the revision we read makes the redeem atomic.
	if err := t.kv.Delete(ctx, ticket, jetstream.LastRevision(entry.Revision())); err != nil {
		return 0, ErrBadTicket
	}
	var uid, expMs int64
	if _, err := fmt.Sscanf(string(entry.Value()), "%d:%d", &uid, &expMs); err != nil || uid <= 0 {
		return 0, ErrBadTicket
	}
	if t.now().UnixMilli() > expMs {
		return 0, ErrBadTicket
	}
	return uid, nil
}

// lookupTries and lookupWait bound how long a ticket that is not found is
// looked for again. In a cluster a key-value read is served by any replica
// (direct get), and the one that answers may not have the ticket another
// node stored a moment ago; the write is acknowledged by a quorum, so the
// lagging replica catches up within milliseconds.
const (
	lookupTries = 5
	lookupWait  = 100 * time.Millisecond
)

func (t *Tickets) lookup(ctx context.Context, ticket string) (jetstream.KeyValueEntry, error) {
	for i := 1; ; i++ {
		entry, err := t.kv.Get(ctx, ticket)
		if err == nil || !errors.Is(err, jetstream.ErrKeyNotFound) || i == lookupTries {
			return entry, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(lookupWait):
		}
	}
}
