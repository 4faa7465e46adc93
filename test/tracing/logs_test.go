package tracing

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/testproc"
)

// logLines reads the server's JSON log lines (other lines are skipped).
func (w *world) logLines(t *testing.T) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(w.srv.LogPath)
	must(t, err)
	var out []map[string]any
	for _, line := range strings.Split(string(raw), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// linesOf returns the log lines that carry request_id id.
func (w *world) linesOf(t *testing.T, id string) []map[string]any {
	var out []map[string]any
	for _, m := range w.logLines(t) {
		if m["request_id"] == id {
			out = append(out, m)
		}
	}
	return out
}

// TestLogCorrelation: every line a request logs carries its request id,
// the trace id of the traceparent it came with, a span id and the
// caller's user id; a consumer's line about an event carries the event id
// and the trace id of the request that wrote it; no
// access or refresh token and no password ever reaches the log.
func TestLogCorrelation(t *testing.T) {
	sink := otlpSink(t)
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			ctx := context.Background()
			w := start(t, engine.dbURL(t), "fechatter-logs-"+engine.name, sink)
			// Sign in again and refresh, so both kinds of token cross the wire.
			c := client.New(w.srv.URL())
			_, err := c.SignIn(ctx, "admin@example.com", password)
			must(t, err)
			sess, err := c.Refresh(ctx)
			must(t, err)
			w.admin.SetTokens(c.Tokens())

			// The log-level change logs a line of its own besides the
			// access log line: two lines of one request.
			tp, traceID := newTraceParent()
			reqID := "corr-" + traceID[:12]
			status, body := w.post(t, http.MethodPut, "/api/admin/log-level", map[string]string{"level": "debug"},
				map[string]string{"traceparent": tp, "X-Request-ID": reqID})
			if status != http.StatusOK {
				t.Fatalf("PUT log-level: %d %s", status, body)
			}
			var lines []map[string]any
			testproc.Eventually(t, deadline, func() error {
				lines = w.linesOf(t, reqID)
				if len(lines) < 2 {
					return fmt.Errorf("%d log lines of request %s, want 2", len(lines), reqID)
				}
				return nil
			})
			for _, m := range lines {
				if m["trace_id"] != traceID || m["span_id"] == nil || m["span_id"] == "" {
					t.Errorf("line %v: trace_id/span_id missing or not %s", m, traceID)
				}
				if uid, _ := m["user_id"].(float64); int64(uid) != w.session.User.ID {
					t.Errorf("line %v: user_id is not %d", m, w.session.User.ID)
				}
			}

			// Background work: the indexer's line about the event (at
			// debug) carries the event id and the trace of the send.
			tp, traceID = newTraceParent()
			status, body = w.post(t, http.MethodPost, fmt.Sprintf("/api/chats/%d/messages", w.chat.ID),
				map[string]any{"content": "background"}, map[string]string{"traceparent": tp})
			if status != http.StatusCreated {
				t.Fatalf("send: %d %s", status, body)
			}
			testproc.Eventually(t, deadline, func() error {
				for _, m := range w.logLines(t) {
					if m["msg"] == "event handled" && m["trace_id"] == traceID && m["event_id"] != nil && m["event_id"] != "" {
						return nil
					}
				}
				return fmt.Errorf("no consumer line with event_id and trace_id %s", traceID)
			})

			raw, err := os.ReadFile(w.srv.LogPath)
			must(t, err)
			access, refresh := c.Tokens()
			for what, secret := range map[string]string{
				"access token": access, "refresh token": refresh, "first access token": w.session.AccessToken,
				"first refresh token": w.session.RefreshToken, "refreshed access token": sess.AccessToken, "password": password,
			} {
				if secret != "" && strings.Contains(string(raw), secret) {
					t.Errorf("the log holds the %s", what)
				}
			}
		})
	}
}

// TestLogLevel: an instance admin's PUT changes what is logged at once;
// a bad level is a 400; anyone else gets 403 and changes nothing.
func TestLogLevel(t *testing.T) {
	ctx := context.Background()
	w := start(t, "", "fechatter-level", otlpSink(t))
	probesLogged := func() int { // /healthz is logged at debug
		n := 0
		for _, m := range w.logLines(t) {
			if m["msg"] == "http request" && m["route"] == "/healthz" {
				n++
			}
		}
		return n
	}
	probe := func() {
		resp, err := http.Get(w.srv.URL() + "/healthz")
		must(t, err)
		resp.Body.Close()
	}
	probe()
	if level, err := w.admin.LogLevel(ctx); err != nil || level != "info" {
		t.Fatalf("GET log-level = %q, %v; want info", level, err)
	}

	level, err := w.admin.SetLogLevel(ctx, "DEBUG")
	if err != nil || level != "debug" {
		t.Fatalf("PUT debug = %q, %v", level, err)
	}
	entries, err := w.admin.Audit(ctx, client.AuditQuery{Action: "log_level.set"})
	if err != nil || len(entries) != 1 || !strings.Contains(string(entries[0].Detail), `"to":"debug"`) {
		t.Fatalf("audit of the change = %+v, %v; want one log_level.set to debug", entries, err)
	}
	before := probesLogged()
	probe()
	testproc.Until(t, deadline, "a /healthz line at debug", func() bool { return probesLogged() > before })

	for _, bad := range []string{"loud", "", "trace"} {
		if _, err := w.admin.SetLogLevel(ctx, bad); client.StatusOf(err) != http.StatusBadRequest {
			t.Errorf("PUT %q: %v, want 400", bad, err)
		}
	}

	// A member who is not the instance admin.
	inv, err := w.admin.CreateInvite(ctx, w.wsID, client.InviteOptions{})
	must(t, err)
	member := client.New(w.srv.URL())
	_, err = member.SignUp(ctx, client.SignUpInput{
		Email: "member@example.com", Password: password, Username: "member", DisplayName: "Member", InviteCode: inv.Code,
	})
	must(t, err)
	if _, err := member.SetLogLevel(ctx, "error"); client.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("member PUT: %v, want 403", err)
	}
	if _, err := member.LogLevel(ctx); client.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("member GET: %v, want 403", err)
	}
	if level, err := w.admin.LogLevel(ctx); err != nil || level != "debug" {
		t.Fatalf("after the member's PUT the level is %q, %v; want debug", level, err)
	}

	// At error, an ordinary request's access log line (info) is gone.
	if _, err := w.admin.SetLogLevel(ctx, "error"); err != nil {
		t.Fatal(err)
	}
	marker := "after-error-level"
	status, _ := w.post(t, http.MethodGet, "/api/me", nil, map[string]string{"X-Request-ID": marker})
	if status != http.StatusOK {
		t.Fatalf("GET /api/me: %d", status)
	}
	if _, err := w.admin.SetLogLevel(ctx, "info"); err != nil { // its own line shows at warn: a fence
		t.Fatal(err)
	}
	testproc.Until(t, deadline, "the change back to info logged", func() bool {
		for _, m := range w.logLines(t) {
			if m["msg"] == "log level changed" && m["to"] == "info" {
				return true
			}
		}
		return false
	})
	if got := w.linesOf(t, marker); len(got) != 0 {
		t.Errorf("at level error, request %s logged %v", marker, got)
	}
}
