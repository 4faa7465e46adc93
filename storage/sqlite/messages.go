package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// msgCols are the messages columns msgDest reads, for a table aliased m,
// followed by the sender's userCols (users aliased u).
const msgCols = `m.id, m.chat_id, m.workspace_id, m.seq, m.sender_id, m.content, m.client_id,
	m.reply_to, m.reply_count, m.created_at, m.edited_at, m.deleted_at, m.lang`

// msgRow holds a scanned message; every column is nullable so that the
// same scan serves LEFT JOINs (a chat without messages).
type msgRow struct {
	id, chatID, wsID, seq, senderID, replyCount, created sql.NullInt64
	replyTo, edited, deleted                             sql.NullInt64
	content, clientID, lang                              sql.NullString
}

func (r *msgRow) dest() []any {
	return []any{&r.id, &r.chatID, &r.wsID, &r.seq, &r.senderID, &r.content, &r.clientID,
		&r.replyTo, &r.replyCount, &r.created, &r.edited, &r.deleted, &r.lang}
}

// message converts the row; attachments, reactions and mentions start empty.
func (r *msgRow) message() model.Message {
	m := model.Message{
		ID: r.id.Int64, ChatID: r.chatID.Int64, WorkspaceID: r.wsID.Int64, Seq: r.seq.Int64,
		SenderID: r.senderID.Int64, Content: r.content.String, ClientID: r.clientID.String, Lang: r.lang.String,
		ReplyCount: int(r.replyCount.Int64), CreatedAt: fromMicros(r.created.Int64),
		EditedAt: fromNullMicros(r.edited), DeletedAt: fromNullMicros(r.deleted),
		Attachments: []model.File{}, Reactions: []model.ReactionCount{}, Mentions: []int64{},
	}
	if r.replyTo.Valid {
		v := r.replyTo.Int64
		m.ReplyTo = &v
	}
	m.Deleted = m.DeletedAt != nil
	return m
}

// scanMessage reads msgCols followed by userCols.
func scanMessage(sc scanner) (model.Message, error) {
	var r msgRow
	var u model.User
	udest, finish := userDest(&u)
	if err := sc.Scan(append(r.dest(), udest...)...); err != nil {
		return model.Message{}, err
	}
	finish()
	m := r.message()
	m.Sender = u
	return m, nil
}

// queryMessages runs a query selecting msgCols, userCols.
func (q *queries) queryMessages(ctx context.Context, op, query string, args ...any) ([]model.Message, error) {
	rows, err := q.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := []model.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, m)
	}
	return out, wrap(op, rows.Err())
}

// readableByViewer is true when the viewer (the first argument) may read
// chat c: a member of it, or a non-guest member of its workspace when it
// is a public channel.
const readableByViewer = `(EXISTS (SELECT 1 FROM chat_members rcm WHERE rcm.chat_id = c.id AND rcm.user_id = ?1)
	OR (c.type = 'public_channel' AND EXISTS (SELECT 1 FROM workspace_members rwm
		WHERE rwm.workspace_id = c.workspace_id AND rwm.user_id = ?1 AND rwm.role <> 'guest')))`

// canRead returns ErrNotFound unless viewerID may read chatID.
func (q *queries) canRead(ctx context.Context, op string, viewerID, chatID int64) error {
	var one int
	err := q.r.QueryRowContext(ctx, `SELECT 1 FROM chats c WHERE c.id = ?2 AND `+readableByViewer,
		viewerID, chatID).Scan(&one)
	return wrap(op, err)
}

// Message returns one message hydrated for viewerID.
func (q *queries) Message(ctx context.Context, viewerID, chatID, messageID int64) (model.Message, error) {
	if err := q.canRead(ctx, "message", viewerID, chatID); err != nil {
		return model.Message{}, err
	}
	m, err := scanMessage(q.r.QueryRowContext(ctx, `SELECT `+msgCols+`, `+userCols+`
		FROM messages m JOIN users u ON u.id = m.sender_id WHERE m.id = ? AND m.chat_id = ?`, messageID, chatID))
	if err != nil {
		return model.Message{}, wrap("message", err)
	}
	msgs := []model.Message{m}
	if err := q.hydrate(ctx, viewerID, msgs); err != nil {
		return model.Message{}, err
	}
	return msgs[0], nil
}

// ListMessages returns a page in ascending seq, hydrated for viewerID, and
// whether more exist in the paging direction. Without Thread the page holds
// every message of the chat, replies included (they carry ReplyTo), so seqs
// stay gap-free for the client.
func (q *queries) ListMessages(ctx context.Context, viewerID, chatID int64, mq storage.MessageQuery) ([]model.Message, bool, error) {
	if mq.BeforeSeq != nil && mq.AfterSeq != nil {
		return nil, false, fmt.Errorf("list messages: before_seq and after_seq together: %w", storage.ErrInvalid)
	}
	if err := q.canRead(ctx, "list messages", viewerID, chatID); err != nil {
		return nil, false, err
	}
	if mq.Thread != 0 {
		if err := q.threadRootIn(ctx, chatID, mq.Thread); err != nil {
			return nil, false, err
		}
	}
	msgs, more, err := q.page(ctx, chatID, mq)
	if err != nil {
		return nil, false, err
	}
	return msgs, more, q.hydrate(ctx, viewerID, msgs)
}

