package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// draftPut is the body of PUT /api/chats/{chat}/draft.
type draftPut struct {
	Text     *string `json:"text"`
	ThreadID int64   `json:"thread_id"`
}

// chatNotifications is the body of PUT /api/chats/{chat}/notifications.
type chatNotifications struct {
	Muted *bool `json:"muted"`
}

// notificationPatch is the body of PATCH /api/me/notifications. DNDUntil
// is raw so that null (end the snooze) differs from absent.
type notificationPatch struct {
	Sound           *bool           `json:"sound"`
	DNDUntil        json.RawMessage `json:"dnd_until"`
	ScheduleEnabled *bool           `json:"schedule_enabled"`
	ScheduleStart   *string         `json:"schedule_start"`
	ScheduleEnd     *string         `json:"schedule_end"`
}

func (s *server) prefsRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/me/drafts", handle: s.drafts, doc: doc{
			tag: "me", summary: "The caller's drafts in chats the caller is in, newest first",
			status: http.StatusOK, result: "DraftList",
		}},
		{method: http.MethodPut, path: "/api/chats/:chat/draft", handle: s.putDraft, doc: doc{
			tag: "chats", summary: "Keep (or, with blank text, drop) the caller's draft for a chat or thread",
			body: "DraftPut", status: http.StatusNoContent, errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodPut, path: "/api/chats/:chat/notifications", handle: s.putChatNotifications, doc: doc{
			tag: "chats", summary: "Mute or unmute a chat's notifications for the caller",
			body: "ChatNotifications", status: http.StatusOK, result: "ChatNotifications", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodGet, path: "/api/me/notifications", handle: s.notificationSettings, doc: doc{
			tag: "me", summary: "The caller's notification settings and muted chats",
			status: http.StatusOK, result: "NotificationSettings",
		}},
		{method: http.MethodPatch, path: "/api/me/notifications", handle: s.updateNotificationSettings, doc: doc{
			tag: "me", summary: "Change the caller's notification settings (sound, do-not-disturb)",
			body: "NotificationPatch", status: http.StatusOK, result: "NotificationSettings",
		}},
	}
}

func prefsSchemas() obj {
	clock := obj{"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "description": "Time of day, HH:MM, in the device's local time."}
	until := obj{"type": []string{"string", "null"}, "format": "date-time", "description": "Notifications are silenced until then; null: no snooze."}
	return obj{
		"Draft":     object(obj{"chat_id": idSchema(), "thread_id": obj{"type": "integer", "format": "int64", "minimum": 0, "description": "The thread's root message; 0 for the chat itself."}, "text": str(), "updated_at": dateTime()}),
		"DraftList": object(obj{"drafts": arrayOf(ref("Draft"))}),
		"DraftPut": input(obj{
			"text":      obj{"type": "string", "maxLength": 10000, "description": "At most 10,000 characters; blank text drops the draft."},
			"thread_id": obj{"type": "integer", "format": "int64", "minimum": 0, "description": "A message of the chat whose thread the draft is for; 0 or absent: the chat."},
		}, "text"),
		"ChatNotifications": input(obj{"muted": boolean()}, "muted"),
		"NotificationSettings": object(obj{
			"sound": boolean(), "dnd_until": until, "schedule_enabled": boolean(),
			"schedule_start": clock, "schedule_end": clock, "updated_at": obj{"type": "string", "format": "date-time", "description": "Zero time when never saved."},
			"muted_chat_ids": arrayOf(idSchema()),
		}),
		"NotificationPatch": input(obj{
			"sound": boolean(), "dnd_until": until, "schedule_enabled": boolean(),
			"schedule_start": clock, "schedule_end": clock,
		}),
	}
}

// drafts answers GET /api/me/drafts.
func (s *server) drafts(c *gin.Context) error {
	list, err := s.chat.Drafts(c.Request.Context(), userID(c))
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"drafts": list})
	return nil
}

// putDraft answers PUT /api/chats/{chat}/draft with 204.
func (s *server) putDraft(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	var in draftPut
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if in.Text == nil {
		return apperr.Field("text", "is required (blank drops the draft)")
	}
	if err := s.chat.SaveDraft(c.Request.Context(), userID(c), id, in.ThreadID, *in.Text); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// putChatNotifications answers PUT /api/chats/{chat}/notifications.
func (s *server) putChatNotifications(c *gin.Context) error {
	id, err := pathID(c, "chat", "chat")
	if err != nil {
		return err
	}
	var in chatNotifications
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if in.Muted == nil {
		return apperr.Field("muted", "is required")
	}
	if err := s.chat.SetChatMuted(c.Request.Context(), userID(c), id, *in.Muted); err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"muted": *in.Muted})
	return nil
}

// notificationSettings answers GET /api/me/notifications.
func (s *server) notificationSettings(c *gin.Context) error {
	ns, muted, err := s.chat.NotificationSettings(c.Request.Context(), userID(c))
	if err != nil {
		return err
	}
	writeNotificationSettings(c, ns, muted)
	return nil
}

// updateNotificationSettings answers PATCH /api/me/notifications.
func (s *server) updateNotificationSettings(c *gin.Context) error {
	var in notificationPatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	p := chat.NotificationPatch{
		Sound: in.Sound, ScheduleEnabled: in.ScheduleEnabled, ScheduleStart: in.ScheduleStart, ScheduleEnd: in.ScheduleEnd,
	}
	switch {
	case in.DNDUntil == nil:
	case string(in.DNDUntil) == "null":
		p.ClearDND = true
	default:
		var t time.Time
		if err := json.Unmarshal(in.DNDUntil, &t); err != nil {
			return apperr.Field("dnd_until", "must be an RFC 3339 time or null")
		}
		p.DNDUntil = &t
	}
	ns, muted, err := s.chat.UpdateNotificationSettings(c.Request.Context(), userID(c), p)
	if err != nil {
		return err
	}
	writeNotificationSettings(c, ns, muted)
	return nil
}

func writeNotificationSettings(c *gin.Context, ns model.NotificationSettings, muted []int64) {
	writeJSON(c, http.StatusOK, gin.H{
		"sound": ns.Sound, "dnd_until": ns.DNDUntil, "schedule_enabled": ns.ScheduleEnabled,
		"schedule_start": ns.ScheduleStart, "schedule_end": ns.ScheduleEnd, "updated_at": ns.UpdatedAt,
		"muted_chat_ids": muted,
	})
}
