// Package realtime drives the built fechatter binary through the public Go
// client to check real-time delivery end to end, on SQLite and on Postgres:
// lossless resume with Last-Event-ID, exactly-once delivery across a kill -9
// and a graceful restart, fan-out by current membership, the ways a stream
// authenticates, and a three-node cluster (Postgres only) that keeps
// delivering while its nodes stop and die.
//
// Every wait has a deadline only so that a hang fails instead of blocking;
// no test asserts how fast anything is.
package realtime

import (
	"os"
	"testing"

	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// engine is a storage engine a test runs on.
type engine struct {
	name  string
	dbURL func(t *testing.T) string // "" for SQLite in the data dir
}

var engines = []engine{
	{"sqlite", func(*testing.T) string { return "" }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

// eachEngine runs f once per storage engine, the engines in parallel (each
// has its own server process and most of a run is waiting on it).
func eachEngine(t *testing.T, f func(t *testing.T, dbURL string)) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			f(t, e.dbURL(t))
		})
	}
}
