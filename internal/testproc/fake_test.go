package testproc

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// fakeEnv turns the test binary into a stand-in for `fechatter serve`
// (see fakeServe), so that the process handling is tested without
// building the server.
const fakeEnv = "TESTPROC_FAKE"

// fakeExitEnv makes the stand-in exit with that code at once.
const fakeExitEnv = "TESTPROC_FAKE_EXIT"

// fakeParentEnv makes the test binary a parent that launches a stand-in
// server, prints its pid and waits to be killed (see TestChildDiesWithParent).
const fakeParentEnv = "TESTPROC_FAKE_PARENT"

func TestMain(m *testing.M) {
	switch {
	case os.Getenv(fakeEnv) != "":
		os.Exit(fakeServe(os.Args[1:]))
	case os.Getenv(fakeParentEnv) != "":
		os.Exit(fakeParent())
	}
	os.Exit(m.Run())
}

// fakeServe answers /readyz with 503 twice and then 200 on --listen, and
// exits 0 on SIGTERM.
func fakeServe(args []string) int {
	if code := os.Getenv(fakeExitEnv); code != "" {
		fmt.Println("giving up")
		n, _ := strconv.Atoi(code)
		return n
	}
	if len(args) == 0 || args[0] != "serve" {
		fmt.Println("want serve, got", args)
		return 2
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	listen := fs.String("listen", "", "")
	fs.String("data-dir", "", "")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	asked := 0
	go http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if asked++; asked <= 2 {
			http.Error(w, `{"events":"starting"}`, http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	}))
	for i := range 100 {
		fmt.Printf("line %d\n", i)
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	fmt.Println("stopped")
	return 0
}

// fakeParent launches a stand-in server, prints its pid and blocks.
func fakeParent() int {
	dir := os.Getenv(fakeParentEnv)
	s := &Server{Config: Config{
		Bin: os.Args[0], Env: []string{fakeEnv + "=1"},
		DataDir: filepath.Join(dir, "data"), LogPath: filepath.Join(dir, "log"),
	}}
	if err := s.Start(context.Background()); err != nil {
		fmt.Println(err)
		return 1
	}
	fmt.Println(s.PID())
	time.Sleep(time.Hour) // killed by the test long before
	return 0
}

// fake is a server on the stand-in, owned by t.
func fake(t *testing.T, env ...string) *Server {
	t.Helper()
	return New(t, Config{Name: "fake", Bin: os.Args[0], Env: append([]string{fakeEnv + "=1"}, env...)})
}
