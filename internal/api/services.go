package api

import (
	"context"
	"io"
	"net/http"
	"os"

	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/realtime"
)

// ChatService is what the API needs of the use cases; *chat.Service
// satisfies it. Every method answers *apperr.Error for what the caller did
// wrong.
type ChatService interface {
	SetupNeeded(ctx context.Context) (bool, error)
	Setup(ctx context.Context, in chat.SetupInput, meta auth.ClientMeta) (auth.Grant, error)
	SignUp(ctx context.Context, in chat.SignUpInput, meta auth.ClientMeta) (auth.Grant, error)
	Me(ctx context.Context, userID int64) (model.User, error)
	UpdateProfile(ctx context.Context, userID int64, p chat.ProfilePatch) (model.User, error)
	SetAvatar(ctx context.Context, userID int64, r io.Reader, crop *chat.Crop) (model.User, error)
	DeleteAvatar(ctx context.Context, userID int64) (model.User, error)
	OpenAvatar(ctx context.Context, viewerID, userID int64) (string, *os.File, error)
	SetStatus(ctx context.Context, userID int64, st model.UserStatus) (model.User, error)
	ClearStatus(ctx context.Context, userID int64) (model.User, error)

	ListWorkspaces(ctx context.Context, userID int64) ([]chat.WorkspaceRole, error)
	CreateWorkspace(ctx context.Context, userID int64, name string) (chat.WorkspaceRole, error)
	Workspace(ctx context.Context, userID, wsID int64) (chat.WorkspaceRole, error)
	RenameWorkspace(ctx context.Context, userID, wsID int64, name string) (chat.WorkspaceRole, error)
	DeleteWorkspace(ctx context.Context, userID, wsID int64) error
	Members(ctx context.Context, userID, wsID int64) ([]model.Member, error)
	SetMemberRole(ctx context.Context, userID, wsID, targetID int64, role model.Role) (model.Member, error)
	RemoveMember(ctx context.Context, userID, wsID, targetID int64) error
	CreateInvite(ctx context.Context, userID, wsID int64, in chat.InviteInput) (chat.InviteCreated, error)
	LookupInvite(ctx context.Context, code string) (model.Workspace, error)
	AcceptInvite(ctx context.Context, userID int64, code string) (chat.WorkspaceRole, error)
	ListInvites(ctx context.Context, userID, wsID int64) ([]model.Invite, error)
	RevokeInvite(ctx context.Context, userID, wsID, inviteID int64) error
	RemoveAndBanMember(ctx context.Context, userID, wsID, targetID int64) error
	ListBans(ctx context.Context, userID, wsID int64) ([]model.Ban, error)
	Unban(ctx context.Context, userID, wsID, targetID int64) error
	WorkspaceUsage(ctx context.Context, userID, wsID int64) (chat.StorageUsage, error)

	ListChats(ctx context.Context, userID, wsID int64) ([]model.ChatSummary, error)
	ListChannels(ctx context.Context, userID, wsID int64) ([]model.ChatSummary, error)
	CreateChat(ctx context.Context, userID, wsID int64, in chat.CreateChatInput) (model.ChatSummary, bool, error)
	Chat(ctx context.Context, userID, chatID int64) (model.ChatSummary, error)
	UpdateChat(ctx context.Context, userID, chatID int64, p chat.ChatPatch) (model.ChatSummary, error)
	DeleteChat(ctx context.Context, userID, chatID int64) error
	ChatMembers(ctx context.Context, userID, chatID int64) ([]model.ChatMember, error)
	AddChatMembers(ctx context.Context, userID, chatID int64, ids []int64) ([]model.ChatMember, error)
	RemoveChatMember(ctx context.Context, userID, chatID, targetID int64) error
	JoinChat(ctx context.Context, userID, chatID int64) (model.ChatSummary, error)
	MarkRead(ctx context.Context, userID, chatID, seq int64) error
	Typing(ctx context.Context, userID, chatID int64) error
	ChatWorkspace(ctx context.Context, userID, chatID int64) (int64, error)
	CreateWorkspaceBot(ctx context.Context, actorID, wsID int64, username, displayName string) (chat.CreatedBot, error)
	WorkspaceBots(ctx context.Context, actorID, wsID int64) ([]model.WorkspaceBot, error)
	CreateBotToken(ctx context.Context, actorID, wsID, botID int64) (string, model.BotToken, error)
	RevokeBotToken(ctx context.Context, actorID, wsID, botID, tokenID int64) error
	DeleteWorkspaceBot(ctx context.Context, actorID, wsID, botID int64) error

	SendMessage(ctx context.Context, userID, chatID int64, in chat.SendMessageInput) (model.Message, bool, error)
	Messages(ctx context.Context, userID, chatID int64, q chat.MessageQuery) ([]model.Message, bool, error)
	Message(ctx context.Context, userID, chatID, msgID int64) (model.Message, error)
	EditMessage(ctx context.Context, userID, chatID, msgID int64, content string) (model.Message, error)
	DeleteMessage(ctx context.Context, userID, chatID, msgID int64) error
	React(ctx context.Context, userID, chatID, msgID int64, emoji string) error
	Unreact(ctx context.Context, userID, chatID, msgID int64, emoji string) error
	Mentions(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]model.Message, error)
	SaveDraft(ctx context.Context, userID, chatID, threadID int64, text string) error
	Drafts(ctx context.Context, userID int64) ([]model.Draft, error)
	SetChatMuted(ctx context.Context, userID, chatID int64, muted bool) error
	NotificationSettings(ctx context.Context, userID int64) (model.NotificationSettings, []int64, error)
	UpdateNotificationSettings(ctx context.Context, userID int64, p chat.NotificationPatch) (model.NotificationSettings, []int64, error)
	ArchiveChat(ctx context.Context, userID, chatID int64, archive bool) (model.ChatSummary, error)
	SetChatMemberRole(ctx context.Context, userID, chatID, targetID int64, role model.ChatRole) (model.ChatMember, error)
	Pins(ctx context.Context, userID, chatID int64) ([]model.Message, error)
	PinMessage(ctx context.Context, userID, chatID, msgID int64, pin bool) error
	SaveMessage(ctx context.Context, userID, chatID, msgID int64, save bool) error
	SavedMessages(ctx context.Context, userID int64, limit int) ([]model.Message, error)

	ListUsers(ctx context.Context, afterID int64, limit int) ([]model.User, error)
	SetDisabled(ctx context.Context, a chat.Actor, userID int64, disabled bool) (model.User, error)
	SetInstanceAdmin(ctx context.Context, a chat.Actor, userID int64, admin bool) (model.User, error)
	AuditLog(ctx context.Context, q chat.AuditQuery) ([]model.AuditEntry, error)
	RevokeSessions(ctx context.Context, a chat.Actor, userID int64) error
	InstanceSettings(ctx context.Context) (model.InstanceSettings, error)
	UpdateInstanceSettings(ctx context.Context, a chat.Actor, p chat.InstanceSettingsPatch) (model.InstanceSettings, error)
	SeesEmails(ctx context.Context, viewerID int64) (bool, error)
	// Audit records an admin action no use case performs (a log-level
	// change); pass auditContext(c) so that it names the client IP.
	Audit(ctx context.Context, userID int64, action string, detail map[string]any) error

	UploadFile(ctx context.Context, userID, wsID int64, name string, r io.Reader) (model.File, error)
	OpenFile(ctx context.Context, userID, fileID int64) (model.File, *os.File, error)
}

