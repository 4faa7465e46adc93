package search

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/client"
)

// summaryLine matches reindex's closing line: "reindexed 12 of 12 messages in 1.2s".
var summaryLine = regexp.MustCompile(`reindexed (\d+) of (\d+) messages in \S+`)

// restartAndReindex: SIGTERM, `fechatter reindex` on the stopped instance
// (progress, exit 0), start again: everything is found as before, nothing
// deleted or replaced comes back, and new messages are indexed.
func (s *suite) restartAndReindex(t *testing.T) {
	s.srv.stop(t)
	out := s.in.reindex(t)
	m := summaryLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("reindex did not report completion:\n%s", out)
	}
	done, _ := strconv.Atoi(m[1])
	total, _ := strconv.Atoi(m[2])
	if done == 0 || done != total {
		t.Errorf("reindex ended at %d of %d:\n%s", done, total, out)
	}
	s.srv = s.in.start(t)
	s.repoint()
	s.afterRestart(t, true)
}

// reindexWhileRunning: `fechatter reindex` beside the running server (which
// holds the embedded index) fails at once saying what to do, instead of
// waiting on the index lock forever.
func (s *suite) reindexWhileRunning(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), reindexTimeout)
	defer cancel()
	out, err := s.in.proc.Command(ctx, "reindex").CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("reindex beside a running server hung; output:\n%s", out)
	}
	if err == nil {
		t.Fatalf("reindex beside a running server succeeded; output:\n%s", out)
	}
	if !strings.Contains(string(out), "in use by another process") || !strings.Contains(string(out), "stop the server") {
		t.Errorf("reindex did not say what to do:\n%s", out)
	}
}

// rebuildFromEmpty: with <data>/search deleted while stopped, the server
// rebuilds the index by itself once started.
func (s *suite) rebuildFromEmpty(t *testing.T) {
	s.srv.stop(t)
	dir := filepath.Join(s.in.proc.DataDir, "search")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("index dir: %v", err)
	}
	mustDo(t, os.RemoveAll(dir))
	s.srv = s.in.start(t)
	s.repoint()
	q := client.SearchParams{Query: "deployment", Limit: 100, Facets: allFacets}
	s.waitExactly(t, s.alice, s.lab.ID, q, s.beh.pick(0, 5))
	s.waitExactly(t, s.bob, s.lab.ID, client.SearchParams{Limit: 100, Facets: allFacets}, s.beh.msgs)
	s.afterRestart(t, false)
}

// afterRestart checks what a restarted server must still do; settingsKept
// says whether the workspace's search settings are expected to survive.
func (s *suite) afterRestart(t *testing.T, settingsKept bool) {
	q := func(text string) client.SearchParams {
		return client.SearchParams{Query: text, Limit: 100, Facets: allFacets}
	}
	s.waitExactly(t, s.alice, s.lab.ID, q("deployment"), s.beh.pick(0, 5))
	s.expectExactly(t, s.alice, s.lab.ID, q("deploymnet"), s.beh.pick(0, 5))
	s.expectExactly(t, s.bob, s.lab.ID, q("kube"), s.beh.pick(0))
	// Permissions as before the restart (carol is gone from Acme).
	w := &s.perm
	s.waitExactly(t, s.alice, s.acme.ID, q(permToken), w.all)
	s.expectExactly(t, s.bob, s.acme.ID, q(permToken), inChats(w.all, w.general, w.group, w.guestroom))
	s.expectExactly(t, s.gina, s.acme.ID, q(permToken), inChats(w.all, w.guestroom))
	s.expectExactly(t, s.bob, s.acme.ID, client.SearchParams{Query: permToken, ChatIDs: []int64{w.secret.ID, w.ops.ID, w.leavers.ID, w.bchan.ID}, Facets: allFacets}, nil)
	_, err := s.mallory.c.Search(s.ctx, s.acme.ID, q(permToken))
	wantStatus(t, "mallory in Acme after restart", err, 404)
	_, err = s.carol.c.Search(s.ctx, s.acme.ID, q(permToken))
	wantStatus(t, "carol in Acme after restart", err, 404)
	// Nothing deleted or replaced comes back.
	for _, text := range []string{"quokka", "doomed", "wombat", "original"} {
		s.expectExactly(t, s.alice, s.acme.ID, q(text), nil)
	}
	res := s.search(t, s.alice, s.acme.ID, q("platypus"))
	if ids := hitIDs(res); len(ids) != 1 || ids[0] != s.editedID || res.Total != 1 {
		t.Errorf("platypus after restart: %v (total %d), want [%d]", ids, res.Total, s.editedID)
	}
	// New messages are indexed by the restarted indexer.
	fresh := s.send(t, s.bob, s.beh.eng, "narwhal arrived after restart "+strconv.Itoa(s.in.proc.Runs()))
	s.waitExactly(t, s.alice, s.lab.ID, q("narwhal arrived after restart "+strconv.Itoa(s.in.proc.Runs())), []sent{fresh})
	s.beh.msgs = append(s.beh.msgs, fresh)

	st, err := s.alice.c.SearchSettings(s.ctx, s.lab.ID)
	mustDo(t, err)
	if settingsKept {
		if len(st.Synonyms["k8s"]) == 0 {
			t.Errorf("settings after reindex = %+v, want the synonyms kept", st)
		}
		s.expectExactly(t, s.alice, s.lab.ID, q("k8s"), s.beh.pick(0))
	} else if len(st.Synonyms["k8s"]) == 0 {
		// Known issue (reported): workspace settings live inside the index
		// directory, so rebuilding the index from the database loses them.
		t.Logf("settings after rebuilding a deleted index = %+v: the workspace's synonyms were lost", st)
	}
}
