package appliance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/embedded/natsd"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/realtime"
)

// replicas is the replica count of streams, consumers and buckets: 3 in a
// cluster, 1 on a single node.
func (c Config) replicas() int {
	if len(c.Cluster.Routes) > 0 {
		return 3
	}
	return 1
}

// natsComponent runs the embedded NATS server and the process's connection to it.
func (a *Appliance) natsComponent() Component {
	return Component{
		Name: "nats",
		Start: func(ctx context.Context) error {
			srv, err := natsd.New(a.natsConfig())
			if err != nil {
				return err
			}
			if err := srv.Start(ctx); err != nil {
				return err
			}
			nc, err := srv.Connect(nats.ReconnectBufSize(64 << 20))
			if err != nil {
				return errors.Join(err, srv.Stop(ctx))
			}
			js, err := jetstream.New(nc)
			if err != nil {
				nc.Close()
				return errors.Join(err, srv.Stop(ctx))
			}
			a.nats, a.nc, a.js = srv, nc, js
			return nil
		},
		Stop: func(ctx context.Context) error {
			a.nc.Close()
			return a.nats.Stop(ctx)
		},
		Ready: func(ctx context.Context) error {
			if err := a.nats.Ready(ctx); err != nil {
				return err
			}
			if !a.nc.IsConnected() {
				return errors.New("nats connection is down")
			}
			return nil
		},
	}
}

func (a *Appliance) natsConfig() natsd.Config {
	c := a.cfg
	name := c.Cluster.NodeName
	if name == "" {
		name, _ = os.Hostname()
	}
	cfg := natsd.Config{
		StoreDir: layoutOf(c.DataDir).NATS, ServerName: name,
		MaxMemory: c.NATS.MaxMemory, MaxStore: c.NATS.MaxStore, SyncAlways: c.NATS.SyncAlways,
		Listen: c.NATS.Listen, User: c.NATS.User, Password: c.NATS.Password,
		ReadyTimeout: 30 * time.Second, Log: a.log.With("component", "nats"),
	}
	if len(c.Cluster.Routes) > 0 {
		cfg.Cluster = natsd.ClusterConfig{
			Name: c.Cluster.Name, Listen: c.Cluster.Listen, Routes: c.Cluster.Routes,
			User: c.Cluster.User, Password: c.Cluster.Password,
		}
	}
	return cfg
}

// eventsComponent ensures the EVENTS stream and runs the outbox relay
// (which also prunes published rows past the replay horizon).
func (a *Appliance) eventsComponent() Component {
	return Component{
		Name: "events",
		Start: func(ctx context.Context) error {
			if err := a.ensureStream(ctx); err != nil {
				return err
			}
			// Published outbox rows are kept as long as the stream keeps
			// their events, no longer: past it they serve no replay and
			// would only keep text that may have been edited or deleted.
			opt := events.RelayOptions{Log: a.log.With("component", "outbox"), Retention: a.cfg.NATS.ReplayHorizon}
			if a.cfg.replicas() > 1 {
				opt.Window = 1 // keeps commit order across leader changes
			}
			a.relay = events.NewRelay(a.store, a.js, opt)
			if err := a.relay.Start(ctx); err != nil {
				return err
			}
			a.notifier.set(a.relay.Notify)
			return nil
		},
		Stop: func(ctx context.Context) error {
			a.notifier.set(nil)
			return a.relay.Stop(ctx)
		},
		Ready: func(ctx context.Context) error {
			if msg := a.relay.LastError(); msg != "" {
				return fmt.Errorf("outbox relay: %s", msg)
			}
			return nil
		},
	}
}

// ensureStream creates the stream, retrying while a cluster elects its
// leaders (a lone first node waits for its peers here).
func (a *Appliance) ensureStream(ctx context.Context) error {
	opts := events.StreamOptions{MaxAge: a.cfg.NATS.ReplayHorizon, Replicas: a.cfg.replicas()}
	first, err := a.newStreamFirstSeq(ctx)
	if err != nil {
		return err
	}
	opts.FirstSeq = first
	return a.whileForming(ctx, "the event stream", func(ctx context.Context) error {
		_, err := events.EnsureStream(ctx, a.js, opts)
		return err
	})
}

// newStreamFirstSeq is where the event stream starts if it has to be made
// while the database already has users: after a restore, or once nats/ was
// deleted. Clients still hold sequences of the lost stream; a new one
// counting from 1 would, once past them, replay its events to them as if
// they were the ones they missed. Starting at the clock in microseconds
// puts it past any sequence handed out before (a stream gets far fewer
// than one event per microsecond), so those clients get resync. A new
// install starts at 1.
func (a *Appliance) newStreamFirstSeq(ctx context.Context) (uint64, error) {
	n, err := a.store.CountUsers(ctx)
	if err != nil {
		return 0, fmt.Errorf("event stream: count users: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	return uint64(time.Now().UnixMicro()), nil
}

// whileForming runs step (each try bounded to 5s) until it succeeds, ctx
// ends or two minutes pass. A cluster that is forming elects a leader for
// every new stream, bucket and consumer, and while its first nodes start
// one election can outlast a JetStream API timeout.
func (a *Appliance) whileForming(ctx context.Context, what string, step func(context.Context) error) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := step(actx)
		cancel()
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		a.log.Info("waiting for "+what+" (cluster forming?)", "error", err)
		time.Sleep(500 * time.Millisecond)
	}
}

// realtimeComponent runs the SSE hub and the ticket bucket.
func (a *Appliance) realtimeComponent() Component {
	return Component{
		Name: "realtime",
		Start: func(ctx context.Context) error {
			var tickets *realtime.Tickets
			err := a.whileForming(ctx, "the ticket bucket", func(ctx context.Context) (err error) {
				tickets, err = realtime.NewTickets(ctx, a.js, a.cfg.replicas(), a.signingKey)
				return err
			})
			if err != nil {
				return err
			}
			nodeID := a.natsConfig().ServerName + "-" + randomSuffix()
			var hub *realtime.Hub
			err = a.whileForming(ctx, "the live event feed", func(ctx context.Context) error {
				// A hub whose Start failed holds nothing; the next try uses a new one.
				hub = realtime.NewHub(a.nc, a.js, chat.NewAudience(a.store), realtime.Options{
					NodeID: nodeID, Log: a.log.With("component", "realtime"),
				})
				return hub.Start(ctx)
			})
			if err != nil {
				return err
			}
			a.hub, a.tickets = hub, tickets
			return nil
		},
		Stop: func(ctx context.Context) error { return a.hub.Stop(ctx) },
	}
}
