package appliance

import (
	"net/http"
	"os"
)

// NodeHeader names, on every response of a cluster node, the node that
// answered (its cluster.node_name), so that an operator or a test can see
// where the gateway sent a request. A single node does not send it.
const NodeHeader = "X-Fechatter-Node"

// clusterNodeName is this node's name in a cluster, "" when not clustered.
func (c Config) clusterNodeName() string {
	if len(c.Cluster.Routes) == 0 {
		return ""
	}
	if c.Cluster.NodeName != "" {
		return c.Cluster.NodeName
	}
	name, _ := os.Hostname()
	return name
}

// withNodeHeader adds NodeHeader to every response of next; name "" adds nothing.
func withNodeHeader(name string, next http.Handler) http.Handler {
	if name == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(NodeHeader, name)
		next.ServeHTTP(w, r)
	})
}
