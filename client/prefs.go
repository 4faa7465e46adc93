package client

import (
	"context"
	"net/http"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// NotificationSettings are the caller's notification settings and the
// chats the caller muted.
type NotificationSettings struct {
	model.NotificationSettings
	MutedChatIDs []int64 `json:"muted_chat_ids"`
}

// NotificationPatch changes some notification settings; nil fields stay.
// To end a do-not-disturb pause use ResumeNotifications.
type NotificationPatch struct {
	Sound           *bool      `json:"sound,omitempty"`
	DNDUntil        *time.Time `json:"dnd_until,omitempty"`
	ScheduleEnabled *bool      `json:"schedule_enabled,omitempty"`
	ScheduleStart   *string    `json:"schedule_start,omitempty"`
	ScheduleEnd     *string    `json:"schedule_end,omitempty"`
}

// Drafts lists the caller's drafts, newest first.
func (c *Client) Drafts(ctx context.Context) ([]model.Draft, error) {
	var out struct {
		Drafts []model.Draft `json:"drafts"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/me/drafts"}, &out)
	return out.Drafts, err
}

// SaveDraft keeps the caller's draft for a chat (threadID 0) or one of its
// threads; blank text deletes it.
func (c *Client) SaveDraft(ctx context.Context, chatID, threadID int64, text string) error {
	body := map[string]any{"text": text, "thread_id": threadID}
	_, err := c.call(ctx, request{method: http.MethodPut, path: chatPath(chatID) + "/draft", body: body}, nil)
	return err
}

// MuteChat mutes or unmutes a chat's notifications for the caller.
func (c *Client) MuteChat(ctx context.Context, chatID int64, muted bool) error {
	_, err := c.call(ctx, request{method: http.MethodPut, path: chatPath(chatID) + "/notifications", body: map[string]bool{"muted": muted}}, nil)
	return err
}

// NotificationSettings returns the caller's notification settings.
func (c *Client) NotificationSettings(ctx context.Context) (NotificationSettings, error) {
	var out NotificationSettings
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/me/notifications"}, &out)
	return out, err
}

// UpdateNotificationSettings applies p and returns the settings.
func (c *Client) UpdateNotificationSettings(ctx context.Context, p NotificationPatch) (NotificationSettings, error) {
	var out NotificationSettings
	_, err := c.call(ctx, request{method: http.MethodPatch, path: "/api/me/notifications", body: p}, &out)
	return out, err
}

// ResumeNotifications ends a do-not-disturb pause.
func (c *Client) ResumeNotifications(ctx context.Context) (NotificationSettings, error) {
	var out NotificationSettings
	_, err := c.call(ctx, request{method: http.MethodPatch, path: "/api/me/notifications", body: map[string]any{"dnd_until": nil}}, &out)
	return out, err
}
