package events

import (
	"context"
	"testing"
	"time"
)

// TestSetupLeavesUnchangedConsumersAlone: a consumer set up again with the
// same options matches what the server reports (so setup sends no update,
// which would rewrite and fsync its state), and set up with other options
// gets them.
func TestSetupLeavesUnchangedConsumersAlone(t *testing.T) {
	_, js := startJS(t)
	ctx := context.Background()
	nothing := func(context.Context, Envelope) error { return nil }
	for _, opt := range []ConsumerOptions{
		{Durable: "plain"},
		{Durable: "filtered", FilterSubjects: []string{"fc.ws.*.chat.*.message.>"}, DeliverNew: true, Replicas: 1},
		{Durable: "many", FilterSubjects: []string{"fc.ws.*.chat.*.message.>", "fc.ws.*.member.>"}, MaxBatch: 1000},
	} {
		first := NewConsumer(js, opt, nothing)
		if err := first.setup(ctx); err != nil {
			t.Fatal(err)
		}
		again := NewConsumer(js, opt, nothing)
		want := again.config()
		if have := first.cons.CachedInfo().Config; !sameConsumer(have, want) {
			t.Errorf("%s: the server's config %+v does not match setup's %+v", opt.Durable, have, want)
		}
		done, err := js.Stream(ctx, doneStream(opt.Durable))
		if err != nil {
			t.Fatal(err)
		}
		if have := done.CachedInfo().Config; !sameStream(have, again.completionConfig()) {
			t.Errorf("%s: completion stream %+v does not match %+v", opt.Durable, have, again.completionConfig())
		}
		dlq, err := js.Stream(ctx, DeadLetterStream)
		if err != nil {
			t.Fatal(err)
		}
		if have := dlq.CachedInfo().Config; !sameStream(have, again.deadLetterConfig()) {
			t.Errorf("dead-letter stream %+v does not match %+v", have, again.deadLetterConfig())
		}
	}

	changed := NewConsumer(js, ConsumerOptions{Durable: "plain", MaxDeliver: 7, Backoff: []time.Duration{2 * time.Second}}, nothing)
	if err := changed.setup(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := changed.cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.MaxDeliver != 7 || info.Config.AckWait != 2*time.Second {
		t.Fatalf("changed options not applied: MaxDeliver %d, AckWait %s", info.Config.MaxDeliver, info.Config.AckWait)
	}
}
