package model

import "time"

// Draft is a user's unsent text in a chat, or in one thread of it
// (ThreadID is the thread's root message; 0 is the chat itself).
type Draft struct {
	UserID    int64     `json:"-"`
	ChatID    int64     `json:"chat_id"`
	ThreadID  int64     `json:"thread_id"`
	Text      string    `json:"text"`
	UpdatedAt time.Time `json:"updated_at"`
}

// NotificationSettings are one user's choices for desktop notifications,
// the same on every device. A user who never saved any has sound on and
// no do-not-disturb.
type NotificationSettings struct {
	UserID int64 `json:"-"`
	// Sound plays a short sound with each notification.
	Sound bool `json:"sound"`
	// DNDUntil silences every notification until then (nil: not snoozed).
	DNDUntil *time.Time `json:"dnd_until"`
	// ScheduleEnabled silences notifications every day between
	// ScheduleStart and ScheduleEnd ("HH:MM", the device's local time; an
	// end before the start runs past midnight).
	ScheduleEnabled bool      `json:"schedule_enabled"`
	ScheduleStart   string    `json:"schedule_start"`
	ScheduleEnd     string    `json:"schedule_end"`
	UpdatedAt       time.Time `json:"updated_at"`
}