// AuthService is what the API needs of authentication; *auth.Service
// satisfies it.
type AuthService interface {
	SignIn(ctx context.Context, email, password string, meta auth.ClientMeta) (auth.Grant, error)
	Refresh(ctx context.Context, refreshToken string, meta auth.ClientMeta) (auth.Grant, error)
	Authenticate(ctx context.Context, accessToken string) (auth.Principal, error)
	Logout(ctx context.Context, p auth.Principal) error
	LogoutAll(ctx context.Context, userID int64) error
	Sessions(ctx context.Context, userID int64) ([]model.Session, error)
	RevokeSession(ctx context.Context, userID, sessionID int64) error
	ChangePassword(ctx context.Context, p auth.Principal, current, next string) error
	CheckPassword(ctx context.Context, p auth.Principal, field, password string) error
	SessionFromRefresh(ctx context.Context, refreshToken string) (auth.Principal, error)
	CheckPrincipal(ctx context.Context, p auth.Principal) error
	AllowSignUp(ip string) error
	AllowPasswordSignUp() error

	SecondStep(ctx context.Context, token, code, recovery string, meta auth.ClientMeta) (auth.Grant, error)
	EnrolWithToken(ctx context.Context, token string) (auth.TOTPEnrolment, error)
	ConfirmWithToken(ctx context.Context, token, code string, meta auth.ClientMeta) (auth.Grant, []string, error)
	TwoFactor(ctx context.Context, userID int64) (auth.TwoFactorStatus, error)
	BeginTOTP(ctx context.Context, userID int64) (auth.TOTPEnrolment, error)
	ConfirmTOTP(ctx context.Context, userID int64, code string) ([]string, error)
	DisableTOTP(ctx context.Context, p auth.Principal, password, code, recovery string) error
	InstanceRequires2FA() bool
	WorkspaceRequires2FA(ctx context.Context, workspaceID int64) (bool, error)
	SetWorkspaceRequires2FA(ctx context.Context, workspaceID int64, on bool) error

	OIDCProviders() []auth.ProviderInfo
	SSOOnly() bool
	BeginOIDC(ctx context.Context, id string) (authURL, flow string, err error)
	FinishOIDC(ctx context.Context, id, flow, state, code string, meta auth.ClientMeta) (auth.Grant, error)
}

// EventService streams a user's events (the realtime hub). Serve answers
// realtime.ErrRevoked, before writing anything, when the credential was
// revoked while the stream was being opened.
type EventService interface {
	Serve(w http.ResponseWriter, r *http.Request, cred realtime.Credential, lastEventID string) error
}

// TicketService issues and redeems single-use SSE tickets. Redeem answers
// realtime.ErrBadTicket for a ticket that is forged, used or expired.
type TicketService interface {
	Issue(ctx context.Context, c realtime.TicketClaims) (string, error)
	Redeem(ctx context.Context, ticket string) (realtime.TicketClaims, error)
}
