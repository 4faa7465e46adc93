// Package upgradetest holds the database fixtures of every released schema
// version (testdata/<engine>/NNNN.sql: a database migrated to version NNNN
// with representative rows, dumped by sqlite3 .dump and pg_dump) and the
// test that upgrades each to the current schema on both engines and reads
// it back through the store.
//
// A release that adds migration NNNN adds its fixtures (generated from the
// migration files on disk, so run it before any later migration exists):
//
//	go test ./storage/upgradetest -run TestGenerateFixtures -generate NNNN
package upgradetest

import (
	"os"
	"testing"

	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
