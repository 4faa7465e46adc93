package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestNewLoggerFormats(t *testing.T) {
	pipeR, pipeW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pipeR.Close(); pipeW.Close() })
	for _, tc := range []struct {
		name, format string
		wantJSON     bool
	}{
		{name: "json", format: "json", wantJSON: true},
		{name: "text", format: "text", wantJSON: false},
		{name: "auto on a buffer is json", format: "auto", wantJSON: true},
		{name: "empty is auto", format: "", wantJSON: true},
		{name: "unknown is json", format: "xml", wantJSON: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			NewLogger(&buf, tc.format, "info").Info("hello", "k", "v")
			line := strings.TrimSpace(buf.String())
			var m map[string]any
			isJSON := json.Unmarshal([]byte(line), &m) == nil
			if isJSON != tc.wantJSON {
				t.Fatalf("format %q: got %q, want json=%v", tc.format, line, tc.wantJSON)
			}
			if !strings.Contains(line, "hello") {
				t.Fatalf("message missing: %q", line)
			}
		})
	}
	if got := resolveFormat(pipeW, "auto"); got != FormatJSON {
		t.Fatalf("auto on a pipe = %q, want json", got)
	}
}

func TestNewLoggerLevel(t *testing.T) {
	for _, tc := range []struct {
		level     string
		debug     bool
		info      bool
		warn      bool
		errorLine bool
	}{
		{level: "debug", debug: true, info: true, warn: true, errorLine: true},
		{level: "info", info: true, warn: true, errorLine: true},
		{level: "WARN", warn: true, errorLine: true},
		{level: "error", errorLine: true},
		{level: "nonsense", info: true, warn: true, errorLine: true},
	} {
		t.Run(tc.level, func(t *testing.T) {
			var buf bytes.Buffer
			log := NewLogger(&buf, "json", tc.level)
			log.Debug("d")
			log.Info("i")
			log.Warn("w")
			log.Error("e")
			out := buf.String()
			for msg, want := range map[string]bool{`"msg":"d"`: tc.debug, `"msg":"i"`: tc.info, `"msg":"w"`: tc.warn, `"msg":"e"`: tc.errorLine} {
				if strings.Contains(out, msg) != want {
					t.Errorf("level %s: %s present=%v, want %v", tc.level, msg, !want, want)
				}
			}
		})
	}
}

func TestRequestIDInLogLines(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, "json", "info").With("component", "test")
	ctx := WithRequestID(context.Background(), "abc123")
	log.InfoContext(ctx, "with id")
	log.InfoContext(context.Background(), "without id")
	log.WithGroup("g").InfoContext(ctx, "grouped", "x", 1)

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines: %q", len(lines), buf.String())
	}
	var first, second, third map[string]any
	for i, dst := range []*map[string]any{&first, &second, &third} {
		if err := json.Unmarshal([]byte(lines[i]), dst); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
	}
	if first[RequestIDKey] != "abc123" || first["component"] != "test" {
		t.Fatalf("first line = %v", first)
	}
	if _, ok := second[RequestIDKey]; ok {
		t.Fatalf("second line has a request id: %v", second)
	}
	g, _ := third["g"].(map[string]any)
	if g[RequestIDKey] != "abc123" {
		t.Fatalf("grouped line = %v", third)
	}
}

func TestRequestIDContext(t *testing.T) {
	if got := RequestID(context.Background()); got != "" {
		t.Fatalf("empty context gave %q", got)
	}
	var nilCtx context.Context // RequestID must tolerate a nil context.
	if got := RequestID(nilCtx); got != "" {
		t.Fatalf("nil context gave %q", got)
	}
	ctx := WithRequestID(context.Background(), "r1")
	if got := RequestID(ctx); got != "r1" {
		t.Fatalf("got %q", got)
	}
}

func TestNewRequestID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{16}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := NewRequestID()
		if !re.MatchString(id) {
			t.Fatalf("bad id %q", id)
		}
		if seen[id] {
			t.Fatalf("repeated id %q", id)
		}
		seen[id] = true
	}
}

func TestContextHandlerEnabled(t *testing.T) {
	h := NewContextHandler(slog.NewJSONHandler(&bytes.Buffer{}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if h.Enabled(context.Background(), slog.LevelInfo) {
		t.Fatal("info enabled at warn level")
	}
	if !h.Enabled(context.Background(), slog.LevelError) {
		t.Fatal("error disabled at warn level")
	}
}
