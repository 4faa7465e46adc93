// Package perf holds the performance benchmarks of issue "Chats and
// messages": a real appliance started in this process (so -cpuprofile sees
// the server too) on a temp-dir SQLite or a throwaway Postgres, driven over
// HTTP on loopback with the public Go client. Each benchmark reports p50
// and p99 in milliseconds and the throughput; docs/benchmarks.md records
// the results and how to run them.
package perf

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/appliance"
	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// Sizes of the fixture, as the issue states them.
const (
	sendChats      = 16   // one chat per concurrent sender
	historyLen     = 1000 // messages in the chat whose latest 50 are listed
	readerChats    = 200  // chats of the user whose chat list is read
	messagesInRoom = 3    // messages in each of those chats
)

// engine is a storage engine to run the benchmarks on.
type engine struct {
	name  string
	dbURL func(b *testing.B) string
}

var engines = []engine{
	{"sqlite", func(*testing.B) string { return "" }},
	// pgtest's throwaway cluster runs with fsync=off and
	// synchronous_commit=off in /dev/shm: fast, not durable.
	{"postgres-pgtest", func(b *testing.B) string { return pgtest.URL(b) }},
	// A server of one's choice, e.g. a default (durable) cluster on disk.
	{"postgres-durable", durableURL},
}

// durableEnv names the admin URL of a Postgres server to create the
// durable engine's database on; without it that engine is skipped.
const durableEnv = "FECHATTER_PERF_POSTGRES_URL"

// durableURL creates a fresh database on the server of $FECHATTER_PERF_POSTGRES_URL
// and drops it when b ends.
func durableURL(b *testing.B) string {
	admin := os.Getenv(durableEnv)
	if admin == "" {
		b.Skipf("%s not set", durableEnv)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		b.Fatalf("connect %s: %v", durableEnv, err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("fechatter_perf_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		b.Fatalf("create database: %v", err)
	}
	b.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			b.Logf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			b.Logf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// fixture is a running appliance with a workspace ready for the benchmarks.
type fixture struct {
	url      string
	hc       *http.Client
	ws       int64
	reader   *client.Client   // a member of readerChats chats, some unread
	senders  []*client.Client // sender i owns sendChat[i]
	sendIDs  []int64          // user ids of the senders
	sendChat []int64
	history  int64 // a chat with historyLen messages
}

// perfSetupToken is the setup token of the appliance under test.
const perfSetupToken = "perf-test-setup-token"

// startAppliance runs a whole node in this process on a free loopback port.
func startAppliance(b *testing.B, dbURL string) string {
	b.Helper()
	dir := b.TempDir()
	cfg := appliance.Default()
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Database.URL = dbURL
	cfg.SetupToken = perfSetupToken
	cfg.Auth.SignupsPerHour = 0 // the fixture signs many people up from one address
	// Load from one address at thousands of requests a second: no rate
	// limits. FECHATTER_PERF_LIMITS=on measures their cost: every check
	// runs, with budgets no run can spend.
	cfg.Limits.Enabled = os.Getenv("FECHATTER_PERF_LIMITS") == "on"
	for _, b := range []*appliance.Budget{&cfg.Limits.Writes, &cfg.Limits.Reads, &cfg.Limits.Search, &cfg.Limits.Events} {
		b.PerUser, b.PerIP = 1<<40, 1<<40
	}
	cfg.Limits.Auth.PerIP = 1 << 40
	// FECHATTER_PERF_TRACING=<ratio> measures tracing: spans sampled at
	// that ratio, exported over OTLP/HTTP to a sink in this process that
	// reads and discards them.
	if ratio := os.Getenv("FECHATTER_PERF_TRACING"); ratio != "" {
		cfg.Telemetry.Tracing.Endpoint = otlpSink(b)
		if _, err := fmt.Sscan(ratio, &cfg.Telemetry.Tracing.SampleRatio); err != nil {
			b.Fatalf("FECHATTER_PERF_TRACING=%q: %v", ratio, err)
		}
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { logFile.Close() })
	// The access log is written as in production (JSON, info), to a file.
	a, err := appliance.New(cfg, appliance.NewLogger(logFile, appliance.LogConfig{Format: "json", Level: "info"}), appliance.BuildInfo{})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		b.Fatalf("start appliance: %v", err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			b.Errorf("stop appliance: %v", err)
		}
	})
	return "http://" + a.Addr()
}

// otlpSink is an OTLP/HTTP endpoint that accepts and discards spans.
func otlpSink(b *testing.B) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

// newFixture starts an appliance and fills it: an admin (the reader, in
// readerChats chats with unread messages), sendChats senders each with a
// chat of three, and a chat with historyLen messages.
func newFixture(b *testing.B, dbURL string) *fixture {
	b.Helper()
	start := time.Now()
	fx := &fixture{url: startAppliance(b, dbURL)}
	fx.hc = &http.Client{Transport: &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128, DisableCompression: true}}
	b.Cleanup(fx.hc.CloseIdleConnections)
	ctx := context.Background()
	fx.reader = fx.client()
	if _, err := fx.reader.Setup(ctx, client.SetupInput{Email: "reader@perf.test", Password: "perf-password-1",
		Username: "reader", DisplayName: "Reader", WorkspaceName: "perf", SetupToken: perfSetupToken}); err != nil {
		b.Fatalf("setup: %v", err)
	}
	wss, err := fx.reader.Workspaces(ctx)
	if err != nil || len(wss) == 0 {
		b.Fatalf("workspaces: %v", err)
	}
	fx.ws = wss[0].ID
	fx.signUpSenders(b)
	fx.createSendChats(b)
	fx.fillHistory(b)
	fx.fillReaderChats(b)
	b.Logf("fixture ready in %v", time.Since(start).Round(time.Millisecond))
	return fx
}

