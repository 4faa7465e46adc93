package postgres

import "context"

// AddReaction is idempotent; added reports whether it was new. ErrNotFound
// when the message does not exist or is deleted.
func (q *queries) AddReaction(ctx context.Context, messageID, userID int64, emoji string) (bool, error) {
	tag, err := q.db.Exec(ctx, `INSERT INTO reactions (message_id, user_id, emoji, created_at)
		SELECT m.id, $2, $3, $4 FROM messages m WHERE m.id = $1 AND m.deleted_at IS NULL
		ON CONFLICT DO NOTHING`, messageID, userID, emoji, now())
	if err != nil {
		return false, wrap("add reaction", err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	var live bool
	err = q.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM messages WHERE id = $1 AND deleted_at IS NULL)`,
		messageID).Scan(&live)
	if err != nil {
		return false, wrap("add reaction", err)
	}
	if !live {
		return false, notFound("add reaction: message")
	}
	return false, nil
}

// RemoveReaction is idempotent; removed reports whether it existed.
func (q *queries) RemoveReaction(ctx context.Context, messageID, userID int64, emoji string) (bool, error) {
	tag, err := q.db.Exec(ctx, `DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3`,
		messageID, userID, emoji)
	if err != nil {
		return false, wrap("remove reaction", err)
	}
	return tag.RowsAffected() == 1, nil
}
