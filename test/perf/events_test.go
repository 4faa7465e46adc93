package perf

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// loadArgsEnv overrides the load of BenchmarkEventsLoad (fechatter-bench flags).
const loadArgsEnv = "FECHATTER_PERF_LOAD_ARGS"

// defaultLoad is small enough for a 2-core machine shared with others.
const defaultLoad = "--users 200 --chats 10 --recipients 20 --senders 8 --rate 100 --duration 20s --grace 30s"

// latency is the part of a fechatter-bench summary the benchmark reports.
type latency struct {
	P50 float64 `json:"p50_ms"`
	P99 float64 `json:"p99_ms"`
}

// BenchmarkEventsLoad runs the load generator (cmd/fechatter-bench, as its
// own process) against an appliance in this process, so that -cpuprofile
// shows where the server spends its time under real-time load: sends,
// outbox relay, JetStream, SSE fan-out and search indexing. It runs the
// load once whatever b.N is and reports the generator's figures.
//
// Run: go test ./test/perf -run '^$' -bench EventsLoad -benchtime 1x -cpuprofile cpu.out
// (FECHATTER_PERF_LOAD_ARGS="--users 500 --chats 25 ..." changes the load).
func BenchmarkEventsLoad(b *testing.B) {
	gen := filepath.Join(b.TempDir(), "fechatter-bench")
	build := exec.Command("go", "build", "-o", gen, "./cmd/fechatter-bench")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build fechatter-bench: %v\n%s", err, out)
	}
	url := startAppliance(b, "")
	args := strings.Fields(defaultLoad)
	if v := os.Getenv(loadArgsEnv); v != "" {
		args = strings.Fields(v)
	}
	args = append(args, "--url", url, "--setup", "--setup-token", perfSetupToken, "--json")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gen, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	b.ResetTimer()
	err := cmd.Run()
	b.StopTimer()
	var rep struct {
		SentPerSec float64 `json:"sent_per_sec"`
		Lost       int64   `json:"lost"`
		Duplicated int64   `json:"duplicated"`
		Send       latency `json:"send_latency"`
		Deliver    latency `json:"deliver_latency"`
	}
	if jerr := json.Unmarshal(stdout.Bytes(), &rep); jerr != nil {
		b.Fatalf("fechatter-bench: %v / %v\n%s", err, jerr, stderr.String())
	}
	b.Logf("fechatter-bench %s\n%s", strings.Join(args, " "), stdout.String())
	b.ReportMetric(rep.SentPerSec, "msgs/s")
	b.ReportMetric(rep.Send.P99, "send-p99-ms")
	b.ReportMetric(rep.Deliver.P50, "deliver-p50-ms")
	b.ReportMetric(rep.Deliver.P99, "deliver-p99-ms")
	b.ReportMetric(float64(rep.Lost), "lost")
	b.ReportMetric(float64(rep.Duplicated), "duplicated")
}
