package sqlite

import (
	"context"
	"errors"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// CachedPreview returns url's cache entry, expired or not.
func (q *queries) CachedPreview(ctx context.Context, url string) (model.CachedPreview, error) {
	p := model.CachedPreview{LinkPreview: model.LinkPreview{URL: url}}
	var fetched, expires int64
	err := q.r.QueryRowContext(ctx, `SELECT ok, title, description, site_name, image_url, fetched_at, expires_at
		FROM link_previews WHERE url = ?`, url).
		Scan(&p.OK, &p.Title, &p.Description, &p.SiteName, &p.ImageURL, &fetched, &expires)
	if err != nil {
		return model.CachedPreview{}, wrap("cached preview", err)
	}
	p.FetchedAt, p.ExpiresAt = fromMicros(fetched), fromMicros(expires)
	return p, nil
}

// PutCachedPreview saves or replaces p's cache entry.
func (q *queries) PutCachedPreview(ctx context.Context, p model.CachedPreview) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO link_previews (url, ok, title, description, site_name,
			image_url, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (url) DO UPDATE SET ok = excluded.ok, title = excluded.title,
			description = excluded.description, site_name = excluded.site_name, image_url = excluded.image_url,
			fetched_at = excluded.fetched_at, expires_at = excluded.expires_at`,
			p.URL, p.OK, p.Title, p.Description, p.SiteName, p.ImageURL, micros(orNow(p.FetchedAt)), micros(p.ExpiresAt))
		return wrap("put cached preview", err)
	})
}

// SetMessagePreview points a message at url's preview unless removed.
func (q *queries) SetMessagePreview(ctx context.Context, messageID int64, url string) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO message_previews (message_id, url) VALUES (?, ?)
			ON CONFLICT (message_id) DO UPDATE SET url = excluded.url WHERE message_previews.removed = 0`,
			messageID, url)
		return wrap("set message preview", err)
	})
}

// ClearMessagePreview forgets a message's preview, keeping a removal.
func (q *queries) ClearMessagePreview(ctx context.Context, messageID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `DELETE FROM message_previews WHERE message_id = ? AND removed = 0`, messageID)
		return wrap("clear message preview", err)
	})
}

// RemoveMessagePreview hides a message's preview for good.
func (q *queries) RemoveMessagePreview(ctx context.Context, messageID int64) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO message_previews (message_id, url, removed) VALUES (?, '', 1)
			ON CONFLICT (message_id) DO UPDATE SET removed = 1`, messageID)
		return wrap("remove message preview", err)
	})
}

// PreviewSettings returns a workspace's switches, both on by default.
func (q *queries) PreviewSettings(ctx context.Context, workspaceID int64) (model.PreviewSettings, error) {
	s := model.PreviewSettings{WorkspaceID: workspaceID}
	err := q.r.QueryRowContext(ctx, `SELECT link_previews, notification_previews FROM preview_settings
		WHERE workspace_id = ?`, workspaceID).Scan(&s.LinkPreviews, &s.NotificationPreviews)
	if err != nil {
		if err = wrap("preview settings", err); errors.Is(err, storage.ErrNotFound) {
			return model.PreviewSettings{WorkspaceID: workspaceID, LinkPreviews: true, NotificationPreviews: true}, nil
		}
		return model.PreviewSettings{}, err
	}
	return s, nil
}

// PutPreviewSettings saves a workspace's switches.
func (q *queries) PutPreviewSettings(ctx context.Context, s model.PreviewSettings) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO preview_settings (workspace_id, link_previews, notification_previews)
			VALUES (?, ?, ?) ON CONFLICT (workspace_id) DO UPDATE SET link_previews = excluded.link_previews,
			notification_previews = excluded.notification_previews`,
			s.WorkspaceID, s.LinkPreviews, s.NotificationPreviews)
		return wrap("put preview settings", err)
	})
}

// PutPushSubscription saves s by endpoint.
func (q *queries) PutPushSubscription(ctx context.Context, s *model.PushSubscription) error {
	created := orNow(s.CreatedAt)
	return q.atomic(ctx, func(q *queries) error {
		err := q.w.QueryRowContext(ctx, `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id,
			p256dh = excluded.p256dh, auth = excluded.auth, created_at = excluded.created_at RETURNING id`,
			s.UserID, s.Endpoint, s.P256dh, s.Auth, micros(created)).Scan(&s.ID)
		if err != nil {
			return wrap("put push subscription", err)
		}
		s.CreatedAt = fromMicros(micros(created))
		return nil
	})
}

// PushSubscriptions lists a user's subscriptions, oldest first.
func (q *queries) PushSubscriptions(ctx context.Context, userID int64) ([]model.PushSubscription, error) {
	rows, err := q.r.QueryContext(ctx, `SELECT id, user_id, endpoint, p256dh, auth, created_at
		FROM push_subscriptions WHERE user_id = ? ORDER BY id`, userID)
	if err != nil {
		return nil, wrap("push subscriptions", err)
	}
	defer rows.Close()
	out := []model.PushSubscription{}
	for rows.Next() {
		var s model.PushSubscription
		var created int64
		if err := rows.Scan(&s.ID, &s.UserID, &s.Endpoint, &s.P256dh, &s.Auth, &created); err != nil {
			return nil, wrap("push subscriptions", err)
		}
		s.CreatedAt = fromMicros(created)
		out = append(out, s)
	}
	return out, wrap("push subscriptions", rows.Err())
}

// DeletePushSubscription removes the user's subscription at endpoint.
func (q *queries) DeletePushSubscription(ctx context.Context, userID int64, endpoint string) error {
	return q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE user_id = ? AND endpoint = ?`, userID, endpoint)
		if err != nil {
			return wrap("delete push subscription", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return wrap("delete push subscription", storage.ErrNotFound)
		}
		return nil
	})
}

// DeletePushEndpoint removes a gone subscription, whoever owns it.
func (q *queries) DeletePushEndpoint(ctx context.Context, endpoint string) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE endpoint = ?`, endpoint)
		return wrap("delete push endpoint", err)
	})
}
