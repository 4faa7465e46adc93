package appliance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/fechatter/fechatter/internal/telemetry"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// lagGatherer is the process registry with the search index lag replaced
// by a value the test sets: the indexer of the test is idle and up to
// date, so this stands in for one that has stopped while events pile up.
type lagGatherer struct{ lag atomic.Int64 }

func (g *lagGatherer) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := telemetry.Gatherer.Gather()
	for _, mf := range mfs {
		if mf.GetName() == telemetry.Namespace+"_search_index_lag_events" {
			for _, m := range mf.GetMetric() {
				v := float64(g.lag.Load())
				m.Gauge = &dto.Gauge{Value: &v}
			}
		}
	}
	return mfs, err
}

// webhookReceiver records the alert notices POSTed to it.
type webhookReceiver struct {
	mu      sync.Mutex
	notices []telemetry.AlertNotice
}

func (w *webhookReceiver) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	var n telemetry.AlertNotice
	if err := json.NewDecoder(r.Body).Decode(&n); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.notices = append(w.notices, n)
	w.mu.Unlock()
}

// states lists "alert state" of the notices received about the indexer
// lag (the rule the tests drive; a real condition of the machine running
// the tests, a nearly full disk say, may fire another rule meanwhile).
func (w *webhookReceiver) states() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, n := range w.notices {
		if n.Alert == indexerRule {
			out = append(out, n.Alert+" "+n.State)
		}
	}
	return out
}

const indexerRule = "FechatterIndexerLagHigh"

// TestBuiltInAlertNotifiesOnce: the indexer falls behind, so after the
// rule's (shortened) for: duration FechatterIndexerLagHigh fires: the
// admin gets exactly one direct message from the system bot and the
// webhook exactly one POST; the status API lists the alert. When the lag
// is gone, exactly one resolved notice follows on each.
func TestBuiltInAlertNotifiesOnce(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testBuiltInAlert(t, engine) })
	}
}

func testBuiltInAlert(t *testing.T, engine string) {
	hook := &webhookReceiver{}
	hookSrv := httptest.NewServer(hook)
	defer hookSrv.Close()
	cfg := testConfig(t)
	if engine == "postgres" {
		cfg.Database.URL = pgtest.URL(t)
	}
	cfg.SetupToken = edgeSetupToken
	cfg.Alerts.WebhookURL = hookSrv.URL
	a, err := New(cfg, NewLogger(io.Discard, LogConfig{Format: "json", Level: "info"}), BuildInfo{Version: "test", Commit: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	gatherer := &lagGatherer{}
	// 10ms samples; the indexer rule's 10 minutes become 60ms.
	a.statusTuning = statusTuning{interval: 10 * time.Millisecond, forScale: 1e-4, gatherer: gatherer, retryWait: time.Millisecond}
	ctx := context.Background()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(ctx) })
	c := &edgeClient{t: t, base: "http://" + a.Addr()}
	c.setUp()

	gatherer.lag.Store(5000)
	eventually(t, "one firing webhook POST", func() bool { return len(hook.states()) == 1 })
	eventually(t, "one DM to the admin", func() bool { return len(systemDMs(c)) == 1 })
	st := adminStatus(c)
	if a, ok := findAlert(st, indexerRule); !ok || a.State != telemetry.AlertFiring {
		t.Fatalf("status alerts = %+v", st.Alerts)
	}
	if st.Version != "test" || st.Commit != "abc123" || st.IndexerLagEvents != 5000 || st.Storage.DatabaseBytes == nil {
		t.Fatalf("status = %+v", st)
	}
	waitSamples(c, 5) // still firing: no second notice

	gatherer.lag.Store(0)
	eventually(t, "one resolved webhook POST", func() bool { return len(hook.states()) == 2 })
	eventually(t, "a second DM", func() bool { return len(systemDMs(c)) == 2 })
	waitSamples(c, 5)
	if got := hook.states(); strings.Join(got, ",") != "FechatterIndexerLagHigh firing,FechatterIndexerLagHigh resolved" {
		t.Fatalf("webhook got %v", got)
	}
	dms := systemDMs(c)
	if len(dms) != 2 || !strings.HasPrefix(dms[0], "FIRING FechatterIndexerLagHigh") || !strings.HasPrefix(dms[1], "RESOLVED FechatterIndexerLagHigh") {
		t.Fatalf("admin DMs = %q", dms)
	}
	if st := adminStatus(c); hasAlert(st, indexerRule) {
		t.Fatalf("alerts after recovery = %+v", st.Alerts)
	}
}