func (q *queries) threadRootIn(ctx context.Context, chatID, rootID int64) error {
	var one int
	err := q.r.QueryRowContext(ctx, `SELECT 1 FROM messages WHERE id = ? AND chat_id = ?`, rootID, chatID).Scan(&one)
	return wrap("list messages: thread root", err)
}

// page selects one page (limit+1 rows to learn has_more), ascending.
func (q *queries) page(ctx context.Context, chatID int64, mq storage.MessageQuery) ([]model.Message, bool, error) {
	limit := storage.PageLimit(mq.Limit)
	where, args := `m.chat_id = ?`, []any{chatID}
	if mq.Thread != 0 {
		where, args = where+` AND m.reply_to = ?`, append(args, mq.Thread)
	}
	order := `DESC`
	switch {
	case mq.AfterSeq != nil:
		where, args, order = where+` AND m.seq > ?`, append(args, *mq.AfterSeq), `ASC`
	case mq.BeforeSeq != nil:
		where, args = where+` AND m.seq < ?`, append(args, *mq.BeforeSeq)
	}
	msgs, err := q.queryMessages(ctx, "list messages", pageSQL(where, order), append(args, limit+1)...)
	if err != nil {
		return nil, false, err
	}
	more := len(msgs) > limit
	if more {
		msgs = msgs[:limit]
	}
	if order == `DESC` {
		for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
			msgs[i], msgs[j] = msgs[j], msgs[i]
		}
	}
	return msgs, more, nil
}

// pageSQL selects a page of messages with their senders: where filters on
// m.chat_id (and more), order is ASC or DESC by seq, and the last argument
// is the limit. The (chat_id, seq) unique index serves both the filter and
// the order, so a page reads its rows and no more, whatever the chat's size
// (TestPageUsesSeqIndex).
func pageSQL(where, order string) string {
	return `SELECT ` + msgCols + `, ` + userCols + `
		FROM messages m JOIN users u ON u.id = m.sender_id
		WHERE ` + where + ` ORDER BY m.seq ` + order + ` LIMIT ?`
}

// ListMentions returns messages mentioning userID in chats the user is
// still in, newest first.
func (q *queries) ListMentions(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]model.Message, error) {
	unread := ``
	if unreadOnly {
		unread = ` AND m.seq > cm.last_read_seq`
	}
	msgs, err := q.queryMessages(ctx, "list mentions", `SELECT `+msgCols+`, `+userCols+`
		FROM mentions mn
		JOIN chat_members cm ON cm.chat_id = mn.chat_id AND cm.user_id = mn.user_id
		JOIN messages m ON m.id = mn.message_id
		JOIN users u ON u.id = m.sender_id
		WHERE mn.user_id = ? AND m.deleted_at IS NULL`+unread+`
		ORDER BY m.created_at DESC, m.id DESC LIMIT ?`, userID, storage.PageLimit(limit))
	if err != nil {
		return nil, err
	}
	return msgs, q.hydrate(ctx, userID, msgs)
}

// EditMessage replaces content and mentions of a live message.
func (q *queries) EditMessage(ctx context.Context, messageID int64, content string, mentions []int64, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		var chatID int64
		err := q.w.QueryRowContext(ctx, `UPDATE messages SET content = ?, edited_at = ?, lang = ''
			WHERE id = ? AND deleted_at IS NULL RETURNING chat_id`, content, micros(at), messageID).Scan(&chatID)
		if err != nil {
			return wrap("edit message", err)
		}
		if _, err := q.w.ExecContext(ctx, `DELETE FROM mentions WHERE message_id = ?`, messageID); err != nil {
			return wrap("edit message: mentions", err)
		}
		return q.insertMentions(ctx, messageID, chatID, mentions)
	})
}

// DeleteMessage turns a message into a tombstone.
func (q *queries) DeleteMessage(ctx context.Context, messageID int64, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE messages SET content = '', lang = '', deleted_at = COALESCE(deleted_at, ?)
			WHERE id = ?`, micros(at), messageID)
		if err := mustAffect("delete message", res, err); err != nil {
			return err
		}
		for _, table := range []string{"message_files", "reactions", "mentions", "message_translations"} {
			if _, err := q.w.ExecContext(ctx, `DELETE FROM `+table+` WHERE message_id = ?`, messageID); err != nil {
				return wrap("delete message: "+table, err)
			}
		}
		return nil
	})
}

func (q *queries) insertMentions(ctx context.Context, messageID, chatID int64, userIDs []int64) error {
	for _, uid := range uniqueIDs(userIDs) {
		_, err := q.w.ExecContext(ctx, `INSERT INTO mentions (message_id, user_id, chat_id) VALUES (?, ?, ?)`,
			messageID, uid, chatID)
		if err != nil {
			return wrap(fmt.Sprintf("mention user %d", uid), err)
		}
	}
	return nil
}
