package monitoring

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// TestDatabaseMetrics: both engines time their statements by kind and
// expose their pools under fechatter_db_*; SQLite also its group commits.
func TestDatabaseMetrics(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		engine string
		dbURL  func(t *testing.T) string
		want   []string
	}{
		{"sqlite", func(*testing.T) string { return "" }, []string{
			`fechatter_db_query_duration_seconds_count{engine="sqlite",kind="insert"}`,
			`fechatter_db_query_duration_seconds_count{engine="sqlite",kind="select"}`,
			`fechatter_db_query_duration_seconds_count{engine="sqlite",kind="tx"}`,
			`fechatter_db_connections_in_use{engine="sqlite",pool="writer"}`,
			`fechatter_db_connections_idle{engine="sqlite",pool="reader"}`,
			`fechatter_sqlite_group_commit_batch_size_count`,
		}},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }, []string{
			`fechatter_db_query_duration_seconds_count{engine="postgres",kind="insert"}`,
			`fechatter_db_query_duration_seconds_count{engine="postgres",kind="select"}`,
			`fechatter_db_query_duration_seconds_count{engine="postgres",kind="tx"}`,
			`fechatter_db_connections_in_use{engine="postgres",pool="pool"}`,
			`fechatter_db_wait_count_total{engine="postgres",pool="pool"}`,
		}},
	} {
		t.Run(tc.engine, func(t *testing.T) {
			t.Parallel()
			n := startNode(t, tc.dbURL(t))
			n.send(t, 3)
			testproc.Eventually(t, waitFor, func() error {
				status, body := get(t, n.URL()+"/metrics", nil)
				if status != http.StatusOK {
					return fmt.Errorf("/metrics = %d", status)
				}
				for _, want := range tc.want {
					if !strings.Contains(body, want) {
						return fmt.Errorf("/metrics lacks %s", want)
					}
				}
				if !strings.Contains(body, "fechatter_messages_sent_total 3") {
					return fmt.Errorf("/metrics lacks fechatter_messages_sent_total 3")
				}
				return nil
			})
		})
	}
}
