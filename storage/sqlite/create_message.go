package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// CreateMessage stores m with the chat's next seq, or, when (chat, sender,
// client id) exists, fills m with that message and reports created=false.
// It is one transaction: the seq bump, the row and its links commit together.
func (q *queries) CreateMessage(ctx context.Context, m *model.Message) (bool, error) {
	created := false
	err := q.atomic(ctx, func(q *queries) error {
		existing, err := q.messageByClientID(ctx, m)
		if err == nil {
			*m = existing
			return nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if err := q.insertMessage(ctx, m); err != nil {
			return err
		}
		created = true
		return nil
	})
	return created, err
}

const messageByClientIDSQL = `SELECT ` + msgCols + `, ` + userCols + `
	FROM messages m JOIN users u ON u.id = m.sender_id
	WHERE m.chat_id = ? AND m.sender_id = ? AND m.client_id = ? AND m.client_id <> ''`

// messageByClientID returns the hydrated message m retries, ErrNotFound if
// none. The redundant test that client_id is not empty lets SQLite use the
// partial unique index messages_client_id: without it the planner cannot
// tell that the bound parameter is not empty, and it scans every message
// of the chat instead, which made each send slower as the chat grew.
func (q *queries) messageByClientID(ctx context.Context, m *model.Message) (model.Message, error) {
	if m.ClientID == "" {
		return model.Message{}, notFound("message by client id")
	}
	found, err := scanMessage(q.w.QueryRowContext(ctx, messageByClientIDSQL, m.ChatID, m.SenderID, m.ClientID))
	if err != nil {
		return model.Message{}, wrap("message by client id", err)
	}
	msgs := []model.Message{found}
	if err := q.hydrate(ctx, m.SenderID, msgs); err != nil {
		return model.Message{}, err
	}
	return msgs[0], nil
}

// insertMessage takes the chat's next seq and inserts m with its
// mentions, attachments and the parent's reply count.
func (q *queries) insertMessage(ctx context.Context, m *model.Message) error {
	at := now()
	err := q.w.QueryRowContext(ctx, `UPDATE chats SET last_seq = last_seq + 1, last_activity_at = ?
		WHERE id = ? RETURNING last_seq, workspace_id`, micros(at), m.ChatID).Scan(&m.Seq, &m.WorkspaceID)
	if err != nil {
		return wrap("create message: chat", err)
	}
	if m.ReplyTo != nil {
		if err := q.bumpReplyCount(ctx, m.ChatID, *m.ReplyTo); err != nil {
			return err
		}
	}
	err = q.w.QueryRowContext(ctx, `INSERT INTO messages (chat_id, workspace_id, seq, sender_id, content,
		client_id, reply_to, reply_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id`,
		m.ChatID, m.WorkspaceID, m.Seq, m.SenderID, m.Content, m.ClientID, replyTo(m.ReplyTo), micros(at)).Scan(&m.ID)
	if err != nil {
		return wrap("create message", err)
	}
	m.CreatedAt, m.ReplyCount, m.EditedAt, m.DeletedAt, m.Deleted = at, 0, nil, nil, false
	return q.linkMessage(ctx, m)
}

func replyTo(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

// bumpReplyCount counts one more reply on parentID, which must be in chatID.
func (q *queries) bumpReplyCount(ctx context.Context, chatID, parentID int64) error {
	res, err := q.w.ExecContext(ctx, `UPDATE messages SET reply_count = reply_count + 1
		WHERE id = ? AND chat_id = ?`, parentID, chatID)
	return mustAffect("create message: reply_to", res, err)
}

// linkMessage stores mentions and attachments and fills m's hydrated
// fields the way Message would read them back, without reading back what
// it just wrote (a new message has no reactions yet).
func (q *queries) linkMessage(ctx context.Context, m *model.Message) error {
	mentions := uniqueIDs(m.Mentions)
	if err := q.insertMentions(ctx, m.ID, m.ChatID, mentions); err != nil {
		return err
	}
	slices.Sort(mentions)
	var fileIDs []int64
	for _, f := range m.Attachments {
		fileIDs = append(fileIDs, f.ID)
	}
	files := []model.File{}
	for i, id := range uniqueIDs(fileIDs) {
		f, err := q.attach(ctx, m, id, i)
		if err != nil {
			return err
		}
		files = append(files, f)
	}
	sender, err := scanUser(q.w.QueryRowContext(ctx, `SELECT `+userCols+` FROM users u WHERE u.id = ?`, m.SenderID))
	if err != nil {
		return wrap("create message: sender", err)
	}
	m.Sender, m.Mentions, m.Attachments, m.Reactions = sender, mentions, files, []model.ReactionCount{}
	return nil
}

// attach links file id (which must be in m's workspace) to m at position.
func (q *queries) attach(ctx context.Context, m *model.Message, id int64, position int) (model.File, error) {
	op := fmt.Sprintf("attach file %d", id)
	var f model.File
	dest, finish := fileDest(&f)
	err := q.w.QueryRowContext(ctx, `SELECT `+fileCols+` FROM files f WHERE f.id = ? AND f.workspace_id = ?`,
		id, m.WorkspaceID).Scan(dest...)
	if err != nil {
		return model.File{}, wrap(op, err)
	}
	finish()
	_, err = q.w.ExecContext(ctx, `INSERT INTO message_files (message_id, file_id, position) VALUES (?, ?, ?)`,
		m.ID, id, position)
	return f, wrap(op, err)
}
