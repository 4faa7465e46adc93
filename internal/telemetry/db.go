package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Statement kinds, the kind label of DBQueryDuration.
const (
	KindSelect = "select"
	KindInsert = "insert"
	KindUpdate = "update"
	KindDelete = "delete"
	// KindTx is a whole write transaction, from BEGIN to COMMIT.
	KindTx    = "tx"
	KindOther = "other"
)

var statementKinds = []string{KindSelect, KindInsert, KindUpdate, KindDelete, KindTx, KindOther}

// QueryTimer observes the statements of one database engine in
// DBQueryDuration. Its observers are resolved once, so timing a statement
// costs two clock reads and one histogram update.
type QueryTimer struct {
	byKind map[string]prometheus.Observer
}

// NewQueryTimer returns the timer of engine ("sqlite", "postgres").
func NewQueryTimer(engine string) *QueryTimer {
	t := &QueryTimer{byKind: make(map[string]prometheus.Observer, len(statementKinds))}
	for _, k := range statementKinds {
		t.byKind[k] = DBQueryDuration.WithLabelValues(k, engine)
	}
	return t
}

// Since records a statement of the given SQL text that started at start.
func (t *QueryTimer) Since(query string, start time.Time) {
	t.byKind[StatementKind(query)].Observe(time.Since(start).Seconds())
}

// SinceKind records a statement of a known kind that started at start.
func (t *QueryTimer) SinceKind(kind string, start time.Time) {
	t.byKind[kind].Observe(time.Since(start).Seconds())
}

// StatementKind is the kind of a SQL text by its first keyword; a WITH
// or anything else is "other".
func StatementKind(query string) string {
	i := 0
	for i < len(query) && (query[i] == ' ' || query[i] == '\t' || query[i] == '\n' || query[i] == '\r' || query[i] == '(') {
		i++
	}
	if len(query)-i < 6 {
		return KindOther
	}
	switch word := query[i : i+6]; {
	case equalFoldASCII(word, "select"):
		return KindSelect
	case equalFoldASCII(word, "insert"):
		return KindInsert
	case equalFoldASCII(word, "update"):
		return KindUpdate
	case equalFoldASCII(word, "delete"):
		return KindDelete
	}
	return KindOther
}

// equalFoldASCII compares s with the lowercase word w, ignoring ASCII case.
func equalFoldASCII(s, w string) bool {
	for i := range len(w) {
		if s[i]|0x20 != w[i] {
			return false
		}
	}
	return true
}

// PoolStats is one connection pool's state, as database/sql and pgxpool
// report it.
type PoolStats struct {
	// Pool names the pool within its engine ("writer", "reader", "pool").
	Pool string
	// Open, InUse and Idle count connections; Max is the pool's cap.
	Open, InUse, Idle, Max int
	// WaitCount and WaitDuration total the waits for a free connection.
	WaitCount    int64
	WaitDuration time.Duration
}

// dbStatsCollector exposes PoolStats under fechatter_db_*.
type dbStatsCollector struct {
	engine                     string
	stats                      func() []PoolStats
	open, inUse, idle, max     *prometheus.Desc
	waitCount, waitSecondsDesc *prometheus.Desc
}

// NewDBStatsCollector returns a collector of the pools stats returns, for
// RegisterDBStats. It reads them at each scrape.
func NewDBStatsCollector(engine string, stats func() []PoolStats) prometheus.Collector {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(Namespace+"_db_"+name, help, []string{"engine", "pool"}, nil)
	}
	return &dbStatsCollector{
		engine: engine, stats: stats,
		open:            desc("connections_open", "Open database connections, in use or idle."),
		inUse:           desc("connections_in_use", "Database connections in use."),
		idle:            desc("connections_idle", "Idle database connections."),
		max:             desc("connections_max", "Most database connections the pool opens."),
		waitCount:       desc("wait_count_total", "Times a caller waited for a free database connection."),
		waitSecondsDesc: desc("wait_seconds_total", "Seconds callers spent waiting for a free database connection."),
	}
}

func (c *dbStatsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.open, c.inUse, c.idle, c.max, c.waitCount, c.waitSecondsDesc} {
		ch <- d
	}
}

func (c *dbStatsCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.stats() {
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, c.engine, s.Pool)
		}
		gauge(c.open, float64(s.Open))
		gauge(c.inUse, float64(s.InUse))
		gauge(c.idle, float64(s.Idle))
		gauge(c.max, float64(s.Max))
		ch <- prometheus.MustNewConstMetric(c.waitCount, prometheus.CounterValue, float64(s.WaitCount), c.engine, s.Pool)
		ch <- prometheus.MustNewConstMetric(c.waitSecondsDesc, prometheus.CounterValue, s.WaitDuration.Seconds(), c.engine, s.Pool)
	}
}

// UnregisterDBStats removes a collector RegisterDBStats registered (the
// store it reads is closing).
func UnregisterDBStats(collector prometheus.Collector) bool {
	return Registry.Unregister(collector)
}
