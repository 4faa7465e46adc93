package search

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// Observed wraps an Index so that its searches are timed (by engine) and
// the documents it writes are counted, in the fechatter_search_* metrics.
func Observed(idx Index, engine string) Index {
	return observed{Index: idx, queries: telemetry.SearchQueryDuration.WithLabelValues(engine)}
}

type observed struct {
	Index
	queries prometheus.Observer
}

func (o observed) Search(ctx context.Context, q Query) (Result, error) {
	start := time.Now()
	res, err := o.Index.Search(ctx, q)
	o.queries.Observe(time.Since(start).Seconds())
	return res, err
}

func (o observed) Upsert(ctx context.Context, docs []Doc) error {
	if err := o.Index.Upsert(ctx, docs); err != nil {
		return err
	}
	telemetry.SearchDocsIndexed.Add(float64(len(docs)))
	return nil
}

// Compact keeps the bulk-load merge of an engine that has one.
func (o observed) Compact(ctx context.Context) error { return compact(ctx, o.Index) }
