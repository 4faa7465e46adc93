package model

import "time"

// MessageLang is the detected language of a message, for the version of
// it whose text is Content.
type MessageLang struct {
	MessageID int64
	Content   string
	Lang      string
}

// Translation is a message translated into Target, kept for the version
// of the message whose text hashes to SourceHash: an edit makes it stale.
type Translation struct {
	MessageID int64 `json:"message_id"`
	// Target is the language asked for, as the caller wrote it (lowercase).
	Target string `json:"target_language"`
	// SourceHash is the hex SHA-256 of the message text translated.
	SourceHash string `json:"-"`
	// SourceLanguage is the message's detected language ('' when unknown).
	SourceLanguage string    `json:"source_language"`
	Text           string    `json:"text"`
	CreatedAt      time.Time `json:"created_at"`
}

// UserLanguage is a user's language (ISO 639-1, ” when unset) and
// whether the web app translates messages in other languages by itself.
type UserLanguage struct {
	UserID        int64     `json:"-"`
	Language      string    `json:"language"`
	AutoTranslate bool      `json:"auto_translate"`
	UpdatedAt     time.Time `json:"updated_at"`
}
