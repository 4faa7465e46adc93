package model

import "time"

// Purposes of an AccountToken.
const (
	// TokenPasswordReset lets whoever holds the link set a new password.
	TokenPasswordReset = "password_reset"
	// TokenEmailChange moves the account to the address in Email once the
	// link mailed there is used.
	TokenEmailChange = "email_change"
)

// AccountToken is a single-use link mailed to a user (or handed out by an
// instance administrator). Only the SHA-256 of the token is stored.
type AccountToken struct {
	ID      int64
	UserID  int64
	Purpose string
	// Email is the new address of an email change; "" otherwise.
	Email     string
	CreatedAt time.Time
	ExpiresAt time.Time
	// UsedAt is set once the token has been used; nil while it may be.
	UsedAt *time.Time
}

// DigestState is what the email digest knows of one user.
type DigestState struct {
	UserID int64
	// Enabled is the user's choice; true when they never chose.
	Enabled bool
	// SentUpTo is the highest message id a digest has included (0: none).
	SentUpTo int64
	// SentAt is when the last digest went out; nil when none did.
	SentAt *time.Time
}

// DigestItem is one unread message for a user's email digest: a message
// in a direct chat, or one that mentions the user.
type DigestItem struct {
	UserID        int64
	MessageID     int64
	ChatID        int64
	ChatType      ChatType
	ChatName      string
	WorkspaceID   int64
	WorkspaceName string
	SenderName    string
	Content       string
	CreatedAt     time.Time
}
