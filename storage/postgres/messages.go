package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// messageCols are the messages columns with the sender, in messageDest
// order, for messages aliased m joined with users aliased u.
const messageCols = `m.id, m.chat_id, m.workspace_id, m.seq, m.sender_id, m.content, m.client_id,
	m.reply_to, m.reply_count, m.created_at, m.edited_at, m.deleted_at, m.lang, ` + userCols

func messageDest(m *model.Message) []any {
	return append([]any{&m.ID, &m.ChatID, &m.WorkspaceID, &m.Seq, &m.SenderID, &m.Content, &m.ClientID,
		&m.ReplyTo, &m.ReplyCount, &m.CreatedAt, &m.EditedAt, &m.DeletedAt, &m.Lang}, userDest(&m.Sender)...)
}

// canRead is true when user $2 may read chat $1: a member of it, or, for a
// public channel, a member of its workspace who is not a guest. Every read
// of chat content includes it.
const canRead = `(EXISTS (SELECT 1 FROM chat_members acm WHERE acm.chat_id = $1 AND acm.user_id = $2)
	OR EXISTS (SELECT 1 FROM chats ac
		JOIN workspace_members awm ON awm.workspace_id = ac.workspace_id AND awm.user_id = $2
		WHERE ac.id = $1 AND ac.type = 'public_channel' AND awm.role <> 'guest'))`

// Message returns one message hydrated for viewerID; ErrNotFound when it is
// not in the chat or viewerID may not read the chat.
func (q *queries) Message(ctx context.Context, viewerID, chatID, messageID int64) (model.Message, error) {
	msgs, err := q.queryMessages(ctx, "message", `SELECT `+messageCols+`
		FROM messages m JOIN users u ON u.id = m.sender_id
		WHERE m.chat_id = $1 AND m.id = $3 AND `+canRead, chatID, viewerID, messageID)
	if err != nil {
		return model.Message{}, err
	}
	if len(msgs) == 0 {
		return model.Message{}, notFound("message")
	}
	if err := q.hydrate(ctx, viewerID, msgs); err != nil {
		return model.Message{}, err
	}
	return msgs[0], nil
}

// ListMessages returns a page in ascending seq, hydrated for viewerID, and
// whether more exist in the paging direction; ErrNotFound when viewerID may
// not read the chat or the thread root is not in it. Without Thread the page
// holds every message, replies included, so seqs stay gap-free. One round
// trip checks access and reads the page, one more hydrates it.
func (q *queries) ListMessages(ctx context.Context, viewerID, chatID int64, mq storage.MessageQuery) ([]model.Message, bool, error) {
	if mq.BeforeSeq != nil && mq.AfterSeq != nil {
		return nil, false, fmt.Errorf("list messages: before_seq and after_seq together: %w", storage.ErrInvalid)
	}
	limit := storage.PageLimit(mq.Limit)
	query, args := pageQuery(viewerID, chatID, mq, limit)
	b := &pgx.Batch{}
	b.Queue(`SELECT `+canRead+` AND ($3::bigint = 0 OR EXISTS (
		SELECT 1 FROM messages r WHERE r.id = $3 AND r.chat_id = $1))`, chatID, viewerID, mq.Thread)
	b.Queue(query, args...)
	br := q.db.SendBatch(ctx, b)
	var readable bool
	if err := br.QueryRow().Scan(&readable); err != nil {
		br.Close()
		return nil, false, wrap("list messages: access", err)
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, false, wrap("list messages", err)
	}
	msgs, err := collectMessages(rows)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, false, wrap("list messages", err)
	}
	if !readable {
		return nil, false, notFound("list messages: chat or thread root")
	}
	msgs, more := trimPage(msgs, limit, mq.AfterSeq == nil)
	if err := q.hydrate(ctx, viewerID, msgs); err != nil {
		return nil, false, err
	}
	return msgs, more, nil
}

// pageQuery builds the page select: limit+1 rows (the extra one tells
// whether more exist), newest first unless paging forward.
func pageQuery(viewerID, chatID int64, mq storage.MessageQuery, limit int) (string, []any) {
	args := []any{chatID, viewerID, limit + 1}
	where := `m.chat_id = $1 AND ` + canRead
	if mq.Thread != 0 {
		args = append(args, mq.Thread)
		where += fmt.Sprintf(` AND m.reply_to = $%d`, len(args))
	}
	order := `DESC`
	switch {
	case mq.AfterSeq != nil:
		args = append(args, *mq.AfterSeq)
		where += fmt.Sprintf(` AND m.seq > $%d`, len(args))
		order = `ASC`
	case mq.BeforeSeq != nil:
		args = append(args, *mq.BeforeSeq)
		where += fmt.Sprintf(` AND m.seq < $%d`, len(args))
	}
	return `SELECT ` + messageCols + ` FROM messages m JOIN users u ON u.id = m.sender_id
		WHERE ` + where + ` ORDER BY m.seq ` + order + ` LIMIT $3`, args
}

