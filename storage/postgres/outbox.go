package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Outbox seqs come from an identity column. Unlike SQLite's single writer,
// two Postgres transactions can commit in the opposite order of their seqs,
// so a reader that remembers "the highest seq seen" could skip an event that
// commits later with a lower seq. The relay must therefore poll
// UnpublishedEvents (which finds every unpublished row whatever its seq),
// not EventsAfter. Events of one chat are still in commit order: message
// writes hold the chat row's lock until they commit.

const eventCols = `seq, event_id, type, workspace_id, chat_id, actor_id, payload, created_at, published_at, trace_parent`

func eventDest(e *model.Event) []any {
	return []any{&e.Seq, &e.ID, &e.Type, &e.WorkspaceID, &e.ChatID, &e.ActorID, &e.Payload, &e.CreatedAt, &e.PublishedAt, &e.TraceParent}
}

// AppendEvent inserts e and sets e.Seq and e.CreatedAt; ErrConflict when an
// event with the same ID exists.
func (q *queries) AppendEvent(ctx context.Context, e *model.Event) error {
	created := now()
	payload := e.Payload
	if payload == nil {
		payload = []byte{}
	}
	err := q.db.QueryRow(ctx, `INSERT INTO outbox (event_id, type, workspace_id, chat_id, actor_id,
			payload, created_at, trace_parent)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING seq`,
		e.ID, e.Type, e.WorkspaceID, e.ChatID, e.ActorID, payload, created, e.TraceParent).Scan(&e.Seq)
	if isNoRows(err) {
		return conflict("append event")
	}
	if err != nil {
		return wrap("append event", err)
	}
	e.CreatedAt = created
	return nil
}

// UnpublishedEvents returns up to limit events not yet published, in Seq order.
func (q *queries) UnpublishedEvents(ctx context.Context, limit int) ([]model.Event, error) {
	return q.events(ctx, "unpublished events", `SELECT `+eventCols+` FROM outbox
		WHERE published_at IS NULL ORDER BY seq LIMIT $1`, batchLimit(limit))
}

// MarkPublished sets PublishedAt on the events with these seqs (keeping
// the first time for events already marked).
func (q *queries) MarkPublished(ctx context.Context, seqs []int64, at time.Time) error {
	if len(seqs) == 0 {
		return nil
	}
	_, err := q.db.Exec(ctx, `UPDATE outbox SET published_at = $2
		WHERE seq = ANY($1) AND published_at IS NULL`, seqs, stored(at))
	return wrap("mark published", err)
}

// PublishedAfter returns up to limit events published after eventID, in
// publication order: by published_at (one relay round shares it), then
// seq. A row with a lower seq that committed late went out in a later
// round, so it comes after; the seq range keeps the scan near the event.
func (q *queries) PublishedAfter(ctx context.Context, eventID string, limit int) ([]model.Event, error) {
	var seq int64
	var at *time.Time
	err := q.db.QueryRow(ctx, `SELECT seq, published_at FROM outbox WHERE event_id = $1`, eventID).Scan(&seq, &at)
	if isNoRows(err) || (err == nil && at == nil) {
		return []model.Event{}, nil
	}
	if err != nil {
		return nil, wrap("published after", err)
	}
	return q.events(ctx, "published after", `SELECT `+eventCols+` FROM outbox
		WHERE seq > $2 AND published_at IS NOT NULL AND (published_at, seq) > ($3, $4)
		ORDER BY published_at, seq LIMIT $1`, batchLimit(limit), seq-storage.PublishReorderSpan, *at, seq)
}

// EventsAfter returns up to limit events with Seq > after, in order.
func (q *queries) EventsAfter(ctx context.Context, after int64, limit int) ([]model.Event, error) {
	return q.events(ctx, "events after", `SELECT `+eventCols+` FROM outbox
		WHERE seq > $2 ORDER BY seq LIMIT $1`, batchLimit(limit), after)
}

func (q *queries) events(ctx context.Context, op, query string, args ...any) ([]model.Event, error) {
	rows, err := q.db.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Event, error) {
		var e model.Event
		err := r.Scan(eventDest(&e)...)
		return e, err
	})
	return nonNil(out), wrap(op, err)
}

// PruneEvents deletes up to limit of the oldest events published before
// publishedBefore; unpublished events stay whatever their age.
func (q *queries) PruneEvents(ctx context.Context, publishedBefore time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = 1000
	}
	tag, err := q.db.Exec(ctx, `DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox
		WHERE published_at IS NOT NULL AND published_at < $1 ORDER BY seq LIMIT $2)`, stored(publishedBefore), limit)
	if err != nil {
		return 0, wrap("prune events", err)
	}
	return int(tag.RowsAffected()), nil
}
