package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// errDuplicate reports, inside CreateMessage, that a concurrent send
// committed the same client id after this statement's snapshot: the chat's
// seq was bumped and must be rolled back. errExisting reports that the
// client id was already used when the statement began: nothing was written.
var (
	errDuplicate = errors.New("duplicate client id")
	errExisting  = errors.New("client id already used")
)

// CreateMessage assigns m.Seq, m.ID, m.CreatedAt and m.WorkspaceID, stores
// mentions and attachment links, bumps the parent's reply count and the
// chat's LastSeq and LastActivityAt, and fills m in as a read would return
// it. Bumping the chat's last_seq locks its row until commit, which
// serialises senders in one chat, so seqs are gap-free. A client id used
// before returns that message (created=false) and writes nothing.
//
// Inside InTx it takes no savepoint (two round trips per send): the rare
// duplicate that commits between this statement's snapshot and its insert
// has already bumped the seq, so it returns storage.ErrConflict and the
// caller must roll back and retry (chat.SendMessage does); the retry finds
// the first message. On the pool it runs in its own transaction and
// retries itself.
func (q *queries) CreateMessage(ctx context.Context, m *model.Message) (bool, error) {
	if !q.inTx {
		return q.createMessageAlone(ctx, m)
	}
	err := q.insertMessage(ctx, m)
	switch {
	case errors.Is(err, errExisting):
		existing, err := q.messageByClientID(ctx, m.ChatID, m.SenderID, m.ClientID)
		if err != nil {
			return false, err
		}
		*m = existing
		return false, nil
	case errors.Is(err, errDuplicate):
		return false, conflict("create message: client id taken by a concurrent send")
	case err != nil:
		return false, err
	}
	return true, nil
}

// createMessageAlone is CreateMessage on the pool: one transaction, and
// a second one when a concurrent duplicate made the first roll back.
func (q *queries) createMessageAlone(ctx context.Context, m *model.Message) (bool, error) {
	var created bool
	run := func(q *queries) (err error) {
		created, err = q.CreateMessage(ctx, m)
		return err
	}
	err := q.atomic(ctx, run)
	if errors.Is(err, storage.ErrConflict) {
		err = q.atomic(ctx, run)
	}
	return created, err
}

// bumpAndInsert takes the next seq of chat $1 and inserts the message with
// it, in one statement, unless the client id was used already (dup, read
// before anything is written). It always returns one row when the sender
// exists: no c row and no dup: the chat does not exist; a dup id: the
// client id was used; a c row and a NULL ins id: a concurrent send used it
// since (the caller must roll back the bump).
const bumpAndInsert = `WITH
	dup AS (SELECT id FROM messages
		WHERE chat_id = $1 AND sender_id = $2 AND client_id = $4 AND client_id <> ''),
	c AS (UPDATE chats SET last_seq = last_seq + 1, last_activity_at = $6
		WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM dup) RETURNING workspace_id, last_seq),
	ins AS (INSERT INTO messages (chat_id, workspace_id, seq, sender_id, content, client_id,
			reply_to, reply_count, created_at)
		SELECT $1, c.workspace_id, c.last_seq, $2, $3, $4, $5, 0, $6 FROM c
		ON CONFLICT DO NOTHING RETURNING id)
	SELECT c.workspace_id, c.last_seq, ins.id, (SELECT min(id) FROM dup), ` + userCols + `
	FROM users u LEFT JOIN c ON true LEFT JOIN ins ON true WHERE u.id = $2`

