package model

import "time"

// BotTokenPrefix starts every bot API token, so that a leaked one is
// recognisable (secret scanners, logs) and the server can tell it from an
// access token without parsing it.
const BotTokenPrefix = "fcb_"

// WorkspaceBot is a bot account a workspace admin created: a user with
// IsBot that belongs to that one workspace and acts through API tokens.
type WorkspaceBot struct {
	User        User       `json:"user"`
	WorkspaceID int64      `json:"workspace_id"`
	CreatedBy   int64      `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	Tokens      []BotToken `json:"tokens"`
}

// BotToken is one API token of a bot. The token itself is shown once, at
// creation; the store keeps its SHA-256 and Hint (its first characters).
type BotToken struct {
	ID          int64      `json:"id"`
	BotID       int64      `json:"bot_id"`
	WorkspaceID int64      `json:"workspace_id"`
	Hint        string     `json:"hint"`
	CreatedAt   time.Time  `json:"created_at"`
	LastUsedAt  *time.Time `json:"last_used_at,omitempty"`
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
}

// IntegrationKind tells the integrations of a workspace apart.
type IntegrationKind string

// Integration kinds.
const (
	// IntegrationIncoming is an incoming webhook: POST /hooks/{secret}
	// posts into ChatIDs[0] as BotID.
	IntegrationIncoming IntegrationKind = "incoming"
	// IntegrationOutgoing is an outgoing webhook: new messages in ChatIDs
	// (with one of TriggerWords, when set) are POSTed to URL.
	IntegrationOutgoing IntegrationKind = "outgoing"
	// IntegrationCommand is a slash command /Name whose invocation is
	// POSTed to URL.
	IntegrationCommand IntegrationKind = "command"
)

// Integration is an incoming webhook, an outgoing webhook or a slash
// command of a workspace. Secret is the incoming webhook's URL secret, or
// the HMAC key that signs what is sent to URL.
type Integration struct {
	ID           int64           `json:"id"`
	WorkspaceID  int64           `json:"workspace_id"`
	Kind         IntegrationKind `json:"kind"`
	Name         string          `json:"name"`
	Description  string          `json:"description"`
	ChatIDs      []int64         `json:"chat_ids"`
	TriggerWords []string        `json:"trigger_words"`
	URL          string          `json:"url"`
	Secret       string          `json:"secret"`
	BotID        int64           `json:"bot_id"`
	CreatedBy    int64           `json:"created_by"`
	CreatedAt    time.Time       `json:"created_at"`
}
