// Package tracing runs the built binary against a real trace collector
// (Jaeger, built from tools/jaeger) and reads its logs: one trace from a
// POST to its deliveries, log lines correlated by request and trace ids
// without tokens, and the run-time log level.
package tracing

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	jaegerInst.stop()
	os.Exit(code)
}

// deadline bounds each poll: an asynchronous step that has not happened by
// then is lost. Not a timing assertion.
const deadline = 60 * time.Second

const password = "tracing suite passphrase 7"

// engines are the storage engines every test runs on.
var engines = []struct {
	name  string
	dbURL func(t *testing.T) string
}{
	{"sqlite", func(*testing.T) string { return "" }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

// world is a running server exporting traces to Jaeger, its admin and a
// public channel.
type world struct {
	srv     *testproc.Server
	admin   *client.Client
	session client.Session
	wsID    int64
	chat    model.ChatSummary
	service string
}

// start runs the binary with tracing on (sampler 1.0) towards the OTLP/HTTP
// endpoint otlp (host:port), sets it up and opens a channel.
func start(t *testing.T, dbURL, service, otlp string, env ...string) *world {
	t.Helper()
	ctx := context.Background()
	env = append([]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + otlp,
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_SERVICE_NAME=" + service,
		"OTEL_TRACES_SAMPLER=parentbased_traceidratio",
		"OTEL_TRACES_SAMPLER_ARG=1.0",
		"OTEL_BSP_SCHEDULE_DELAY=100",
		"FECHATTER_LOG__FORMAT=json",
	}, env...)
	srv := testproc.New(t, testproc.Config{DBURL: dbURL, Env: env})
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	w := &world{srv: srv, service: service, admin: client.New(srv.URL())}
	var err error
	w.session, err = w.admin.Setup(ctx, client.SetupInput{
		Email: "admin@example.com", Password: password, Username: "admin", DisplayName: "Admin",
		WorkspaceName: "Acme", SetupToken: testproc.SetupToken,
	})
	must(t, err)
	wss, err := w.admin.Workspaces(ctx)
	must(t, err)
	w.wsID = wss[0].ID
	w.chat, _, err = w.admin.CreateChat(ctx, w.wsID, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "hall"})
	must(t, err)
	return w
}

// otlpSink is an OTLP/HTTP endpoint that accepts and discards spans, for
// the tests that need tracing on but read only the logs; its host:port.
func otlpSink(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// newTraceParent returns a sampled W3C traceparent and its trace id.
func newTraceParent() (traceparent, traceID string) {
	var b [24]byte
	_, _ = rand.Read(b[:])
	traceID = hex.EncodeToString(b[:16])
	return "00-" + traceID + "-" + hex.EncodeToString(b[16:]) + "-01", traceID
}

// post sends a JSON request as the admin with extra headers and returns
// the status and body.
func (w *world) post(t *testing.T, method, path string, body any, header map[string]string) (int, []byte) {
	t.Helper()
	var b []byte
	if body != nil {
		var err error
		b, err = json.Marshal(body)
		must(t, err)
	}
	req, err := http.NewRequest(method, w.srv.URL()+path, bytes.NewReader(b))
	must(t, err)
	access, _ := w.admin.Tokens()
	req.Header.Set("Authorization", "Bearer "+access)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes()
}

// TestTraceFromSendToDelivery: a message sent with a traceparent while an
// SSE listener is open and the indexer runs makes one trace, under the
// caller's trace id, holding the HTTP span (by route template), the use
// case, DB statements, the outbox write, the relay's publish, the SSE
// fan-out and the indexer.
func TestTraceFromSendToDelivery(t *testing.T) {
	j := sharedJaeger(t)
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			ctx := context.Background()
			w := start(t, engine.dbURL(t), "fechatter-trace-"+engine.name, j.otlpHTTP)
			stream, err := w.admin.Events(ctx, 0)
			must(t, err)
			defer stream.Close()
			ev, err := stream.Next()
			must(t, err)
			if ev.Type != "ready" {
				t.Fatalf("first event %q, want ready", ev.Type)
			}

			tp, traceID := newTraceParent()
			status, body := w.post(t, http.MethodPost, fmt.Sprintf("/api/chats/%d/messages", w.chat.ID),
				map[string]any{"content": "traced hello " + traceID[:8]}, map[string]string{"traceparent": tp})
			if status != http.StatusCreated {
				t.Fatalf("send: %d %s", status, body)
			}
			for ev.Type != "message.created" { // delivered to the listener
				ev, err = stream.Next()
				must(t, err)
			}
			testproc.Eventually(t, deadline, func() error { // indexed
				res, err := w.admin.Search(ctx, w.wsID, client.SearchParams{Query: "traced hello " + traceID[:8]})
				if err != nil {
					return err
				}
				if res.Total == 0 {
					return fmt.Errorf("message not indexed yet")
				}
				return nil
			})

			db := map[string]string{"sqlite": "sqlite INSERT", "postgres": "postgresql INSERT"}[engine.name]
			want := []string{
				"POST /api/chats/:chat/messages", "chat.SendMessage", db, "outbox.append",
				"outbox.publish", "realtime fan-out", "search-indexer",
			}
			var spans []span
			testproc.Eventually(t, deadline, func() error {
				spans, err = j.trace(ctx, traceID)
				if err != nil {
					return err
				}
				if missing := missingSpans(spans, want); len(missing) > 0 {
					return fmt.Errorf("trace %s lacks %v; has %v", traceID, missing, names(spans))
				}
				return nil
			})
			t.Logf("trace %s: %v", traceID, names(spans))
			checkParents(t, spans)
		})
	}
}

// missingSpans lists the names of want that no span's operation name
// starts with.
func missingSpans(spans []span, want []string) []string {
	var missing []string
	for _, w := range want {
		found := false
		for _, s := range spans {
			found = found || strings.HasPrefix(s.OperationName, w)
		}
		if !found {
			missing = append(missing, w)
		}
	}
	return missing
}

func names(spans []span) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = s.OperationName
	}
	return out
}

// checkParents checks the chain: the HTTP span's parent is the caller's
// (not in Jaeger), the publish is a child of the outbox write, and the
// fan-out and the indexer are children of the publish.
func checkParents(t *testing.T, spans []span) {
	t.Helper()
	byID := map[string]span{}
	for _, s := range spans {
		byID[s.SpanID] = s
	}
	parentName := func(s span) string {
		for _, r := range s.References {
			if r.RefType == "CHILD_OF" {
				return byID[r.SpanID].OperationName
			}
		}
		return ""
	}
	for _, s := range spans {
		var want string
		switch {
		case s.OperationName == "outbox.publish":
			want = "outbox.append"
		case s.OperationName == "realtime fan-out", strings.HasPrefix(s.OperationName, "search-indexer"):
			want = "outbox.publish"
		case s.OperationName == "outbox.append":
			want = "chat.SendMessage"
		case s.OperationName == "chat.SendMessage":
			want = "POST /api/chats/:chat/messages"
		default:
			continue
		}
		if got := parentName(s); got != want {
			t.Errorf("parent of %s is %q, want %q", s.OperationName, got, want)
		}
	}
	for _, s := range spans {
		for _, tag := range s.Tags {
			if v, ok := tag.Value.(string); ok && strings.Contains(v, "traced hello") {
				t.Errorf("span %s tag %s holds message text", s.OperationName, tag.Key)
			}
		}
	}
}