// insertMessage numbers and inserts the message in one statement (reading
// the sender on the way) and does the dependent writes in one batch.
func (q *queries) insertMessage(ctx context.Context, m *model.Message) error {
	created := now()
	var ws, seq, id, dup *int64
	dest := append([]any{&ws, &seq, &id, &dup}, userDest(&m.Sender)...)
	err := q.db.QueryRow(ctx, bumpAndInsert, m.ChatID, m.SenderID, m.Content, m.ClientID, m.ReplyTo,
		created).Scan(dest...)
	switch {
	case err != nil:
		return wrap("create message: sender", err)
	case dup != nil:
		return errExisting
	case ws == nil:
		return notFound("create message: chat")
	case id == nil:
		return errDuplicate
	}
	m.WorkspaceID, m.Seq, m.ID, m.CreatedAt, m.ReplyCount = *ws, *seq, *id, created, 0
	m.EditedAt, m.DeletedAt, m.Deleted = nil, nil, false
	m.Reactions = []model.ReactionCount{}
	return wrap("create message", q.afterInsert(ctx, m))
}

// afterInsert sends the writes that follow a message insert in one round
// trip: the parent's reply count, mentions and attachment links. It sets
// m.Mentions (distinct users, by id) and m.Attachments (full files, in the
// order given).
func (q *queries) afterInsert(ctx context.Context, m *model.Message) error {
	b := &pgx.Batch{}
	if m.ReplyTo != nil {
		b.Queue(`UPDATE messages SET reply_count = reply_count + 1 WHERE id = $1 AND chat_id = $2`, *m.ReplyTo, m.ChatID).
			Exec(func(tag pgconn.CommandTag) error {
				if tag.RowsAffected() == 0 {
					return notFound("reply_to message in this chat")
				}
				return nil
			})
	}
	mentions := distinct(m.Mentions)
	m.Mentions = []int64{}
	if len(mentions) > 0 {
		b.Queue(`WITH ins AS (`+insertMentions+` RETURNING user_id)
			SELECT coalesce(array_agg(user_id ORDER BY user_id), '{}') FROM ins`, m.ID, m.ChatID, mentions).
			QueryRow(func(row pgx.Row) error {
				if err := row.Scan(&m.Mentions); err != nil {
					return err
				}
				return allMentioned(len(mentions), len(m.Mentions))
			})
	}
	files := attachmentIDs(m.Attachments)
	m.Attachments = []model.File{}
	if len(files) > 0 {
		b.Queue(`WITH ins AS (INSERT INTO message_files (message_id, file_id, position)
				SELECT $1, f.id, a.ord FROM unnest($2::bigint[]) WITH ORDINALITY AS a (id, ord)
				JOIN files f ON f.id = a.id AND f.workspace_id = $3
				RETURNING file_id, position)
			SELECT `+fileCols+` FROM ins JOIN files f ON f.id = ins.file_id ORDER BY ins.position`,
			m.ID, files, m.WorkspaceID).
			Query(func(rows pgx.Rows) error { return scanFiles(rows, m, len(files)) })
	}
	if b.Len() == 0 {
		return nil
	}
	return q.db.SendBatch(ctx, b).Close()
}

// scanFiles reads the attached files into m; all want of them must have
// been in the message's workspace.
func scanFiles(rows pgx.Rows, m *model.Message, want int) error {
	for rows.Next() {
		var f model.File
		if err := rows.Scan(fileDest(&f)...); err != nil {
			return err
		}
		m.Attachments = append(m.Attachments, f)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(m.Attachments) != want {
		return notFound("attachment in this workspace")
	}
	return nil
}

// insertMentions stores mentions of message $1 in chat $2 of the users in
// $3 that exist; allMentioned then turns a missing user into ErrNotFound
// (as a foreign key would, without aborting the transaction).
const insertMentions = `INSERT INTO mentions (message_id, user_id, chat_id)
	SELECT $1, u.id, $2 FROM users u WHERE u.id = ANY($3::bigint[])
	ON CONFLICT DO NOTHING`

// allMentioned checks that every distinct mentioned user was stored.
func allMentioned(want, stored int) error {
	if stored != want {
		return notFound("mentioned user")
	}
	return nil
}

// distinct returns ids without repeats, in first-seen order.
func distinct(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// attachmentIDs returns the distinct file ids, in order.
func attachmentIDs(files []model.File) []int64 {
	ids := make([]int64, len(files))
	for i, f := range files {
		ids[i] = f.ID
	}
	return distinct(ids)
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
