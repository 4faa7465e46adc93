package monitoring

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/testproc"
)

// TestAlertRulesPassPromtool: promtool accepts the shipped rules.
func TestAlertRulesPassPromtool(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(tool(t, "promtool"), "check", "rules", repoFile(t, "deploy/prometheus/alerts.yml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}

// ruleFile is the shape of alerts.yml.
type ruleFile struct {
	Groups []struct {
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// TestAlertRulesShape: exactly the agreed alerts, each with a for:
// duration (no flapping), a severity and a summary.
func TestAlertRulesShape(t *testing.T) {
	t.Parallel()
	var rf ruleFile
	data, err := os.ReadFile(repoFile(t, "deploy/prometheus/alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &rf); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range rf.Groups {
		for _, r := range g.Rules {
			names = append(names, r.Alert)
			if r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("%s: needs for:, labels.severity and annotations.summary", r.Alert)
			}
		}
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(alertNames))
	if !slices.Equal(names, want) {
		t.Fatalf("alerts = %v, want %v", names, want)
	}
}

// metricNameRE finds the metric names of PromQL text: ours, and the Go
// runtime and process collectors'.
var metricNameRE = regexp.MustCompile(`\b(?:fechatter|go|process)_[a-z0-9_]+\b`)

// referencedMetrics lists the metric names the rules and the dashboard use.
func referencedMetrics(t *testing.T) []string {
	t.Helper()
	var names []string
	for _, f := range []string{"deploy/prometheus/alerts.yml", "deploy/grafana/fechatter.json"} {
		data, err := os.ReadFile(repoFile(t, f))
		if err != nil {
			t.Fatal(err)
		}
		found := metricNameRE.FindAllString(string(data), -1)
		if len(found) == 0 {
			t.Fatalf("%s names no metric", f)
		}
		names = append(names, found...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// servedMetrics are the metric names with at least one sample in an
// exposition.
func servedMetrics(exposition string) map[string]bool {
	served := map[string]bool{}
	for _, line := range strings.Split(exposition, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		name, _, _ := strings.Cut(line, " ")
		name, _, _ = strings.Cut(name, "{")
		served[name] = true
	}
	return served
}

// TestReferencedMetricsAreServed: after some traffic, a live /metrics has
// a sample of every metric that the shipped rules and dashboard name. The
// node serves its own certificate (so it exposes an expiry) and has a
// small sign-in budget (so sign-ins fail and get limited).
func TestReferencedMetricsAreServed(t *testing.T) {
	t.Parallel()
	certFile, keyFile := selfSignedCert(t, t.TempDir())
	httpAddr, err1 := testproc.FreeAddr()
	httpsAddr, err2 := testproc.FreeAddr()
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	n := startNode(t, "",
		"FECHATTER_TLS__CERT_FILE="+certFile, "FECHATTER_TLS__KEY_FILE="+keyFile,
		"FECHATTER_TLS__HTTP_LISTEN="+httpAddr, "FECHATTER_TLS__HTTPS_LISTEN="+httpsAddr,
		"FECHATTER_LIMITS__AUTH__PER_IP=4")
	traffic(t, n)

	want := referencedMetrics(t)
	var missing []string
	testproc.Eventually(t, waitFor, func() error {
		status, body := get(t, n.URL()+"/metrics", nil)
		if status != http.StatusOK {
			return fmt.Errorf("/metrics = %d", status)
		}
		served := servedMetrics(body)
		missing = missing[:0]
		for _, name := range want {
			if !served[name] {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("not served: %s", strings.Join(missing, ", "))
		}
		return nil
	})
}

// traffic exercises what the referenced metrics count: an SSE stream and
// a resume, messages, a search, failed and limited sign-ins.
func traffic(t *testing.T, n *node) {
	t.Helper()
	ctx := context.Background()
	stream, err := n.admin.Events(ctx, 0)
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	defer stream.Close()
	n.send(t, 3)
	var last uint64
	for last == 0 {
		e, err := stream.Next()
		if err != nil {
			t.Fatalf("next event: %v", err)
		}
		if e.Type == "message.created" {
			last = e.ID
		}
	}
	resumed, err := n.admin.Events(ctx, last-1)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	resumed.Close()
	testproc.Eventually(t, waitFor, func() error {
		_, err := n.admin.Search(ctx, n.ws, client.SearchParams{Query: "message"})
		return err
	})
	stranger := client.New(n.URL())
	limited := false
	for range 10 {
		_, err := stranger.SignIn(ctx, "admin@example.com", "wrong password")
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && apiErr.Status == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("sign-ins were never limited with limits.auth.per_ip=4")
	}
}
