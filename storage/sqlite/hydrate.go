package sqlite

import (
	"context"

	"github.com/fechatter/fechatter/internal/model"
)

// hydrate fills attachments, reactions (with Me for viewerID) and mentions
// of msgs with three queries per chunk of messages, whatever their number.
// Senders come with the messages' own query. Tombstones have none of these.
func (q *queries) hydrate(ctx context.Context, viewerID int64, msgs []model.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	index := make(map[int64]*model.Message, len(msgs))
	ids := make([]int64, 0, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		m.Attachments, m.Reactions, m.Mentions = []model.File{}, []model.ReactionCount{}, []int64{}
		if !m.Deleted {
			index[m.ID] = m
			ids = append(ids, m.ID)
		}
	}
	for _, chunk := range chunks(ids) {
		if err := q.hydrateChunk(ctx, viewerID, chunk, index); err != nil {
			return err
		}
	}
	return nil
}

func (q *queries) hydrateChunk(ctx context.Context, viewerID int64, ids []int64, index map[int64]*model.Message) error {
	if err := q.hydrateAttachments(ctx, ids, index); err != nil {
		return err
	}
	if err := q.hydrateReactions(ctx, viewerID, ids, index); err != nil {
		return err
	}
	if err := q.hydratePreviews(ctx, ids, index); err != nil {
		return err
	}
	return q.hydrateMentions(ctx, ids, index)
}

func (q *queries) hydrateAttachments(ctx context.Context, ids []int64, index map[int64]*model.Message) error {
	rows, err := q.r.QueryContext(ctx, `SELECT mf.message_id, `+fileCols+`
		FROM message_files mf JOIN files f ON f.id = mf.file_id
		WHERE mf.message_id IN (`+placeholders(len(ids))+`) ORDER BY mf.message_id, mf.position`, int64Args(ids)...)
	if err != nil {
		return wrap("hydrate attachments", err)
	}
	defer rows.Close()
	for rows.Next() {
		var msgID int64
		var f model.File
		dest, finish := fileDest(&f)
		if err := rows.Scan(append([]any{&msgID}, dest...)...); err != nil {
			return wrap("hydrate attachments", err)
		}
		finish()
		index[msgID].Attachments = append(index[msgID].Attachments, f)
	}
	return wrap("hydrate attachments", rows.Err())
}

// hydrateReactions aggregates per emoji, in the order each emoji was
// first used on the message.
func (q *queries) hydrateReactions(ctx context.Context, viewerID int64, ids []int64, index map[int64]*model.Message) error {
	rows, err := q.r.QueryContext(ctx, `SELECT message_id, emoji, COUNT(*), MAX(user_id = ?)
		FROM reactions WHERE message_id IN (`+placeholders(len(ids))+`)
		GROUP BY message_id, emoji ORDER BY message_id, MIN(created_at), emoji`,
		append([]any{viewerID}, int64Args(ids)...)...)
	if err != nil {
		return wrap("hydrate reactions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var msgID int64
		var rc model.ReactionCount
		if err := rows.Scan(&msgID, &rc.Emoji, &rc.Count, &rc.Me); err != nil {
			return wrap("hydrate reactions", err)
		}
		index[msgID].Reactions = append(index[msgID].Reactions, rc)
	}
	return wrap("hydrate reactions", rows.Err())
}

func (q *queries) hydrateMentions(ctx context.Context, ids []int64, index map[int64]*model.Message) error {
	rows, err := q.r.QueryContext(ctx, `SELECT message_id, user_id FROM mentions
		WHERE message_id IN (`+placeholders(len(ids))+`) ORDER BY message_id, user_id`, int64Args(ids)...)
	if err != nil {
		return wrap("hydrate mentions", err)
	}
	defer rows.Close()
	for rows.Next() {
		var msgID, userID int64
		if err := rows.Scan(&msgID, &userID); err != nil {
			return wrap("hydrate mentions", err)
		}
		index[msgID].Mentions = append(index[msgID].Mentions, userID)
	}
	return wrap("hydrate mentions", rows.Err())
}

// hydratePreviews sets the link preview of the messages that show one: a
// successful cache entry their author did not remove.
func (q *queries) hydratePreviews(ctx context.Context, ids []int64, index map[int64]*model.Message) error {
	rows, err := q.r.QueryContext(ctx, `SELECT mp.message_id, lp.url, lp.title, lp.description, lp.site_name, lp.image_url
		FROM message_previews mp JOIN link_previews lp ON lp.url = mp.url
		WHERE mp.removed = 0 AND lp.ok = 1 AND mp.message_id IN (`+placeholders(len(ids))+`)`, int64Args(ids)...)
	if err != nil {
		return wrap("hydrate previews", err)
	}
	defer rows.Close()
	for rows.Next() {
		var msgID int64
		var p model.LinkPreview
		if err := rows.Scan(&msgID, &p.URL, &p.Title, &p.Description, &p.SiteName, &p.ImageURL); err != nil {
			return wrap("hydrate previews", err)
		}
		index[msgID].Preview = &p
	}
	return wrap("hydrate previews", rows.Err())
}
