package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/fechatter/fechatter/internal/model"
)

// RemovePreview removes the link preview of one of the caller's messages
// for good.
func (c *Client) RemovePreview(ctx context.Context, chatID, msgID int64) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: msgPath(chatID, msgID) + "/preview"}, nil)
	return err
}

// PreviewSettingsPatch changes the preview switches that are not nil.
type PreviewSettingsPatch struct {
	LinkPreviews         *bool `json:"link_previews,omitempty"`
	NotificationPreviews *bool `json:"notification_previews,omitempty"`
}

// PreviewSettings returns a workspace's link and notification preview
// switches.
func (c *Client) PreviewSettings(ctx context.Context, wsID int64) (model.PreviewSettings, error) {
	var out model.PreviewSettings
	_, err := c.call(ctx, request{method: http.MethodGet, path: wsPath(wsID) + "/preview-settings"}, &out)
	return out, err
}

// SetPreviewSettings changes a workspace's preview switches (admins).
func (c *Client) SetPreviewSettings(ctx context.Context, wsID int64, p PreviewSettingsPatch) (model.PreviewSettings, error) {
	var out model.PreviewSettings
	_, err := c.call(ctx, request{method: http.MethodPatch, path: wsPath(wsID) + "/preview-settings", body: p}, &out)
	return out, err
}

// VAPIDPublicKey returns the server's Web Push key (base64url).
func (c *Client) VAPIDPublicKey(ctx context.Context) (string, error) {
	var out struct {
		PublicKey string `json:"public_key"`
	}
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/api/push/vapid-public-key"}, &out)
	return out.PublicKey, err
}

// PushSubscriptionInput is a browser's PushSubscription.toJSON().
type PushSubscriptionInput struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// SubscribePush saves a push subscription for the caller.
func (c *Client) SubscribePush(ctx context.Context, in PushSubscriptionInput) (model.PushSubscription, error) {
	var out model.PushSubscription
	_, err := c.call(ctx, request{method: http.MethodPost, path: "/api/me/push-subscriptions", body: in}, &out)
	return out, err
}

// UnsubscribePush forgets the caller's subscription at endpoint.
func (c *Client) UnsubscribePush(ctx context.Context, endpoint string) error {
	_, err := c.call(ctx, request{method: http.MethodDelete, path: "/api/me/push-subscriptions",
		query: url.Values{"endpoint": {endpoint}}}, nil)
	return err
}

// ReportVisibility says whether a tab (any id the caller picks) is in
// view; no pushes go to a user while one is.
func (c *Client) ReportVisibility(ctx context.Context, tab string, visible bool) error {
	_, err := c.call(ctx, request{method: http.MethodPut, path: "/api/me/visibility",
		body: struct {
			Tab     string `json:"tab"`
			Visible bool   `json:"visible"`
		}{tab, visible}}, nil)
	return err
}
