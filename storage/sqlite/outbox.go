package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// AppendEvent inserts e and sets e.Seq and e.CreatedAt.
func (q *queries) AppendEvent(ctx context.Context, e *model.Event) error {
	created := orNow(e.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO outbox (event_id, type, workspace_id, chat_id,
			actor_id, payload, created_at, trace_parent) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			e.ID, e.Type, e.WorkspaceID, e.ChatID, e.ActorID, string(e.Payload), micros(created), e.TraceParent).Scan(&e.Seq)
		if err != nil {
			return wrap("append event", err)
		}
		e.CreatedAt = created
		return nil
	})
}

const eventCols = `seq, event_id, type, workspace_id, chat_id, actor_id, payload, created_at, published_at, trace_parent`

func (q *queries) events(ctx context.Context, op, where string, args ...any) ([]model.Event, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT `+eventCols+` FROM outbox WHERE `+where, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []model.Event{}
	for rows.Next() {
		var e model.Event
		var payload string
		var created int64
		var published sql.NullInt64
		err := rows.Scan(&e.Seq, &e.ID, &e.Type, &e.WorkspaceID, &e.ChatID, &e.ActorID, &payload, &created, &published, &e.TraceParent)
		if err != nil {
			return nil, wrap(op, err)
		}
		e.Payload, e.CreatedAt, e.PublishedAt = []byte(payload), fromMicros(created), fromNullMicros(published)
		out = append(out, e)
	}
	return out, wrap(op, rows.Err())
}

// UnpublishedEvents returns up to limit unpublished events in Seq order.
func (q *queries) UnpublishedEvents(ctx context.Context, limit int) ([]model.Event, error) {
	return q.events(ctx, "unpublished events", `published_at IS NULL ORDER BY seq LIMIT ?`, limit)
}

// MarkPublished sets PublishedAt on the events with these seqs (keeping
// an earlier publication time).
func (q *queries) MarkPublished(ctx context.Context, seqs []int64, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		for _, chunk := range chunks(uniqueIDs(seqs)) {
			_, err := q.w.ExecContext(ctx, `UPDATE outbox SET published_at = ?
				WHERE published_at IS NULL AND seq IN (`+placeholders(len(chunk))+`)`,
				append([]any{micros(at)}, int64Args(chunk)...)...)
			if err != nil {
				return wrap("mark published", err)
			}
		}
		return nil
	})
}

// PublishedAfter returns up to limit events published after eventID, in
// publication order: by published_at (one relay round shares it), then seq.
func (q *queries) PublishedAfter(ctx context.Context, eventID string, limit int) ([]model.Event, error) {
	var seq int64
	var at sql.NullInt64
	err := q.r.QueryRowContext(ctx, `SELECT seq, published_at FROM outbox WHERE event_id = ?`, eventID).Scan(&seq, &at)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !at.Valid) {
		return []model.Event{}, nil
	}
	if err != nil {
		return nil, wrap("published after", err)
	}
	return q.events(ctx, "published after", `seq > ? AND published_at IS NOT NULL
		AND (published_at > ? OR (published_at = ? AND seq > ?)) ORDER BY published_at, seq LIMIT ?`,
		seq-storage.PublishReorderSpan, at.Int64, at.Int64, seq, limit)
}

// EventsAfter returns up to limit events with Seq > after, in order.
func (q *queries) EventsAfter(ctx context.Context, after int64, limit int) ([]model.Event, error) {
	return q.events(ctx, "events after", `seq > ? ORDER BY seq LIMIT ?`, after, limit)
}

// PruneEvents deletes up to limit of the oldest events published before
// publishedBefore; unpublished events stay whatever their age.
func (q *queries) PruneEvents(ctx context.Context, publishedBefore time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = 1000
	}
	var n int64
	err := q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox
			WHERE published_at IS NOT NULL AND published_at < ? ORDER BY seq LIMIT ?)`, micros(publishedBefore), limit)
		if err != nil {
			return wrap("prune events", err)
		}
		n, err = res.RowsAffected()
		return wrap("prune events", err)
	})
	return int(n), err
}
