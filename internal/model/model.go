// Package model holds the plain domain types of Fechatter. It does no I/O and
// imports nothing of ours; storage, use cases and the API all speak in these types.
package model

import (
	"encoding/json"
	"strconv"
	"time"
)

// Role is a user's role in a workspace.
type Role string

// Workspace roles, from most to least powerful.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleGuest  Role = "guest"
)

// Valid reports whether r is one of the four workspace roles.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleAdmin, RoleMember, RoleGuest:
		return true
	}
	return false
}

// AtLeast reports whether r is as powerful as other or more.
func (r Role) AtLeast(other Role) bool { return r.rank() >= other.rank() }

func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 4
	case RoleAdmin:
		return 3
	case RoleMember:
		return 2
	case RoleGuest:
		return 1
	}
	return 0
}

// User is an account on this instance. Its Email is "" in what another
// user receives unless the instance shows member emails or that user is an
// instance administrator (internal/api/emails.go).
type User struct {
	ID          int64  `json:"id"`
	Email       string `json:"email"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	// AvatarURL is where the server serves the uploaded avatar (with its
	// content hash as v), or empty when there is none.
	AvatarURL string `json:"avatar_url"`
	Locale    string `json:"locale"`
	Timezone  string `json:"timezone"`
	IsBot     bool   `json:"is_bot"`
	// AvatarSHA256 names the avatar's blob in the files store ("" for none).
	AvatarSHA256 string `json:"-"`
	// Status is what the user says they are up to; the zero value (left
	// out of JSON) when none is set or it has expired: storage drops
	// expired ones as it reads them, so nothing has to sweep them.
	Status UserStatus `json:"status,omitzero"`
	// IsAdmin marks the instance administrator created by first-run setup.
	IsAdmin bool `json:"is_admin"`
	// PasswordHash is a PHC-formatted argon2id string; empty for bots.
	PasswordHash string `json:"-"`
	// TokensValidAfter invalidates every access token issued before it
	// (logout-all, password change).
	TokensValidAfter time.Time `json:"-"`
	// DisabledAt is when an administrator disabled the account; nil while
	// it may sign in. A disabled account cannot sign in, refresh or use
	// any token.
	DisabledAt *time.Time `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
}

