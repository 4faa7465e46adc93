// Package gateway drives `fechatter gateway` in front of three `fechatter
// serve` nodes on one Postgres, all built binaries on loopback ports: a
// signed-in user's requests and event stream reach one node, a killed
// node's users move to another, and a stream reconnecting through the
// gateway with Last-Event-ID gets every message once, in order.
//
// Every wait has a deadline only so that a hang fails instead of blocking;
// nothing here asserts how fast anything is.
package gateway

import (
	"os"
	"testing"

	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
