package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Page sizes: the API's default and maximum.
const (
	defaultPageLimit = 50
	maxPageLimit     = 200
)

// messageCols are the messages columns with the sender, in messageDest
// order, for messages aliased m joined with users aliased u.
const messageCols = `m.id, m.chat_id, m.workspace_id, m.seq, m.sender_id, m.content, m.client_id,
	m.reply_to, m.reply_count, m.created_at, m.edited_at, m.deleted_at, ` + userCols

func messageDest(m *model.Message) []any {
	return append([]any{&m.ID, &m.ChatID, &m.WorkspaceID, &m.Seq, &m.SenderID, &m.Content, &m.ClientID,
		&m.ReplyTo, &m.ReplyCount, &m.CreatedAt, &m.EditedAt, &m.DeletedAt}, userDest(&m.Sender)...)
}

// canRead is true when user $2 may read chat $1: a member of it, or, for a
// public channel, a member of its workspace who is not a guest. Every read
// of chat content includes it.
const canRead = `(EXISTS (SELECT 1 FROM chat_members acm WHERE acm.chat_id = $1 AND acm.user_id = $2)
	OR EXISTS (SELECT 1 FROM chats ac
		JOIN workspace_members awm ON awm.workspace_id = ac.workspace_id AND awm.user_id = $2
		WHERE ac.id = $1 AND ac.type = 'public_channel' AND awm.role <> 'guest'))`

// errDuplicate reports, inside CreateMessage's transaction, that the
// client id was already used; the transaction is rolled back and the
// existing message returned.
var errDuplicate = errors.New("duplicate client id")

