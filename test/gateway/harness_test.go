package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/testproc"
)

// sharedSecret is the cluster's signing key: the nodes sign with it, the
// gateway verifies with it.
const sharedSecret = "shared signing key of the gateway test cluster, 32+ bytes"

// nodeHeader names the node that answered (appliance.NodeHeader).
const nodeHeader = "X-Fechatter-Node"

// eventDeadline bounds the wait for one event or one answer.
const eventDeadline = 60 * time.Second

// node is one `fechatter serve` of the cluster.
type node struct {
	*testproc.Server
	name string // its cluster.node_name, what nodeHeader says
}

// startCluster launches three nodes that route to each other, all at
// once, and waits until every one is ready (JetStream with three replicas
// forms only when all three are up). The nodes trust the gateway's
// X-Forwarded-For (it runs on loopback).
func startCluster(t *testing.T, dbURL string) []*node {
	t.Helper()
	routes := make([]string, 3)
	for i := range routes {
		addr, err := testproc.FreeAddr()
		must(t, err)
		routes[i] = "nats-route://" + addr
	}
	var nodes []*node
	for i, name := range []string{"node-a", "node-b", "node-c"} {
		n := &node{name: name, Server: testproc.New(t, testproc.Config{Name: name, DBURL: dbURL, Env: []string{
			"FECHATTER_LOG__FORMAT=json",
			"FECHATTER_SERVER__TRUSTED_PROXIES=127.0.0.1",
			"FECHATTER_CLUSTER__NAME=fc-gateway-test",
			"FECHATTER_CLUSTER__NODE_NAME=" + name,
			"FECHATTER_CLUSTER__LISTEN=" + strings.TrimPrefix(routes[i], "nats-route://"),
			"FECHATTER_CLUSTER__ROUTES=" + strings.Join(routes, ","),
			"FECHATTER_CLUSTER__PASSWORD=route secret for the gateway test cluster",
			"FECHATTER_AUTH__JWT_SECRET=" + sharedSecret,
		}})}
		must(t, n.Launch())
		nodes = append(nodes, n)
	}
	// A node that gives up while the cluster forms (a first JetStream
	// request timed out during leader election) is started again, as a
	// supervisor would; test/realtime's TestCluster does the same.
	relaunched := 0
	testproc.Eventually(t, testproc.ReadyDeadline, func() error {
		for _, n := range nodes {
			select {
			case <-n.Exited():
				if relaunched++; relaunched > 6 {
					t.Fatalf("%s keeps exiting while the cluster forms: %s", n.name, n.LogTail(5))
				}
				must(t, n.Launch())
			default:
			}
			if !n.Ready() {
				return fmt.Errorf("%s not ready", n.name)
			}
		}
		return nil
	})
	return nodes
}

// gatewayProc is a running `fechatter gateway`.
type gatewayProc struct {
	cmd  *exec.Cmd
	addr string
	log  string
	done chan struct{}
}

func (g *gatewayProc) url() string { return "http://" + g.addr }

// startGateway runs the built binary's gateway subcommand in front of the
// nodes and waits until it reports every node up.
func startGateway(t *testing.T, nodes []*node) *gatewayProc {
	t.Helper()
	addr, err := testproc.FreeAddr()
	must(t, err)
	var backends []string
	for _, n := range nodes {
		backends = append(backends, n.URL())
	}
	dir := t.TempDir()
	g := &gatewayProc{addr: addr, log: filepath.Join(dir, "gateway.log"), done: make(chan struct{})}
	logFile, err := os.Create(g.log)
	must(t, err)
	g.cmd = exec.Command(testproc.Binary(t), "gateway")
	g.cmd.Dir = dir
	g.cmd.Env = append(testproc.CleanEnv(),
		"FECHATTER_LOG__FORMAT=json",
		"FECHATTER_GATEWAY__LISTEN="+addr,
		"FECHATTER_GATEWAY__BACKENDS="+strings.Join(backends, ","),
		"FECHATTER_GATEWAY__HEALTH_INTERVAL=250ms",
		"FECHATTER_AUTH__JWT_SECRET="+sharedSecret,
	)
	g.cmd.Stdout, g.cmd.Stderr = logFile, logFile
	must(t, g.cmd.Start())
	go func() { // ends when the process exits, which the cleanup ensures
		_ = g.cmd.Wait()
		logFile.Close()
		close(g.done)
	}()
	t.Cleanup(func() {
		_ = g.cmd.Process.Kill()
		<-g.done
		if t.Failed() {
			data, _ := os.ReadFile(g.log)
			t.Logf("gateway log:\n%s", tail(string(data), 40))
		}
	})
	g.waitStates(t, len(nodes), nil)
	return g
}

// waitStates polls the gateway's /readyz until it reports want up nodes
// and none of down up.
func (g *gatewayProc) waitStates(t *testing.T, want int, down *node) {
	t.Helper()
	testproc.Eventually(t, eventDeadline, func() error {
		resp, err := http.Get(g.url() + "/readyz")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var body struct {
			Backends []struct{ URL, State string }
		}
		if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
			return err
		}
		up := 0
		for _, b := range body.Backends {
			if b.State != "up" {
				continue
			}
			if down != nil && b.URL == down.URL() {
				return fmt.Errorf("%s still up", down.name)
			}
			up++
		}
		if up != want {
			return fmt.Errorf("%d nodes up, want %d: %+v", up, want, body.Backends)
		}
		return nil
	})
}

// httpClient has no overall timeout (event streams are long requests),
// only one on waiting for an answer.
var httpClient = &http.Client{Transport: &http.Transport{
	Proxy:                 nil,
	DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	MaxIdleConnsPerHost:   20,
	ResponseHeaderTimeout: eventDeadline,
}}

// answeredBy sends GET path through the gateway with token and returns
// the node that answered.
func answeredBy(t *testing.T, g *gatewayProc, token, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), eventDeadline)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.url()+path, nil)
	must(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s through the gateway: %s", path, resp.Status)
	}
	return resp.Header.Get(nodeHeader)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
