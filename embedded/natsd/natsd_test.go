package natsd

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/internal/testproc"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := testproc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

func start(t *testing.T, cfg Config) *Server {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no store dir", Config{}, "store dir"},
		{"listener without credentials", Config{StoreDir: "x", Listen: "127.0.0.1:4222"}, "user and password"},
		{"cluster without name", Config{StoreDir: "x", Cluster: ClusterConfig{Listen: "127.0.0.1:6222", User: "u", Password: "p"}}, "cluster name"},
		{"cluster without credentials", Config{StoreDir: "x", Cluster: ClusterConfig{Name: "c", Listen: "127.0.0.1:6222"}}, "route credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New() error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestSingleNodePersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	s := start(t, Config{StoreDir: dir, SyncAlways: true})
	if opts, _ := s.Options(); !opts.DontListen || !opts.SyncAlways || !opts.NoSigs {
		t.Fatalf("options: DontListen=%v SyncAlways=%v NoSigs=%v, want all true", opts.DontListen, opts.SyncAlways, opts.NoSigs)
	}
	publish(t, s, 3)
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(context.Background()); err == nil {
		t.Fatal("Ready() = nil after Stop")
	}
	s2 := start(t, Config{StoreDir: dir, SyncAlways: true})
	nc, err := s2.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	st, err := js.Stream(context.Background(), "T")
	if err != nil {
		t.Fatal(err)
	}
	if n := st.CachedInfo().State.Msgs; n != 3 {
		t.Fatalf("messages after restart = %d, want 3", n)
	}
}

func publish(t *testing.T, s *Server, n int) {
	t.Helper()
	ctx := context.Background()
	nc, err := s.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if _, err := js.Publish(ctx, "t.x", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestListenerRequiresCredentials(t *testing.T) {
	addr := freeAddr(t)
	start(t, Config{StoreDir: t.TempDir(), Listen: addr, User: "worker", Password: "s3cret-pass"})
	if nc, err := nats.Connect("nats://"+addr, nats.Timeout(2*time.Second), nats.NoReconnect()); err == nil {
		nc.Close()
		t.Fatal("connect without credentials succeeded")
	}
	nc, err := nats.Connect("nats://"+addr, nats.UserInfo("worker", "s3cret-pass"), nats.Timeout(2*time.Second))
	if err != nil {
		t.Fatalf("connect with credentials: %v", err)
	}
	nc.Close()
}

func TestClusterOfThreeReplicates(t *testing.T) {
	routes := []string{freeAddr(t), freeAddr(t), freeAddr(t)}
	var nodes []*Server
	for i := range routes {
		s, err := New(Config{
			StoreDir: t.TempDir(), ServerName: fmt.Sprintf("n%d", i), ReadyTimeout: 20 * time.Second,
			Cluster: ClusterConfig{Name: "fc", Listen: routes[i], Routes: routes, User: "route", Password: "route-pass"},
		})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, s)
	}
	errs := make(chan error, len(nodes))
	for _, s := range nodes {
		go func(s *Server) { errs <- s.Start(context.Background()) }(s)
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range nodes {
		t.Cleanup(func() { _ = s.Stop(context.Background()) })
	}
	nc, err := nodes[0].Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	var info *jetstream.StreamInfo
	testproc.Eventually(t, 30*time.Second, func() error { // the cluster elects its meta leader first
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: "R", Subjects: []string{"r.>"}, Replicas: 3})
		if err != nil {
			return fmt.Errorf("create R3 stream: %w", err)
		}
		info = st.CachedInfo()
		return nil
	})
	if info.Config.Replicas != 3 {
		t.Fatalf("replicas = %d, want 3", info.Config.Replicas)
	}
	// A message published through node 0 is readable through node 2.
	if _, err := js.Publish(context.Background(), "r.x", []byte("hi")); err != nil {
		t.Fatal(err)
	}
	nc2, err := nodes[2].Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc2.Close()
	js2, _ := jetstream.New(nc2)
	testproc.Eventually(t, 10*time.Second, func() error {
		st, err := js2.Stream(context.Background(), "R")
		if err != nil {
			return fmt.Errorf("message not visible on node 2: %w", err)
		}
		if n := st.CachedInfo().State.Msgs; n != 1 {
			return fmt.Errorf("node 2 has %d messages, want 1", n)
		}
		return nil
	})
}
