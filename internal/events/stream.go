package events

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamOptions size the EVENTS stream.
type StreamOptions struct {
	// MaxAge is the replay horizon. Default: 7 days.
	MaxAge time.Duration
	// Replicas is 1 on a single node and 3 in a cluster. Default: 1.
	Replicas int
	// DuplicateWindow is how long Nats-Msg-Id deduplicates. Default: 2 minutes.
	DuplicateWindow time.Duration
	// FirstSeq is the sequence a new stream starts at; an existing
	// stream keeps its own. Default: 1.
	FirstSeq uint64
}

// EnsureStream creates or updates the EVENTS stream.
func EnsureStream(ctx context.Context, js jetstream.JetStream, o StreamOptions) (jetstream.Stream, error) {
	if o.MaxAge == 0 {
		o.MaxAge = 7 * 24 * time.Hour
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.DuplicateWindow == 0 {
		o.DuplicateWindow = 2 * time.Minute
	}
	cfg := jetstream.StreamConfig{
		Name:        StreamName,
		Description: "Fechatter events, relayed from the database outbox",
		Subjects:    []string{SubjectPrefix + ".>"},
		Retention:   jetstream.LimitsPolicy,
		Storage:     jetstream.FileStorage,
		Discard:     jetstream.DiscardOld,
		MaxAge:      o.MaxAge,
		Replicas:    o.Replicas,
		Duplicates:  o.DuplicateWindow,
		FirstSeq:    o.FirstSeq,
	}
	// An update must not change where the stream started.
	if old, err := js.Stream(ctx, StreamName); err == nil {
		cfg.FirstSeq = old.CachedInfo().Config.FirstSeq
	} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, fmt.Errorf("ensure stream %s: %w", StreamName, err)
	}
	st, err := js.CreateOrUpdateStream(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("ensure stream %s: %w", StreamName, err)
	}
	return st, nil
}
