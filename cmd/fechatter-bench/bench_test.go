package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/testproc"
)

// TestRunAgainstSpawnedServer builds the real fechatter binary, lets the
// generator spawn it, and runs a few seconds of load: every message must
// reach every member's stream exactly once. It asserts behaviour, never
// timing.
func TestRunAgainstSpawnedServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	bin := testproc.Binary(t)
	o, err := parseFlags([]string{
		"--spawn", "--server-bin", bin, "--users", "20", "--chats", "5", "--senders", "2",
		"--rate", "40", "--duration", "3s", "--grace", "20s",
	}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var log strings.Builder
	rep, err := run(ctx, o, &log)
	if err != nil {
		t.Fatalf("run: %v\nlog:\n%s", err, log.String())
	}
	var table strings.Builder
	rep.writeTable(&table)
	t.Log("\n" + table.String())
	if rep.Sent == 0 || rep.SendErrors != 0 {
		t.Errorf("sent %d with %d errors, want some and none", rep.Sent, rep.SendErrors)
	}
	if rep.Expected != rep.Sent*4 {
		t.Errorf("expected deliveries = %d, want sent x 4 members = %d", rep.Expected, rep.Sent*4)
	}
	if rep.Lost != 0 || rep.Duplicated != 0 {
		t.Errorf("lost %d, duplicated %d; want 0 and 0", rep.Lost, rep.Duplicated)
	}
	if rep.Delivered != rep.Expected {
		t.Errorf("delivered %d of %d", rep.Delivered, rep.Expected)
	}
	if rep.ConnectionsPeak != 20 {
		t.Errorf("peak connections = %d, want 20", rep.ConnectionsPeak)
	}
	if rep.Foreign != 0 {
		t.Errorf("%d message.created events matched no send of this run", rep.Foreign)
	}
}

// TestModesAgainstSpawnedServer runs the closed-loop and delivery modes
// briefly against a spawned server: every acknowledged message reaches every
// member once, and the delivery mode records one "last member" sample per
// message (it waits for each before sending the next).
func TestModesAgainstSpawnedServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	bin := testproc.Binary(t)
	for _, args := range [][]string{
		{"--mode", "closed", "--users", "5", "--chats", "1", "--senders", "4"},
		{"--mode", "delivery", "--users", "6", "--chats", "1", "--senders", "1"},
	} {
		t.Run(args[1], func(t *testing.T) {
			o, err := parseFlags(append([]string{"--spawn", "--server-bin", bin, "--duration", "2s", "--grace", "20s"}, args...), &strings.Builder{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			var log strings.Builder
			rep, err := run(ctx, o, &log)
			if err != nil {
				t.Fatalf("run: %v\nlog:\n%s", err, log.String())
			}
			var table strings.Builder
			rep.writeTable(&table)
			t.Log("\n" + table.String())
			members := int64(o.Recipients)
			if rep.Sent == 0 || rep.SendErrors != 0 || rep.Lost != 0 || rep.Duplicated != 0 || rep.Foreign != 0 {
				t.Errorf("sent %d, errors %d, lost %d, duplicated %d, foreign %d", rep.Sent, rep.SendErrors, rep.Lost, rep.Duplicated, rep.Foreign)
			}
			if rep.Delivered != rep.Sent*members {
				t.Errorf("delivered %d, want sent x %d members = %d", rep.Delivered, members, rep.Sent*members)
			}
			if o.Mode == modeDelivery && rep.DeliverLast.Count != uint64(rep.Sent) {
				t.Errorf("last-member samples = %d, want one per message (%d)", rep.DeliverLast.Count, rep.Sent)
			}
		})
	}
}
