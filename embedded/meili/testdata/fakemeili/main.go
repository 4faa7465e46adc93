// Command fakemeili stands in for the meilisearch binary in the sidecar
// tests: it takes the same flags the supervisor passes, refuses to start
// in production without a master key of 16 bytes or more (as Meilisearch
// does), serves GET /health without a key and everything else with it,
// and on SIGTERM shuts down cleanly, leaving <db-path>/clean-shutdown.
//
// FAKEMEILI_EXIT=<code> makes it exit at once with that code.
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
)

func main() {
	if code := os.Getenv("FAKEMEILI_EXIT"); code != "" {
		n, _ := strconv.Atoi(code)
		fmt.Fprintln(os.Stderr, "fakemeili: exiting as asked")
		os.Exit(n)
	}
	env := flag.String("env", "development", "")
	flag.Bool("no-analytics", false, "")
	addr := flag.String("http-addr", "localhost:7700", "")
	dbPath := flag.String("db-path", "data.ms", "")
	masterKey := flag.String("master-key", os.Getenv("MEILI_MASTER_KEY"), "")
	flag.String("dump-dir", "dumps", "")
	flag.String("snapshot-dir", "snapshots", "")
	flag.String("max-indexing-memory", "", "")
	flag.Parse()
	if err := run(*env, *addr, *dbPath, *masterKey); err != nil {
		fmt.Fprintln(os.Stderr, "fakemeili:", err)
		os.Exit(1)
	}
}

func run(env, addr, dbPath, key string) error {
	if env == "production" && len(key) < 16 {
		return fmt.Errorf("in production a master key of at least 16 bytes is required")
	}
	if err := os.MkdirAll(dbPath, 0o700); err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"status":"available"}`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+key {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"code":"invalid_api_key"}`)
			return
		}
		fmt.Fprint(w, `{}`)
	})
	srv := &http.Server{Addr: addr, Handler: mux}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Println("fakemeili: listening on", addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dbPath, "clean-shutdown"), []byte("ok\n"), 0o600)
}