// trimPage drops the probe row and puts a newest-first page in ascending order.
func trimPage(msgs []model.Message, limit int, newestFirst bool) ([]model.Message, bool) {
	more := len(msgs) > limit
	if more {
		msgs = msgs[:limit]
	}
	if newestFirst {
		for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
			msgs[i], msgs[j] = msgs[j], msgs[i]
		}
	}
	return msgs, more
}

// batchLimit is limit for internal readers (the outbox relay), with a
// default when it is not positive.
func batchLimit(n int) int {
	if n <= 0 {
		return 100
	}
	return n
}

// queryMessages runs a select of messageCols.
func (q *queries) queryMessages(ctx context.Context, op, query string, args ...any) ([]model.Message, error) {
	rows, err := q.db.Query(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	msgs, err := collectMessages(rows)
	return msgs, wrap(op, err)
}

func collectMessages(rows pgx.Rows) ([]model.Message, error) {
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.Message, error) {
		var m model.Message
		err := r.Scan(messageDest(&m)...)
		m.Deleted = m.DeletedAt != nil
		return m, err
	})
	return nonNil(msgs), err
}

// EditMessage replaces content and mentions and sets EditedAt;
// ErrNotFound for a missing or deleted message.
func (q *queries) EditMessage(ctx context.Context, messageID int64, content string, mentions []int64, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		var chatID int64
		err := q.db.QueryRow(ctx, `UPDATE messages SET content = $2, edited_at = $3, lang = ''
			WHERE id = $1 AND deleted_at IS NULL RETURNING chat_id`, messageID, content, stored(at)).Scan(&chatID)
		if err != nil {
			return wrap("edit message", err)
		}
		if _, err := q.db.Exec(ctx, `DELETE FROM mentions WHERE message_id = $1`, messageID); err != nil {
			return wrap("edit message: mentions", err)
		}
		mentions = distinct(mentions)
		if len(mentions) == 0 {
			return nil
		}
		tag, err := q.db.Exec(ctx, insertMentions, messageID, chatID, mentions)
		if err != nil {
			return wrap("edit message: mentions", err)
		}
		return wrap("edit message", allMentioned(len(mentions), int(tag.RowsAffected())))
	})
}

// DeleteMessage makes a tombstone: content, attachment links, reactions
// and mentions go; ID, Seq and the parent's reply count stay. Deleting a
// tombstone again changes nothing; ErrNotFound when there is no message.
func (q *queries) DeleteMessage(ctx context.Context, messageID int64, at time.Time) error {
	return q.atomic(ctx, func(q *queries) error {
		var was *time.Time
		err := q.db.QueryRow(ctx, `SELECT deleted_at FROM messages WHERE id = $1 FOR UPDATE`, messageID).Scan(&was)
		if err != nil {
			return wrap("delete message", err)
		}
		if was != nil {
			return nil
		}
		b := &pgx.Batch{}
		b.Queue(`UPDATE messages SET content = '', lang = '', deleted_at = $2 WHERE id = $1`, messageID, stored(at))
		for _, table := range []string{"message_files", "reactions", "mentions", "message_translations"} {
			b.Queue(`DELETE FROM `+table+` WHERE message_id = $1`, messageID)
		}
		return wrap("delete message", q.db.SendBatch(ctx, b).Close())
	})
}

// ListMentions returns messages mentioning userID in chats the user is
// still a member of, newest first; unreadOnly keeps those above the read
// marker.
func (q *queries) ListMentions(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]model.Message, error) {
	msgs, err := q.queryMessages(ctx, "list mentions", `SELECT `+messageCols+`
		FROM mentions mn
		JOIN chat_members cm ON cm.chat_id = mn.chat_id AND cm.user_id = mn.user_id
		JOIN messages m ON m.id = mn.message_id
		JOIN users u ON u.id = m.sender_id
		WHERE mn.user_id = $1 AND m.deleted_at IS NULL AND (NOT $2 OR m.seq > cm.last_read_seq)
		ORDER BY m.created_at DESC, m.id DESC LIMIT $3`, userID, unreadOnly, storage.PageLimit(limit))
	if err != nil {
		return nil, err
	}
	if err := q.hydrate(ctx, userID, msgs); err != nil {
		return nil, err
	}
	return msgs, nil
}