// UserStatus is a user's emoji and short text, until ExpiresAt (nil: until
// cleared).
type UserStatus struct {
	Emoji     string     `json:"emoji"`
	Text      string     `json:"text"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Live returns st when it is set and not expired at now, else the zero
// UserStatus.
func (st UserStatus) Live(now time.Time) UserStatus {
	if (st.Emoji == "" && st.Text == "") || (st.ExpiresAt != nil && !st.ExpiresAt.After(now)) {
		return UserStatus{}
	}
	return st
}

// Disabled reports whether the account is disabled.
func (u User) Disabled() bool { return u.DisabledAt != nil }

// AuditEntry is one administrative action: who did what, to whom, when
// and from where.
type AuditEntry struct {
	ID int64     `json:"id"`
	At time.Time `json:"at"`
	// Actor is who acted, as shown: "cli:<os user>" for the command line,
	// the username for an API caller.
	Actor string `json:"actor"`
	// ActorID is the acting user's id; 0 for the command line.
	ActorID int64 `json:"actor_id"`
	// Source is where the action came from: "local" for the command
	// line, the client's IP address for the API.
	Source string `json:"source"`
	// Action names what was done ("user.disable", "member.role", ...).
	Action string `json:"action"`
	// TargetUserID is the user acted on; 0 when none.
	TargetUserID int64 `json:"target_user_id,omitempty"`
	// WorkspaceID is the workspace acted in; 0 when none.
	WorkspaceID int64 `json:"workspace_id,omitempty"`
	// Detail is a small JSON object with what else matters (a new role,
	// a new log level); "{}" when nothing.
	Detail json.RawMessage `json:"detail"`
}

// Workspace is an isolated tenant: its chats, members and files are invisible
// to everyone who is not a member.
type Workspace struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// JoinTimes holds when one user's current memberships began, by workspace
// id and by chat id (a replay of events cuts at these times).
type JoinTimes struct {
	Workspaces map[int64]time.Time
	Chats      map[int64]time.Time
}

// Member is a user's membership of a workspace.
type Member struct {
	WorkspaceID int64     `json:"workspace_id"`
	UserID      int64     `json:"-"`
	Role        Role      `json:"role"`
	JoinedAt    time.Time `json:"joined_at"`
	User        User      `json:"user"`
}

// Invite lets people join a workspace with a code. The code itself is only
// ever stored hashed.
type Invite struct {
	ID          int64
	WorkspaceID int64
	CodeHash    string
	CreatedBy   int64
	MaxUses     int // 0 means unlimited
	Uses        int
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// Ban keeps a user out of a workspace: no invite brings them back until an
// admin lifts it.
type Ban struct {
	WorkspaceID int64 `json:"workspace_id"`
	UserID      int64 `json:"-"`
	// BannedBy is the admin who banned; 0 once that account is gone.
	BannedBy  int64     `json:"banned_by"`
	CreatedAt time.Time `json:"created_at"`
	User      User      `json:"user"`
}

// StorageUsage is how much file storage a workspace uses.
type StorageUsage struct {
	Files int64
	Bytes int64
	// TopUploaders are the users with the most bytes in the workspace, most first.
	TopUploaders []UploaderUsage
}

// UploaderUsage is one user's uploads in a workspace.
type UploaderUsage struct {
	UserID int64
	Files  int64
	Bytes  int64
}

// ChatType is one of the four kinds of chat.
type ChatType string

// The four chat types.
const (
	ChatDirect         ChatType = "direct"
	ChatGroup          ChatType = "group"
	ChatPrivateChannel ChatType = "private_channel"
	ChatPublicChannel  ChatType = "public_channel"
)

// Valid reports whether t is one of the four chat types.
func (t ChatType) Valid() bool {
	switch t {
	case ChatDirect, ChatGroup, ChatPrivateChannel, ChatPublicChannel:
		return true
	}
	return false
}

// IsChannel reports whether t is a named channel.
func (t ChatType) IsChannel() bool { return t == ChatPrivateChannel || t == ChatPublicChannel }

// ChatRole is a member's role inside one chat.
type ChatRole string

// Chat roles.
const (
	ChatRoleAdmin  ChatRole = "admin"
	ChatRoleMember ChatRole = "member"
)

// Chat is a conversation inside a workspace.
type Chat struct {
	ID          int64    `json:"id"`
	WorkspaceID int64    `json:"workspace_id"`
	Type        ChatType `json:"type"`
	Name        string   `json:"name"`
	Topic       string   `json:"topic"`
	// Description is a longer text about the channel than its one-line topic.
	Description string    `json:"description"`
	CreatedBy   int64     `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	// ArchivedAt is set while the chat is archived: read-only, and hidden
	// from the channel browser.
	ArchivedAt *time.Time `json:"archived_at,omitempty"`
	// AutoJoin marks a channel new workspace members are put in.
	AutoJoin bool `json:"auto_join"`
	// LastSeq is the seq of the newest message; messages are numbered 1..LastSeq.
	LastSeq        int64     `json:"last_seq"`
	LastActivityAt time.Time `json:"last_activity_at"`
	// DirectKey is "<lower user id>:<higher user id>" for direct chats, empty otherwise.
	DirectKey string `json:"-"`
}

// ChatSummary is a chat as one member sees it in their list.
type ChatSummary struct {
	Chat
	MemberCount int      `json:"member_count"`
	UnreadCount int64    `json:"unread_count"`
	LastReadSeq int64    `json:"last_read_seq"`
	MyRole      ChatRole `json:"my_role,omitempty"`
	LastMessage *Message `json:"last_message,omitempty"`
}

// ChatMember is a user's membership of a chat.
type ChatMember struct {
	ChatID      int64     `json:"chat_id"`
	UserID      int64     `json:"-"`
	Role        ChatRole  `json:"role"`
	JoinedAt    time.Time `json:"joined_at"`
	LastReadSeq int64     `json:"last_read_seq"`
	User        User      `json:"user"`
}

