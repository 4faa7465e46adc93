package model

import "time"

// LinkPreview is what a page says about itself (its og:* tags), shown
// under a message that links to it.
type LinkPreview struct {
	URL         string `json:"url"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	SiteName    string `json:"site_name,omitempty"`
	// ImageURL is the server's image proxy path for the page's image
	// (relative to the server's base URL, signed), "" for none; the
	// page's own image URL is never handed to readers.
	ImageURL string `json:"image_url,omitempty"`
}

// CachedPreview is the cache entry of one URL: a preview, or a failure
// (OK false) kept for a shorter time so a broken link is not refetched
// on every message.
type CachedPreview struct {
	LinkPreview
	OK        bool
	FetchedAt time.Time
	ExpiresAt time.Time
}

// PreviewSettings are a workspace's switches for link previews and for
// message text in push notifications. Both default to on.
type PreviewSettings struct {
	WorkspaceID int64 `json:"workspace_id"`
	// LinkPreviews makes the server fetch previews of links in messages.
	LinkPreviews bool `json:"link_previews"`
	// NotificationPreviews puts the sender and message text in push
	// notifications; off, a push only says that there is a new message.
	NotificationPreviews bool `json:"notification_previews"`
}

// PushSubscription is one browser's (device's) Web Push subscription.
type PushSubscription struct {
	ID        int64     `json:"id"`
	UserID    int64     `json:"-"`
	Endpoint  string    `json:"endpoint"`
	P256dh    string    `json:"-"`
	Auth      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}
