package sqlite

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestMessageByClientIDUsesIndex guards the lookup every send makes: a
// scan of the chat's messages there made sends slower as a chat grew.
func TestMessageByClientIDUsesIndex(t *testing.T) {
	s := openTest(t)
	rows, err := s.rdb.QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+messageByClientIDSQL, 1, 1, "c")
	if err != nil {
		t.Fatalf("explain: %v", err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatalf("explain: %v", err)
		}
		plan = append(plan, detail)
	}
	if !slices.ContainsFunc(plan, func(d string) bool { return strings.Contains(d, "INDEX messages_client_id") }) {
		t.Fatalf("client id lookup does not use messages_client_id: %q", plan)
	}
}
