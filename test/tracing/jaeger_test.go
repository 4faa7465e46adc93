package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/testproc"
)

// jaeger is a Jaeger all-in-one (v2, the OpenTelemetry-collector based
// binary) with in-memory storage, every listener on 127.0.0.1 at a free
// port: OTLP over HTTP for the server under test, and the query API.
type jaeger struct {
	otlpHTTP string // host:port
	query    string // base URL of the query API
	cmd      *exec.Cmd
}

var (
	jaegerOnce sync.Once
	jaegerInst *jaeger
	jaegerErr  error
)

// sharedJaeger starts one Jaeger for the package's tests; it is killed by
// TestMain.
func sharedJaeger(t *testing.T) *jaeger {
	t.Helper()
	jaegerOnce.Do(func() { jaegerInst, jaegerErr = startJaeger() })
	if jaegerErr != nil {
		t.Fatalf("jaeger: %v", jaegerErr)
	}
	return jaegerInst
}

// jaegerBinary builds Jaeger from tools/jaeger/go.mod (its own module, so
// the main go.mod stays free of the collector's dependencies) and returns
// the path of the executable. `go tool -n` caches the linked binary in
// the Go build cache: only the first build on a machine takes minutes.
func jaegerBinary() (string, error) {
	if p := os.Getenv("FECHATTER_JAEGER_BIN"); p != "" {
		return p, nil
	}
	dir, err := filepath.Abs(filepath.Join("..", "..", "tools", "jaeger"))
	if err != nil {
		return "", err
	}
	cmd := exec.Command("go", "tool", "-n", "jaeger")
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("build jaeger in %s: %v\n%s", dir, err, stderr.String())
	}
	return strings.TrimSpace(string(out)), nil
}

const jaegerConfig = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      mem:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: mem
    http:
      endpoint: %s
    grpc:
      endpoint: %s
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
      http:
        endpoint: %s
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: mem
`

func startJaeger() (*jaeger, error) {
	bin, err := jaegerBinary()
	if err != nil {
		return nil, err
	}
	var addrs [4]string
	for i := range addrs {
		if addrs[i], err = testproc.FreeAddr(); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "fechatter-jaeger-")
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(dir, "jaeger.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, jaegerConfig, addrs[0], addrs[1], addrs[2], addrs[3]), 0o600); err != nil {
		return nil, err
	}
	log, err := os.Create(filepath.Join(dir, "jaeger.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	j := &jaeger{otlpHTTP: addrs[3], query: "http://" + addrs[0], cmd: cmd}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(j.query + "/api/services")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return j, nil
			}
		}
		if time.Now().After(deadline) {
			j.stop()
			tail, _ := os.ReadFile(log.Name())
			return nil, fmt.Errorf("not answering on %s: %v\n%s", j.query, err, tail)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (j *jaeger) stop() {
	if j == nil || j.cmd.Process == nil {
		return
	}
	_ = j.cmd.Process.Kill()
	_ = j.cmd.Wait()
}

// span is what the tests read of a span in Jaeger's query API.
type span struct {
	TraceID       string `json:"traceID"`
	SpanID        string `json:"spanID"`
	OperationName string `json:"operationName"`
	References    []struct {
		RefType string `json:"refType"`
		SpanID  string `json:"spanID"`
	} `json:"references"`
	Tags []struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	} `json:"tags"`
}

// trace fetches one trace by id; nil when Jaeger has none (yet).
func (j *jaeger) trace(ctx context.Context, traceID string) ([]span, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, j.query+"/api/traces/"+traceID, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET trace %s: %s", traceID, resp.Status)
	}
	var body struct {
		Data []struct {
			Spans []span `json:"spans"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	var out []span
	for _, d := range body.Data {
		out = append(out, d.Spans...)
	}
	return out, nil
}
