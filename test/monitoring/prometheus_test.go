package monitoring

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/testproc"
)

// prometheus is a Prometheus server of a test.
type prometheus struct{ url string }

// startPrometheus runs Prometheus on a free loopback port with its own
// storage, scraping target every second and loading the shipped rules.
func startPrometheus(t *testing.T, target string) *prometheus {
	t.Helper()
	bin := tool(t, "prometheus")
	dir := t.TempDir()
	rules, err := os.ReadFile(repoFile(t, "deploy/prometheus/alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "alerts.yml"), rules, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [alerts.yml]
scrape_configs:
  - job_name: fechatter
    static_configs:
      - targets: [%q]
`, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, err := testproc.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--web.listen-address="+addr,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--log.level=warn")
	logFile, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start prometheus: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		_ = logFile.Close()
		if t.Failed() {
			log, _ := os.ReadFile(logFile.Name())
			t.Logf("prometheus log:\n%s", log)
		}
	})
	p := &prometheus{url: "http://" + addr}
	testproc.Eventually(t, waitFor, func() error {
		res, err := http.Get(p.url + "/-/ready")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("prometheus /-/ready = %d", res.StatusCode)
		}
		return nil
	})
	return p
}

// api GETs a Prometheus HTTP API path and decodes its data into v.
func (p *prometheus) api(path string, v any) error {
	res, err := http.Get(p.url + path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var out struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if out.Status != "success" {
		return fmt.Errorf("%s: %s %s", path, out.Status, out.Error)
	}
	return json.Unmarshal(out.Data, v)
}

// scalar runs an instant PromQL query that yields one sample.
func (p *prometheus) scalar(query string) (float64, error) {
	var data struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	if err := p.api("/api/v1/query?query="+url.QueryEscape(query), &data); err != nil {
		return 0, err
	}
	if len(data.Result) != 1 {
		return 0, fmt.Errorf("%s: %d samples", query, len(data.Result))
	}
	s, _ := data.Result[0].Value[1].(string)
	return strconv.ParseFloat(s, 64)
}

// TestPrometheusScrapesTheNode: a real Prometheus scrapes the binary (the
// default admin networks admit it on loopback), finds the target up, and
// answers a PromQL query with the messages just sent; it also loads every
// shipped alert rule.
func TestPrometheusScrapesTheNode(t *testing.T) {
	t.Parallel()
	n := startNode(t, "")
	p := startPrometheus(t, n.Addr)

	testproc.Eventually(t, waitFor, func() error {
		var data struct {
			ActiveTargets []struct {
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"activeTargets"`
		}
		if err := p.api("/api/v1/targets", &data); err != nil {
			return err
		}
		if len(data.ActiveTargets) != 1 || data.ActiveTargets[0].Health != "up" {
			return fmt.Errorf("targets: %+v", data.ActiveTargets)
		}
		return nil
	})
	up, err := p.scalar(`up{job="fechatter"}`)
	if err != nil || up != 1 {
		t.Fatalf("up = %v, %v; want 1", up, err)
	}

	const sent = 7
	n.send(t, sent)
	testproc.Eventually(t, waitFor, func() error {
		v, err := p.scalar(`fechatter_messages_sent_total{job="fechatter"}`)
		if err != nil {
			return err
		}
		if v < sent {
			return fmt.Errorf("fechatter_messages_sent_total = %v, want >= %d", v, sent)
		}
		return nil
	})

	var rules struct {
		Groups []struct {
			Rules []struct {
				Name   string `json:"name"`
				Health string `json:"health"`
				Type   string `json:"type"`
			} `json:"rules"`
		} `json:"groups"`
	}
	testproc.Eventually(t, waitFor, func() error {
		if err := p.api("/api/v1/rules", &rules); err != nil {
			return err
		}
		var names []string
		for _, g := range rules.Groups {
			for _, r := range g.Rules {
				if r.Health == "err" {
					return fmt.Errorf("rule %s failed to evaluate", r.Name)
				}
				if r.Health == "ok" && r.Type == "alerting" {
					names = append(names, r.Name)
				}
			}
		}
		for _, want := range alertNames {
			if !slices.Contains(names, want) {
				return fmt.Errorf("rule %s not loaded and evaluated (have %s)", want, strings.Join(names, ", "))
			}
		}
		return nil
	})
}

// alertNames are the alerts the node also evaluates in-process; the
// shipped rules must keep these names.
var alertNames = []string{
	"FechatterDown", "FechatterHighErrorRate", "FechatterDeliveryLagHigh", "FechatterRelayLagHigh",
	"FechatterOutboxBacklog", "FechatterIndexerLagHigh", "FechatterDiskNearlyFull",
	"FechatterJetStreamStorageNearlyFull", "FechatterCertificateExpiringSoon", "FechatterSignInFailureSpike",
}
