package appliance

import (
	"context"
	"io"
	"path/filepath"
	"testing"
)

// BenchmarkStart measures Start of a whole appliance (SQLite) until it is
// ready, and Stop: on a fresh data dir each time, and again on one data
// dir (a restart: the stream, index and consumers exist). CPU profile:
//
//	go test ./appliance -run '^$' -bench Start -benchtime 10x -cpuprofile /tmp/start.pprof
//
// The whole binary's start (exec, inits, RSS) is tools/startup-bench.sh.
func BenchmarkStart(b *testing.B) {
	start := func(b *testing.B, dir string) {
		cfg := Default()
		cfg.DataDir = dir
		cfg.Server.Listen = "127.0.0.1:0"
		a, err := New(cfg, NewLogger(io.Discard, LogConfig{Format: "json", Level: "info"}), BuildInfo{Version: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		if nr := a.NotReady(context.Background()); len(nr) > 0 {
			b.Fatalf("not ready after Start: %v", nr)
		}
		b.StopTimer()
		if err := a.Stop(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.Run("fresh", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			start(b, filepath.Join(b.TempDir(), "data"))
		}
	})
	b.Run("restart", func(b *testing.B) {
		dir := filepath.Join(b.TempDir(), "data")
		b.StopTimer()
		start(b, dir)
		b.StartTimer()
		for i := 0; i < b.N; i++ {
			start(b, dir)
		}
	})
}