// CreateMessage assigns m.Seq, m.ID, m.CreatedAt and m.WorkspaceID, stores
// mentions and attachment links, bumps the parent's reply count and the
// chat's LastSeq and LastActivityAt. Locking the chat row first serialises
// senders in one chat, so seqs are gap-free; a concurrent duplicate client
// id waits on that lock, then finds the first message.
func (q *queries) CreateMessage(ctx context.Context, m *model.Message) (bool, error) {
	err := q.atomic(ctx, func(q *queries) error { return q.insertMessage(ctx, m) })
	if errors.Is(err, errDuplicate) {
		existing, err := q.messageByClientID(ctx, m.ChatID, m.SenderID, m.ClientID)
		if err != nil {
			return false, err
		}
		*m = existing
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// insertMessage is CreateMessage's transaction.
func (q *queries) insertMessage(ctx context.Context, m *model.Message) error {
	var lastSeq int64
	err := q.db.QueryRow(ctx, `SELECT workspace_id, last_seq FROM chats WHERE id = $1 FOR UPDATE`, m.ChatID).
		Scan(&m.WorkspaceID, &lastSeq)
	if err != nil {
		return wrap("create message: chat", err)
	}
	created := now()
	err = q.db.QueryRow(ctx, `INSERT INTO messages (chat_id, workspace_id, seq, sender_id, content,
			client_id, reply_to, reply_count, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8) ON CONFLICT DO NOTHING RETURNING id`,
		m.ChatID, m.WorkspaceID, lastSeq+1, m.SenderID, m.Content, m.ClientID, m.ReplyTo, created).Scan(&m.ID)
	if isNoRows(err) {
		return errDuplicate
	}
	if err != nil {
		return wrap("create message", err)
	}
	m.Seq, m.CreatedAt, m.ReplyCount = lastSeq+1, created, 0
	m.EditedAt, m.DeletedAt, m.Deleted = nil, nil, false
	return q.afterInsert(ctx, m)
}

// afterInsert sends the statements that follow a message insert in one
// round trip: chat counters, the parent's reply count, mentions and
// attachment links.
func (q *queries) afterInsert(ctx context.Context, m *model.Message) error {
	b := &pgx.Batch{}
	b.Queue(`UPDATE chats SET last_seq = $2, last_activity_at = $3 WHERE id = $1`, m.ChatID, m.Seq, m.CreatedAt)
	if m.ReplyTo != nil {
		b.Queue(`UPDATE messages SET reply_count = reply_count + 1 WHERE id = $1 AND chat_id = $2`, *m.ReplyTo, m.ChatID)
	}
	if len(m.Mentions) > 0 {
		b.Queue(insertMentions, m.ID, m.ChatID, m.Mentions)
	}
	files := attachmentIDs(m.Attachments)
	if len(files) > 0 {
		b.Queue(`INSERT INTO message_files (message_id, file_id, position)
			SELECT $1, f.id, a.ord FROM unnest($2::bigint[]) WITH ORDINALITY AS a (id, ord)
			JOIN files f ON f.id = a.id AND f.workspace_id = $3
			ON CONFLICT DO NOTHING`, m.ID, files, m.WorkspaceID)
	}
	br := q.db.SendBatch(ctx, b)
	defer br.Close()
	if _, err := br.Exec(); err != nil {
		return wrap("create message: chat", err)
	}
	if m.ReplyTo != nil {
		tag, err := br.Exec()
		if err := mustAffect("create message: reply_to message in this chat", tag, err); err != nil {
			return err
		}
	}
	if len(m.Mentions) > 0 {
		if _, err := br.Exec(); err != nil {
			return wrap("create message: mentions", err)
		}
	}
	if len(files) > 0 {
		tag, err := br.Exec()
		if err != nil {
			return wrap("create message: attachments", err)
		}
		if tag.RowsAffected() != int64(len(files)) {
			return notFound("create message: attachment in this workspace")
		}
	}
	return wrap("create message", br.Close())
}

// insertMentions stores mentions of message $1 in chat $2 of the users in
// $3 that exist (an unknown id is not an error, just not a mention).
const insertMentions = `INSERT INTO mentions (message_id, user_id, chat_id)
	SELECT $1, u.id, $2 FROM users u WHERE u.id = ANY($3::bigint[])
	ON CONFLICT DO NOTHING`

// attachmentIDs returns the distinct file ids, in order.
func attachmentIDs(files []model.File) []int64 {
	seen := make(map[int64]bool, len(files))
	ids := make([]int64, 0, len(files))
	for _, f := range files {
		if !seen[f.ID] {
			seen[f.ID] = true
			ids = append(ids, f.ID)
		}
	}
	return ids
}

// messageByClientID loads the message a sender already sent with clientID,
// hydrated for the sender.
func (q *queries) messageByClientID(ctx context.Context, chatID, senderID int64, clientID string) (model.Message, error) {
	msgs, err := q.queryMessages(ctx, "message by client id", `SELECT `+messageCols+`
		FROM messages m JOIN users u ON u.id = m.sender_id
		WHERE m.chat_id = $1 AND m.sender_id = $2 AND m.client_id = $3 AND m.client_id <> ''`,
		chatID, senderID, clientID)
	if err != nil {
		return model.Message{}, err
	}
	if len(msgs) == 0 {
		return model.Message{}, conflict("create message: seq taken")
	}
	if err := q.hydrate(ctx, senderID, msgs); err != nil {
		return model.Message{}, err
	}
	return msgs[0], nil
}

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
// not read the chat. One round trip checks access and reads the page, one
// more hydrates it.
func (q *queries) ListMessages(ctx context.Context, viewerID, chatID int64, mq storage.MessageQuery) ([]model.Message, bool, error) {
	limit := pageLimit(mq.Limit)
	query, args := pageQuery(viewerID, chatID, mq, limit)
	b := &pgx.Batch{}
	b.Queue(`SELECT `+canRead, chatID, viewerID)
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
		return nil, false, notFound("list messages: chat")
	}
	msgs, more := trimPage(msgs, limit, mq.AfterSeq <= 0)
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
	if mq.Thread > 0 {
		args = append(args, mq.Thread)
		where += fmt.Sprintf(` AND m.reply_to = $%d`, len(args))
	}
	order := `DESC`
	switch {
	case mq.AfterSeq > 0:
		args = append(args, mq.AfterSeq)
		where += fmt.Sprintf(` AND m.seq > $%d`, len(args))
		order = `ASC`
	case mq.BeforeSeq > 0:
		args = append(args, mq.BeforeSeq)
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

// pageLimit applies the default and the maximum page size.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return defaultPageLimit
	case n > maxPageLimit:
		return maxPageLimit
	}
	return n
}

// clampLimit bounds batch sizes of internal readers (the outbox relay).
func clampLimit(n int) int {
	const def, max = 100, 10000
	switch {
	case n <= 0:
		return def
	case n > max:
		return max
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
		err := q.db.QueryRow(ctx, `UPDATE messages SET content = $2, edited_at = $3
			WHERE id = $1 AND deleted_at IS NULL RETURNING chat_id`, messageID, content, stored(at)).Scan(&chatID)
		if err != nil {
			return wrap("edit message", err)
		}
		if _, err := q.db.Exec(ctx, `DELETE FROM mentions WHERE message_id = $1`, messageID); err != nil {
			return wrap("edit message: mentions", err)
		}
		if len(mentions) == 0 {
			return nil
		}
		_, err = q.db.Exec(ctx, insertMentions, messageID, chatID, mentions)
		return wrap("edit message: mentions", err)
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
		b.Queue(`UPDATE messages SET content = '', deleted_at = $2 WHERE id = $1`, messageID, stored(at))
		for _, table := range []string{"message_files", "reactions", "mentions"} {
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
		ORDER BY m.created_at DESC, m.id DESC LIMIT $3`, userID, unreadOnly, pageLimit(limit))
	if err != nil {
		return nil, err
	}
	if err := q.hydrate(ctx, userID, msgs); err != nil {
		return nil, err
	}
	return msgs, nil
}