// findAlert returns the named alert of a status.
func findAlert(st telemetry.Status, name string) (telemetry.AlertState, bool) {
	for _, a := range st.Alerts {
		if a.Name == name {
			return a, true
		}
	}
	return telemetry.AlertState{}, false
}

func hasAlert(st telemetry.Status, name string) bool { _, ok := findAlert(st, name); return ok }

// adminStatus reads GET /api/admin/status as c.
func adminStatus(c *edgeClient) telemetry.Status {
	c.t.Helper()
	res, body := c.call("GET", "/api/admin/status", "", nil)
	var st telemetry.Status
	if res.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &st) != nil {
		c.t.Fatalf("status: %d %s", res.StatusCode, body)
	}
	return st
}

// waitSamples waits until the sampler has taken n more samples (and so
// evaluated the alerts n more times).
func waitSamples(c *edgeClient, n int) {
	c.t.Helper()
	from := adminStatus(c).SampledAt
	eventually(c.t, fmt.Sprintf("%d more samples", n), func() bool {
		return adminStatus(c).SampledAt.Sub(from) >= time.Duration(n)*10*time.Millisecond
	})
}

// systemDMs returns the contents of the messages in c's direct chat with
// the system bot, oldest first.
func systemDMs(c *edgeClient) []string {
	c.t.Helper()
	_, body := c.call("GET", fmt.Sprintf("/api/workspaces/%d/chats", c.ws), "", nil)
	var chats struct {
		Chats []struct {
			ID   int64  `json:"id"`
			Type string `json:"type"`
		} `json:"chats"`
	}
	if err := json.Unmarshal([]byte(body), &chats); err != nil {
		c.t.Fatalf("chats: %s", body)
	}
	var out []string
	for _, ch := range chats.Chats {
		if ch.Type != "direct" {
			continue
		}
		_, body := c.call("GET", fmt.Sprintf("/api/chats/%d/messages", ch.ID), "", nil)
		var msgs struct {
			Messages []struct {
				Content string `json:"content"`
				Sender  struct {
					Username string `json:"username"`
					IsBot    bool   `json:"is_bot"`
				} `json:"sender"`
			} `json:"messages"`
		}
		if err := json.Unmarshal([]byte(body), &msgs); err != nil {
			c.t.Fatalf("messages: %s", body)
		}
		for _, m := range msgs.Messages {
			if m.Sender.Username == SystemBotUsername && m.Sender.IsBot && strings.Contains(m.Content, indexerRule) {
				out = append(out, m.Content)
			}
		}
	}
	return out
}

// eventually polls cond until it holds, failing after a generous deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not before the deadline", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestAlertsDisabled: with alerts.enabled false nothing is evaluated or
// sent, and the status API still answers.
func TestAlertsDisabled(t *testing.T) {
	hook := &webhookReceiver{}
	hookSrv := httptest.NewServer(hook)
	defer hookSrv.Close()
	cfg := testConfig(t)
	cfg.SetupToken = edgeSetupToken
	cfg.Alerts.Enabled = false
	cfg.Alerts.WebhookURL = hookSrv.URL
	a, err := New(cfg, NewLogger(io.Discard, LogConfig{Format: "json", Level: "info"}), BuildInfo{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	gatherer := &lagGatherer{}
	gatherer.lag.Store(5000)
	a.statusTuning = statusTuning{interval: 10 * time.Millisecond, forScale: 1e-4, gatherer: gatherer}
	ctx := context.Background()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Stop(ctx) })
	c := &edgeClient{t: t, base: "http://" + a.Addr()}
	c.setUp()
	waitSamples(c, 20) // well past the shortened for: of 60ms
	if st := adminStatus(c); len(st.Alerts) != 0 || st.IndexerLagEvents != 5000 {
		t.Fatalf("status with alerts off: alerts %+v, lag %v", st.Alerts, st.IndexerLagEvents)
	}
	if got := hook.states(); len(got) != 0 || len(systemDMs(c)) != 0 {
		t.Fatalf("notices sent with alerts off: %v", got)
	}
}
