package realtime

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// docEnv matches the FECHATTER_* settings of the first shell example in
// docs/cluster.md ("Example for node 1 of three").
var docEnv = regexp.MustCompile(`(?m)^(FECHATTER_[A-Z_]+)=(\S+) \\$`)

// TestClusterDocRecipe runs docs/cluster.md's example as written, for
// three nodes: its settings with the doc's addresses (10.0.0.N:6222), node
// names, secret files and database replaced by loopback ports, temp files
// and a throwaway Postgres. A message sent through one node reaches a
// stream on another.
func TestClusterDocRecipe(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "cluster.md"))
	must(t, err)
	settings := docEnv.FindAllStringSubmatch(string(doc), -1)
	if len(settings) < 6 {
		t.Fatalf("docs/cluster.md: found %d FECHATTER_* settings in its example, want the recipe's", len(settings))
	}
	dir := t.TempDir()
	secrets := map[string]string{
		"/run/secrets/jwt":    "a signing key shared by the nodes, 32 bytes or more",
		"/run/secrets/routes": "a route password shared by the nodes",
	}
	repl := []string{}
	for path, value := range secrets {
		file := filepath.Join(dir, filepath.Base(path))
		must(t, os.WriteFile(file, []byte(value+"\n"), 0o600))
		repl = append(repl, path, file)
	}
	routes := make([]string, 3)
	for i := range routes {
		routes[i], err = testproc.FreeAddr()
		must(t, err)
		repl = append(repl, "10.0.0."+string(rune('1'+i))+":6222", routes[i])
	}
	dbURL := pgtest.URL(t)
	var nodes []*node
	for i := range 3 {
		// The doc shows node 1; node N listens on its own address and is named nodeN.
		r := strings.NewReplacer(append(repl, "node1", "node"+string(rune('1'+i)))...)
		var env []string
		for _, s := range settings {
			value := r.Replace(s[2])
			switch s[1] {
			case "FECHATTER_DATABASE__URL":
				continue // the throwaway Postgres stands for the doc's db host (testproc passes it)
			case "FECHATTER_CLUSTER__LISTEN":
				value = routes[i]
			}
			env = append(env, s[1]+"="+value)
		}
		nodes = append(nodes, newNode(t, "node"+string(rune('1'+i)), dbURL, env...))
	}
	launchCluster(t, nodes)

	alice, ws := setup(t, nodes[0], "alice", "Acme")
	bob := signUp(t, nodes[1], "bob", invite(t, alice, ws.ID))
	chat := newChat(t, alice, ws.ID, model.ChatDirect, "", bob)
	s := openStream(t, bob.c, "bob@node2", 0)
	s.ready(t, bob.id())
	m := send(t, alice, chat.ID, "across the cluster")
	s.until(t, m.ID)
}