func (fx *fixture) client() *client.Client {
	return client.New(fx.url, client.WithHTTPClient(fx.hc), client.WithUserAgent("fechatter-perf"))
}

func (fx *fixture) signUpSenders(b *testing.B) {
	ctx := context.Background()
	inv, err := fx.reader.CreateInvite(ctx, fx.ws, client.InviteOptions{MaxUses: sendChats})
	if err != nil {
		b.Fatalf("invite: %v", err)
	}
	fx.senders = make([]*client.Client, sendChats)
	ids := make([]int64, sendChats)
	each(b, sendChats, 4, func(i int) error {
		c := fx.client()
		s, err := c.SignUp(ctx, client.SignUpInput{Email: fmt.Sprintf("s%d@perf.test", i), Password: "perf-password-1",
			Username: fmt.Sprintf("sender%d", i), DisplayName: fmt.Sprintf("Sender %d", i), InviteCode: inv.Code})
		fx.senders[i], ids[i] = c, s.User.ID
		return err
	})
	fx.sendIDs = ids
}

// createSendChats gives sender i a private channel with the next two senders.
func (fx *fixture) createSendChats(b *testing.B) {
	ctx := context.Background()
	fx.sendChat = make([]int64, sendChats)
	each(b, sendChats, 4, func(i int) error {
		others := []int64{fx.sendIDs[(i+1)%sendChats], fx.sendIDs[(i+2)%sendChats]}
		chat, _, err := fx.senders[i].CreateChat(ctx, fx.ws, client.CreateChatInput{
			Type: model.ChatPrivateChannel, Name: fmt.Sprintf("send-%d", i), MemberIDs: others})
		fx.sendChat[i] = chat.ID
		return err
	})
}

// fillHistory creates a chat of four senders and posts historyLen messages.
func (fx *fixture) fillHistory(b *testing.B) {
	ctx := context.Background()
	chat, _, err := fx.senders[0].CreateChat(ctx, fx.ws, client.CreateChatInput{
		Type: model.ChatPrivateChannel, Name: "history", MemberIDs: fx.sendIDs[1:4]})
	if err != nil {
		b.Fatalf("create history chat: %v", err)
	}
	fx.history = chat.ID
	each(b, historyLen, 8, func(i int) error {
		_, _, err := fx.senders[i%4].SendMessage(ctx, chat.ID, client.SendMessageInput{
			Content: sampleContent(i), ClientID: fmt.Sprintf("h-%d", i)})
		return err
	})
}

// fillReaderChats puts the reader in readerChats chats, each with
// messagesInRoom messages from sender 0; the reader has read every other chat.
func (fx *fixture) fillReaderChats(b *testing.B) {
	ctx := context.Background()
	each(b, readerChats, 8, func(i int) error {
		chat, _, err := fx.reader.CreateChat(ctx, fx.ws, client.CreateChatInput{
			Type: model.ChatPrivateChannel, Name: fmt.Sprintf("room-%d", i), MemberIDs: fx.sendIDs[:1]})
		if err != nil {
			return err
		}
		var last int64
		for j := range messagesInRoom {
			m, _, err := fx.senders[0].SendMessage(ctx, chat.ID, client.SendMessageInput{
				Content: sampleContent(i*messagesInRoom + j), ClientID: fmt.Sprintf("r-%d-%d", i, j)})
			if err != nil {
				return err
			}
			last = m.Seq
		}
		if i%2 == 0 {
			return fx.reader.MarkRead(ctx, chat.ID, last)
		}
		return nil
	})
}

// sampleContent is a message of ordinary length (about 100 characters).
func sampleContent(i int) string {
	return fmt.Sprintf("message %d: the deploy went fine, the dashboards look normal and @reader can close the ticket now", i)
}

// each runs fn(0..n-1) on workers goroutines and fails b on the first error.
func each(b *testing.B, n, workers int, fn func(i int) error) {
	b.Helper()
	var mu sync.Mutex
	var first error
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("item %d: %w", i, err)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if first != nil {
		b.Fatal(first)
	}
}
