// Package search drives the built fechatter binary's message search
// through the public Go client, once per storage engine: permission safety
// (hits, totals and every facet only ever cover chats the caller is in
// now), typo tolerance, prefixes, phrases, exclusions, filters, sorting,
// facets, safe highlights, per-workspace settings, and the index surviving
// a restart, a `fechatter reindex` and the loss of its directory.
//
// The index is updated asynchronously (a JetStream consumer), so every
// check that depends on a new write polls with a deadline until it holds;
// checks that depend only on membership, which is read at query time, do
// not wait.
package search

import (
	"context"
	"strconv"
	"testing"

	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestSearch runs every step once per storage engine.
func TestSearch(t *testing.T) {
	for _, engine := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel() // each engine has its own process
			s := &suite{ctx: context.Background(), in: newInstance(t, engine.dbURL(t))}
			s.srv = s.in.start(t)
			for _, step := range []struct {
				name string
				run  func(t *testing.T)
				// needed: later steps build on this one's state, so they
				// are not run when it fails.
				needed bool
			}{
				{"setup", s.setup, true},
				{"permission world", s.permissionWorld, true},
				{"permission matrix", s.permissionMatrix, false},
				{"not a member: 404", s.permissionNotFound, false},
				{"deleted and edited messages", s.deletedAndEdited, true},
				{"removed from the workspace", s.removedFromWorkspace, true},
				{"behaviour world", s.behaviourWorld, true},
				{"behaviour", s.behaviour, false},
				{"settings", s.settings, true},
				{"renamed and deleted chats", s.chatChanges, false},
				{"reindex beside the running server", s.reindexWhileRunning, false},
				{"restart and reindex", s.restartAndReindex, true},
				{"rebuild a deleted index", s.rebuildFromEmpty, true},
			} {
				if !t.Run(step.name, step.run) && step.needed {
					t.Fatalf("step %q failed; later steps depend on it", step.name)
				}
			}
		})
	}
}
