package sqlite

import (
	"context"
)

// AddReaction adds userID's emoji to a live message; added is false when
// it was already there. ErrNotFound when the message is gone.
func (q *queries) AddReaction(ctx context.Context, messageID, userID int64, emoji string) (bool, error) {
	added := false
	err := q.atomic(ctx, func(q *queries) error {
		var deleted bool
		err := q.w.QueryRowContext(ctx, `SELECT deleted_at IS NOT NULL FROM messages WHERE id = ?`, messageID).Scan(&deleted)
		if err != nil {
			return wrap("add reaction", err)
		}
		if deleted {
			return notFound("add reaction: message deleted")
		}
		res, err := q.w.ExecContext(ctx, `INSERT INTO reactions (message_id, user_id, emoji, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`, messageID, userID, emoji, micros(now()))
		if err != nil {
			return wrap("add reaction", err)
		}
		n, err := res.RowsAffected()
		added = n == 1
		return wrap("add reaction", err)
	})
	return added, err
}

// RemoveReaction removes userID's emoji; removed is false when it was not there.
func (q *queries) RemoveReaction(ctx context.Context, messageID, userID int64, emoji string) (bool, error) {
	removed := false
	err := q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?`,
			messageID, userID, emoji)
		if err != nil {
			return wrap("remove reaction", err)
		}
		n, err := res.RowsAffected()
		removed = n == 1
		return wrap("remove reaction", err)
	})
	return removed, err
}
