package client

import (
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// Session is the answer of setup, sign-up, sign-in and refresh.
type Session struct {
	User        model.User `json:"user"`
	AccessToken string     `json:"access_token"`
	TokenType   string     `json:"token_type"`
	// ExpiresIn is the access token's lifetime in seconds.
	ExpiresIn int64 `json:"expires_in"`
	// RefreshToken is in the body because the Client asks for it there.
	RefreshToken string `json:"refresh_token,omitempty"`
}

// SessionInfo is one entry of the caller's session list.
type SessionInfo struct {
	model.Session
	// Current marks the session the Client's access token belongs to.
	Current bool `json:"current"`
}

// Workspace is a workspace together with the caller's role in it.
type Workspace struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Role      model.Role `json:"role"`
	CreatedBy int64      `json:"created_by,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// Invite is a freshly made invite code. The code is shown only once.
type Invite struct {
	Code      string    `json:"code"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SetupInput is the body of first-run setup.
type SetupInput struct {
	Email         string `json:"email"`
	Password      string `json:"password"`
	Username      string `json:"username"`
	DisplayName   string `json:"display_name"`
	WorkspaceName string `json:"workspace_name"`
	// SetupToken is the token of the setup link the server printed at
	// first start (or its FECHATTER_SETUP_TOKEN).
	SetupToken string `json:"setup_token"`
}

// SignUpInput is the body of sign-up; InviteCode may be empty when the
// server allows open sign-up.
type SignUpInput struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	InviteCode  string `json:"invite_code,omitempty"`
}

// ProfilePatch changes the fields of the caller's profile that are not nil.
type ProfilePatch struct {
	DisplayName *string `json:"display_name,omitempty"`
	Username    *string `json:"username,omitempty"`
	AvatarURL   *string `json:"avatar_url,omitempty"`
	Locale      *string `json:"locale,omitempty"`
	Timezone    *string `json:"timezone,omitempty"`
}

// InviteOptions limits an invite; zero values take the server's defaults.
type InviteOptions struct {
	MaxUses        int `json:"max_uses,omitempty"`
	ExpiresInHours int `json:"expires_in_hours,omitempty"`
}

// CreateChatInput is the body of chat creation. MemberIDs are the other
// members (the caller is always a member).
type CreateChatInput struct {
	Type      model.ChatType `json:"type"`
	Name      string         `json:"name,omitempty"`
	Topic     string         `json:"topic,omitempty"`
	MemberIDs []int64        `json:"member_ids"`
}

// ChatPatch changes the fields of a chat that are not nil.
type ChatPatch struct {
	Name        *string `json:"name,omitempty"`
	Topic       *string `json:"topic,omitempty"`
	Description *string `json:"description,omitempty"`
}

// SendMessageInput is the body of a new message. ClientID makes the send
// idempotent; ReplyTo (a message id) puts it in a thread.
type SendMessageInput struct {
	Content       string  `json:"content"`
	ClientID      string  `json:"client_id,omitempty"`
	ReplyTo       int64   `json:"reply_to,omitempty"`
	AttachmentIDs []int64 `json:"attachment_ids,omitempty"`
}

// MessageQuery pages through a chat by seq: at most one of BeforeSeq,
// AfterSeq and FromStart; Thread (a message id) lists that message's
// replies. A zero field is not sent, so AfterSeq 0 is no cursor (the
// newest page); FromStart asks for after_seq=0, the first page.
type MessageQuery struct {
	BeforeSeq int64
	AfterSeq  int64
	// FromStart pages forward from the start of the chat (after_seq=0):
	// the first Limit messages, has_more when newer ones exist.
	FromStart bool
	Limit     int
	Thread    int64
}

// MessagePage is one page of messages in ascending seq.
type MessagePage struct {
	Messages []model.Message `json:"messages"`
	// HasMore says more messages exist in the paging direction.
	HasMore bool `json:"has_more"`
}

// Ptr returns a pointer to v, for the optional fields of patches.
func Ptr[T any](v T) *T { return &v }
