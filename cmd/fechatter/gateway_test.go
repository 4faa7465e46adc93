package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
)

// gatewaySecret is the cluster's shared signing key in these tests.
const gatewaySecret = "FECHATTER_AUTH__JWT_SECRET=gateway test secret, at least 32 bytes long"

func TestGatewayRefusesBadSetups(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no backends", []string{gatewaySecret}, nil, "gateway.backends"},
		{"no secret to verify users", []string{"FECHATTER_GATEWAY__BACKENDS=http://127.0.0.1:1"}, nil, "auth.jwt_secret"},
		{"a node's flag", []string{gatewaySecret, "FECHATTER_GATEWAY__BACKENDS=http://127.0.0.1:1"}, []string{"--listen", ":9999"}, "gateway.listen"},
		{"a node's cluster settings are not the gateway's business", []string{gatewaySecret, "FECHATTER_CLUSTER__ROUTES=nats-route://127.0.0.1:6222"}, nil, "gateway.backends"},
		{"gateway.listen on the gateway's https port", []string{gatewaySecret, "FECHATTER_GATEWAY__BACKENDS=http://127.0.0.1:1", "FECHATTER_TLS__DOMAINS=chat.example.com", "FECHATTER_GATEWAY__LISTEN=:443"}, nil, "tls.https_listen"},
		{"--data-dir is taken, for certificates", []string{gatewaySecret}, []string{"--data-dir", "/nonexistent/gw"}, "gateway.backends"},
		{"a backend with a path", []string{gatewaySecret, "FECHATTER_GATEWAY__BACKENDS=http://127.0.0.1:1/api"}, nil, "base URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runCommand(t, tc.env, append([]string{"gateway"}, tc.args...)...)
			if code != 1 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and a message naming %s", code, stderr, tc.want)
			}
		})
	}
}

// TestGatewayProxiesAndDrains runs `fechatter gateway` in front of a
// stand-in node: it answers its own /readyz, passes requests on with
// X-Forwarded-For, and on SIGTERM ends an open event stream with a retry
// hint and exits 0.
func TestGatewayProxiesAndDrains(t *testing.T) {
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/readyz":
			fmt.Fprint(w, `{"status":"ok"}`)
		case "/api/events":
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, "event: ready\ndata: {}\n\n")
			_ = http.NewResponseController(w).Flush()
			<-r.Context().Done()
		default:
			fmt.Fprintf(w, "node saw %s from %s", r.URL.Path, r.Header.Get("X-Forwarded-For"))
		}
	}))
	defer node.Close()
	g := startProcess(t, []string{gatewaySecret, "FECHATTER_GATEWAY__LISTEN=127.0.0.1:0", "FECHATTER_GATEWAY__BACKENDS=" + node.URL},
		"fechatter gateway started", "gateway")
	g.waitReady(t)
	body := get(t, "http://"+g.addr+"/api/things")
	if body != "node saw /api/things from 127.0.0.1" {
		t.Fatalf("through the gateway: %q", body)
	}
	resp, err := http.Get("http://" + g.addr + "/api/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for line := ""; line != "\n"; {
		if line, err = r.ReadString('\n'); err != nil {
			t.Fatalf("reading the ready event: %v", err)
		}
	}
	// The gateway exits only once the stream has ended.
	if code := g.signalAndWait(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
	rest, err := io.ReadAll(r)
	if err != nil || !strings.HasPrefix(string(rest), "retry: ") {
		t.Fatalf("after SIGTERM the stream sent %q (%v), want a retry hint and its end", rest, err)
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
