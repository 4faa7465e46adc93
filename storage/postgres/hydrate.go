package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/internal/model"
)

// hydrate fills Reactions (with Me for viewerID), Attachments and Mentions
// of msgs in one round trip of three queries, whatever the page size.
// Lists are never nil, so they encode as [] in JSON.
func (q *queries) hydrate(ctx context.Context, viewerID int64, msgs []model.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	ids := make([]int64, len(msgs))
	byID := make(map[int64]*model.Message, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		ids[i] = m.ID
		byID[m.ID] = m
		m.Reactions, m.Attachments, m.Mentions = []model.ReactionCount{}, []model.File{}, []int64{}
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT r.message_id, r.emoji, count(*), bool_or(r.user_id = $2)
		FROM reactions r WHERE r.message_id = ANY($1)
		GROUP BY r.message_id, r.emoji ORDER BY r.message_id, min(r.created_at), r.emoji`, ids, viewerID).
		Query(func(rows pgx.Rows) error { return scanReactions(rows, byID) })
	b.Queue(`SELECT mf.message_id, `+fileCols+` FROM message_files mf JOIN files f ON f.id = mf.file_id
		WHERE mf.message_id = ANY($1) ORDER BY mf.message_id, mf.position`, ids).
		Query(func(rows pgx.Rows) error { return scanAttachments(rows, byID) })
	b.Queue(`SELECT message_id, user_id FROM mentions WHERE message_id = ANY($1)
		ORDER BY message_id, user_id`, ids).
		Query(func(rows pgx.Rows) error { return scanMentions(rows, byID) })
	b.Queue(`SELECT mp.message_id, lp.url, lp.title, lp.description, lp.site_name, lp.image_url
		FROM message_previews mp JOIN link_previews lp ON lp.url = mp.url
		WHERE NOT mp.removed AND lp.ok AND mp.message_id = ANY($1)`, ids).
		Query(func(rows pgx.Rows) error { return scanPreviews(rows, byID) })
	return wrap("hydrate messages", q.db.SendBatch(ctx, b).Close())
}

func scanReactions(rows pgx.Rows, byID map[int64]*model.Message) error {
	for rows.Next() {
		var id int64
		var rc model.ReactionCount
		if err := rows.Scan(&id, &rc.Emoji, &rc.Count, &rc.Me); err != nil {
			return err
		}
		m := byID[id]
		m.Reactions = append(m.Reactions, rc)
	}
	return rows.Err()
}

func scanAttachments(rows pgx.Rows, byID map[int64]*model.Message) error {
	for rows.Next() {
		var id int64
		var f model.File
		if err := rows.Scan(append([]any{&id}, fileDest(&f)...)...); err != nil {
			return err
		}
		m := byID[id]
		m.Attachments = append(m.Attachments, f)
	}
	return rows.Err()
}

func scanMentions(rows pgx.Rows, byID map[int64]*model.Message) error {
	for rows.Next() {
		var id, userID int64
		if err := rows.Scan(&id, &userID); err != nil {
			return err
		}
		m := byID[id]
		m.Mentions = append(m.Mentions, userID)
	}
	return rows.Err()
}

// scanPreviews sets the link preview of the messages that show one.
func scanPreviews(rows pgx.Rows, byID map[int64]*model.Message) error {
	for rows.Next() {
		var id int64
		var p model.LinkPreview
		if err := rows.Scan(&id, &p.URL, &p.Title, &p.Description, &p.SiteName, &p.ImageURL); err != nil {
			return err
		}
		if m := byID[id]; !m.Deleted {
			m.Preview = &p
		}
	}
	return rows.Err()
}