// Message is one message in a chat. A deleted message keeps ID and Seq and
// loses its content, attachments and reactions.
type Message struct {
	ID          int64           `json:"id"`
	ChatID      int64           `json:"chat_id"`
	WorkspaceID int64           `json:"workspace_id"`
	Seq         int64           `json:"seq"`
	SenderID    int64           `json:"-"`
	Sender      User            `json:"sender"`
	Content     string          `json:"content"`
	ClientID    string          `json:"client_id"`
	ReplyTo     *int64          `json:"reply_to,omitempty"`
	ReplyCount  int             `json:"reply_count"`
	Attachments []File          `json:"attachments"`
	Reactions   []ReactionCount `json:"reactions"`
	Mentions    []int64         `json:"mentions"`
	// Preview is the link preview of the message's first link, once the
	// server fetched it (and its author did not remove it).
	Preview *LinkPreview `json:"preview,omitempty"`
	// Lang is the detected language (ISO 639-1), '' until detected or
	// when the text is too short to tell; detection runs after the send.
	Lang string `json:"lang"`
	// Deleted is true for a tombstone (DeletedAt set); kept as a field so
	// the JSON form carries it.
	Deleted   bool       `json:"deleted"`
	CreatedAt time.Time  `json:"created_at"`
	EditedAt  *time.Time `json:"edited_at,omitempty"`
	DeletedAt *time.Time `json:"-"`
}

// ReactionCount aggregates one emoji on one message for one viewer.
type ReactionCount struct {
	Emoji string `json:"emoji"`
	Count int    `json:"count"`
	Me    bool   `json:"me"`
}

// File is an uploaded blob, content-addressed by SHA256 under the data dir.
type File struct {
	ID          int64     `json:"id"`
	WorkspaceID int64     `json:"workspace_id"`
	UploaderID  int64     `json:"uploader_id"`
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"-"`
	CreatedAt   time.Time `json:"created_at"`
}

// Session is a refresh-token family: one sign-in on one device.
type Session struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"-"`
	UserAgent  string     `json:"user_agent"`
	IP         string     `json:"ip"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt time.Time  `json:"last_used_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"-"`
}

// RefreshToken is one member of a session's rotation chain, stored hashed.
type RefreshToken struct {
	Hash      string
	SessionID int64
	CreatedAt time.Time
	// UsedAt is set when the token was exchanged for its successor.
	UsedAt *time.Time
}

// Event is a state change recorded in the outbox in the same transaction as
// the change itself, then relayed to the event stream.
type Event struct {
	// Seq is the outbox row id: the commit order of events.
	Seq int64
	// ID is globally unique (used as Nats-Msg-Id).
	ID          string
	Type        string
	WorkspaceID int64
	ChatID      int64 // 0 for workspace-level events
	ActorID     int64
	Payload     []byte // JSON
	CreatedAt   time.Time
	PublishedAt *time.Time
	// TraceParent is the W3C traceparent of the span that wrote the event
	// ("" outside a trace): the relay and the consumers continue it.
	TraceParent string
}

// Event types written to the outbox.
const (
	EventMessageCreated         = "message.created"
	EventMessageUpdated         = "message.updated"
	EventMessageDeleted         = "message.deleted"
	EventReactionAdded          = "reaction.added"
	EventReactionRemoved        = "reaction.removed"
	EventChatCreated            = "chat.created"
	EventChatUpdated            = "chat.updated"
	EventChatDeleted            = "chat.deleted"
	EventMemberJoined           = "member.joined"
	EventMemberLeft             = "member.left"
	EventReadUpdated            = "read.updated"
	EventWorkspaceUpdated       = "workspace.updated"
	EventWorkspaceDeleted       = "workspace.deleted"
	EventWorkspaceMemberJoined  = "workspace.member_joined"
	EventWorkspaceMemberLeft    = "workspace.member_left"
	EventWorkspaceMemberUpdated = "workspace.member_updated"
	// EventCredentialsRevoked is a control event, never shown to clients:
	// every credential of a user checked before it was written stopped
	// working (disabled, password reset, sessions revoked, possibly by
	// `fechatter admin` in another process). Each node's real-time hub
	// ends the user's streams when it reads it from the stream.
	EventCredentialsRevoked = "user.credentials_revoked"
)

// Event types of pins and bookmarks (saved messages). A pin event goes to
// the chat's members; a saved event only to the user whose bookmark it is
// (events.ActorOnly).
const (
	EventPinAdded     = "pin.added"
	EventPinRemoved   = "pin.removed"
	EventSavedAdded   = "saved.added"
	EventSavedRemoved = "saved.removed"
)

// MarshalJSON adds the download URL of the file.
func (f File) MarshalJSON() ([]byte, error) {
	type plain File
	return json.Marshal(struct {
		plain
		URL string `json:"url"`
	}{plain(f), "/api/files/" + strconv.FormatInt(f.ID, 10)})
}
