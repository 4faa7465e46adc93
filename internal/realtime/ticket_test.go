package realtime

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/embedded/natsd"
)

var testSecret = []byte("realtime-test-secret-0123456789abcdef")

// newTickets returns tickets over a fresh in-process JetStream.
func newTickets(t testing.TB) *Tickets {
	t.Helper()
	ns, err := natsd.New(natsd.Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := ns.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ns.Stop(context.Background()) })
	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := NewTickets(context.Background(), js, 1, testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestTicketIsSingleUseAndExpires(t *testing.T) {
	tk := newTickets(t)
	ctx := context.Background()
	want := TicketClaims{UserID: 7, SessionID: 3, IssuedAt: time.UnixMilli(1_700_000_000_123).UTC(), ExpiresAt: time.UnixMilli(1_700_000_900_000).UTC()}
	ticket, err := tk.Issue(ctx, want)
	if err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := tk.Redeem(ctx, ticket)
			if err == nil && got == want {
				ok.Add(1)
			} else if err != nil && !errors.Is(err, ErrBadTicket) {
				t.Errorf("redeem: %v, want ErrBadTicket", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d redeems succeeded with the claims, want exactly 1", ok.Load())
	}
	old, _ := tk.Issue(ctx, want)
	tk.now = func() time.Time { return time.Now().Add(TicketTTL + time.Second) }
	if _, err := tk.Redeem(ctx, old); !errors.Is(err, ErrBadTicket) {
		t.Fatalf("an expired ticket: %v, want ErrBadTicket", err)
	}
}

// A ticket that was not made by a node holding the secret, or was changed,
// is refused; so is one made with another secret.
func TestForgedTicketIsRefused(t *testing.T) {
	tk := newTickets(t)
	ctx := context.Background()
	good, err := tk.Issue(ctx, TicketClaims{UserID: 7, SessionID: 3})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	flipped := append([]byte(nil), raw...)
	flipped[1+7] ^= 1 // user 7 becomes user 6
	otherKey := &Tickets{kv: tk.kv, key: []byte("another key"), now: time.Now}
	foreign, _ := otherKey.Issue(ctx, TicketClaims{UserID: 7})
	for name, bad := range map[string]string{
		"empty":          "",
		"short":          "short",
		"old format":     strings.Repeat("A", 32),
		"one more char":  good + "x",
		"not base64":     strings.Repeat("!", len(good)),
		"changed user":   base64.RawURLEncoding.EncodeToString(flipped),
		"another secret": foreign,
	} {
		if _, err := tk.Redeem(ctx, bad); !errors.Is(err, ErrBadTicket) {
			t.Errorf("%s: %v, want ErrBadTicket", name, err)
		}
	}
	if _, err := tk.Redeem(ctx, good); err != nil {
		t.Fatalf("the good ticket after the forged ones: %v", err)
	}
}

// BenchmarkRedeemInvalidTicket measures how long a made-up ticket takes to
// be refused (it used to be looked up 5 times, 100 ms apart: about 0.4 s).
// It prints the time per refusal; it asserts nothing about it.
func BenchmarkRedeemInvalidTicket(b *testing.B) {
	tk := newTickets(b)
	good, _ := tk.Issue(context.Background(), TicketClaims{UserID: 1})
	for _, tc := range []struct{ name, ticket string }{
		{"made-up", strings.Repeat("A", 32)},
		{"well-formed-forged", good[:len(good)-2] + "AA"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				if _, err := tk.Redeem(context.Background(), tc.ticket); !errors.Is(err, ErrBadTicket) {
					b.Fatalf("redeem: %v", err)
				}
			}
			b.Logf("an invalid ticket is refused in %v", time.Since(start)/time.Duration(b.N))
		})
	}
}

// TicketUser reads a ticket's user for routing without consuming it, and
// only from a ticket signed with the secret that has not expired.
func TestTicketUser(t *testing.T) {
	tk := &Tickets{key: ticketKey(testSecret), now: time.Now}
	good, err := tk.Issue(context.Background(), TicketClaims{UserID: 9, SessionID: 1})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for range 2 { // not consumed
		if u, ok := TicketUser(testSecret, good, now); !ok || u != 9 {
			t.Fatalf("TicketUser = %d, %v; want 9, true", u, ok)
		}
	}
	for name, tc := range map[string]struct {
		secret []byte
		ticket string
		at     time.Time
	}{
		"another secret": {[]byte("another secret, also long enough"), good, now},
		"no secret":      {nil, good, now},
		"expired":        {testSecret, good, now.Add(TicketTTL + time.Second)},
		"garbage":        {testSecret, "garbage", now},
	} {
		if u, ok := TicketUser(tc.secret, tc.ticket, tc.at); ok {
			t.Errorf("%s: TicketUser = %d, true; want false", name, u)
		}
	}
}
