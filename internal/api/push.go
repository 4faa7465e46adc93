package api

import (
	"context"
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/push"
)

// PushService is Web Push (*push.Service): the VAPID key, subscriptions
// per browser, and which tabs are in view.
type PushService interface {
	PublicKey() string
	Subscribe(ctx context.Context, userID int64, in push.SubscriptionInput) (model.PushSubscription, error)
	Unsubscribe(ctx context.Context, userID int64, endpoint string) error
	ReportVisibility(userID int64, tab string, visible bool)
}

// maxTabID bounds the web app's tab id.
const maxTabID = 64

func (s *server) pushRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/push/vapid-public-key", handle: s.vapidKey, doc: doc{
			tag: "me", summary: "The server's VAPID public key, for PushManager.subscribe",
			status: http.StatusOK, result: "VAPIDKey",
		}},
		{method: http.MethodPost, path: "/api/me/push-subscriptions", handle: s.subscribePush, doc: doc{
			tag: "me", summary: "Save this browser's push subscription (one per endpoint; again replaces it)",
			body: "PushSubscriptionCreate", status: http.StatusCreated, result: "PushSubscription",
		}},
		{method: http.MethodDelete, path: "/api/me/push-subscriptions", handle: s.unsubscribePush, doc: doc{
			tag: "me", summary: "Forget this browser's push subscription",
			query:  []param{{name: "endpoint", schema: str(), desc: "The subscription's endpoint URL."}},
			status: http.StatusNoContent,
		}},
		{method: http.MethodPut, path: "/api/me/visibility", handle: s.reportVisibility, doc: doc{
			tag: "me", summary: "Say whether a tab of the web app is in view (no pushes while one is)",
			body: "Visibility", status: http.StatusNoContent,
		}},
	}
}

func (s *server) pushOrUnavailable() error {
	if s.push == nil {
		return apperr.Unavailable("web push is not running")
	}
	return nil
}

func (s *server) vapidKey(c *gin.Context) error {
	if err := s.pushOrUnavailable(); err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"public_key": s.push.PublicKey()})
	return nil
}

func (s *server) subscribePush(c *gin.Context) error {
	if err := s.pushOrUnavailable(); err != nil {
		return err
	}
	var in push.SubscriptionInput
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	sub, err := s.push.Subscribe(c.Request.Context(), userID(c), in)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusCreated, sub)
	return nil
}

func (s *server) unsubscribePush(c *gin.Context) error {
	if err := s.pushOrUnavailable(); err != nil {
		return err
	}
	endpoint := c.Query("endpoint")
	if endpoint == "" {
		return apperr.Field("endpoint", "is required")
	}
	if err := s.push.Unsubscribe(c.Request.Context(), userID(c), endpoint); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

type visibility struct {
	Tab     string `json:"tab"`
	Visible *bool  `json:"visible"`
}

func (s *server) reportVisibility(c *gin.Context) error {
	if err := s.pushOrUnavailable(); err != nil {
		return err
	}
	var in visibility
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if in.Tab == "" || len(in.Tab) > maxTabID || !utf8.ValidString(in.Tab) {
		return apperr.Field("tab", "must be the tab's id, 1 to 64 bytes")
	}
	if in.Visible == nil {
		return apperr.Field("visible", "is required")
	}
	s.push.ReportVisibility(userID(c), in.Tab, *in.Visible)
	c.Status(http.StatusNoContent)
	return nil
}
