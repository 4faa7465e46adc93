package natstest

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/embedded/natsd"
)

func TestStartGivesAWorkingJetStream(t *testing.T) {
	s := Start(t, natsd.Config{})
	ctx := context.Background()
	if err := s.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
		t.Fatal(err)
	}
	ack, err := s.JS.Publish(ctx, "t.x", []byte("hi"))
	if err != nil || ack.Sequence != 1 {
		t.Fatalf("publish = %+v, %v", ack, err)
	}
}
