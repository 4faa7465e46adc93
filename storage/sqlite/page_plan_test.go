package sqlite

import (
	"context"
	"strings"
	"testing"
)

// TestPageUsesSeqIndex checks the plan of every message page: it must search
// the (chat_id, seq) index and never sort, so the latest 50 of a chat of a
// million messages read 51 rows, not the chat.
func TestPageUsesSeqIndex(t *testing.T) {
	s := openTest(t)
	for _, tc := range []struct {
		where, order string
		args         []any
	}{
		{`m.chat_id = ?`, `DESC`, []any{1, 51}},
		{`m.chat_id = ? AND m.seq < ?`, `DESC`, []any{1, 100, 51}},
		{`m.chat_id = ? AND m.seq > ?`, `ASC`, []any{1, 100, 51}},
	} {
		rows, err := s.rdb.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+pageSQL(tc.where, tc.order), tc.args...)
		if err != nil {
			t.Fatalf("explain: %v", err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatalf("explain: %v", err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "; ")
		t.Logf("ORDER BY seq %s WHERE %s: %s", tc.order, tc.where, all)
		if !strings.Contains(all, "SEARCH m USING INDEX sqlite_autoindex_messages_1 (chat_id=?") || strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%s ORDER BY seq %s: plan %q, want a search of the (chat_id, seq) index and no sort", tc.where, tc.order, plan)
		}
	}
}
