// Package storage defines the Store: the one interface every persistence
// engine implements (storage/sqlite, storage/postgres), made of small
// per-aggregate interfaces so that each consumer can depend on just the part
// it needs. The behaviour both engines must share is pinned down by
// storage/storagetest.
//
// Rules every implementation follows:
//   - every method takes a context and honours its cancellation;
//   - "not there" is ErrNotFound (wrapped), never a zero value with a nil error;
//   - a uniqueness violation is ErrConflict (wrapped);
//   - a value the database cannot hold, or arguments that do not go
//     together, is ErrInvalid (wrapped); storage knows nothing of HTTP, the
//     use cases give each sentinel its meaning for the caller;
//   - reads of chat content (messages, reactions, attachments) take the viewer
//     and answer ErrNotFound when the viewer may not read that chat, so an
//     unscoped read cannot be written by accident. A chat is readable by a
//     user who is a member of it, or, for a public channel, by any member of
//     its workspace whose role is not guest;
//   - times are stored and returned in UTC.
package storage

import (
	"context"
	"errors"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// Sentinel errors. Implementations wrap them with context.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the arguments cannot be stored or do not go together
	// (a value outside a column's domain, text the engine cannot hold).
	ErrInvalid   = errors.New("invalid value")
	ErrSchemaNew = errors.New("database schema is newer than this binary")
)

// Users stores accounts. Email and username are unique case-insensitively;
// lookups by them are case-insensitive.
type Users interface {
	// CreateUser inserts u and sets u.ID and u.CreatedAt.
	CreateUser(ctx context.Context, u *model.User) error
	UserByID(ctx context.Context, id int64) (model.User, error)
	// UserCredentials returns the two columns of a user that decide
	// whether its access tokens still stand; ErrNotFound if no such user.
	// It is UserByID narrowed for the check made on every request.
	UserCredentials(ctx context.Context, id int64) (UserCredentials, error)
	UserByEmail(ctx context.Context, email string) (model.User, error)
	UserByUsername(ctx context.Context, username string) (model.User, error)
	// UsersByIDs returns the users that exist among ids, in no particular order.
	UsersByIDs(ctx context.Context, ids []int64) ([]model.User, error)
	// UpdateProfile stores DisplayName, Username, AvatarURL, Locale and Timezone of u.
	UpdateProfile(ctx context.Context, u model.User) error
	// SetAvatar names the user's avatar blob and the URL it is served at
	// ("" and "" for none).
	SetAvatar(ctx context.Context, userID int64, sha256, url string) error
	// SetStatus stores the user's status; the zero UserStatus clears it.
	SetStatus(ctx context.Context, userID int64, st model.UserStatus) error
	// SetPasswordHash replaces the password hash (rehash on login, password change).
	SetPasswordHash(ctx context.Context, userID int64, hash string) error
	// SetTokensValidAfter makes every access token issued before t invalid.
	SetTokensValidAfter(ctx context.Context, userID int64, t time.Time) error
	CountUsers(ctx context.Context) (int64, error)
	// InstanceAdmins returns the users with IsAdmin set, in id order.
	InstanceAdmins(ctx context.Context) ([]model.User, error)
	// ListUsers returns up to limit users with ID > afterID, by ascending
	// ID, bots included.
	ListUsers(ctx context.Context, afterID int64, limit int) ([]model.User, error)
	// SetUserDisabled disables the account at at, or enables it (nil).
	SetUserDisabled(ctx context.Context, userID int64, at *time.Time) error
	// SetUserAdmin sets or clears the instance administrator flag.
	SetUserAdmin(ctx context.Context, userID int64, admin bool) error
	// CountActiveAdmins counts instance administrators that are not
	// disabled. Inside InTx it serialises with every other transaction
	// that calls it (Postgres locks those users' rows; SQLite's single
	// writer already does), so that the last administrator rule holds
	// under concurrent demotions.
	CountActiveAdmins(ctx context.Context) (int, error)
}

// AuditQuery pages through the audit log, newest first.
type AuditQuery struct {
	// BeforeID asks for entries with ID < BeforeID; 0 starts at the newest.
	BeforeID int64
	// Limit is the page size; see PageLimit.
	Limit int
	// Action keeps only entries of this action; "" keeps all.
	Action string
}

// Audit stores the record of administrative actions.
type Audit interface {
	// AppendAudit inserts e and sets e.ID (and e.At when zero). An empty
	// Detail is stored as {}.
	AppendAudit(ctx context.Context, e *model.AuditEntry) error
	// ListAudit returns a page of entries, newest (highest ID) first.
	ListAudit(ctx context.Context, q AuditQuery) ([]model.AuditEntry, error)
}

// WorkspaceRole is a workspace together with one user's role in it.
type WorkspaceRole struct {
	Workspace model.Workspace
	Role      model.Role
}

// Workspaces stores tenants and their members.
type Workspaces interface {
	// CreateWorkspace inserts w and sets w.ID and w.CreatedAt.
	CreateWorkspace(ctx context.Context, w *model.Workspace) error
	WorkspaceByID(ctx context.Context, id int64) (model.Workspace, error)
	// WorkspaceForMember returns the workspace and userID's role in it;
	// ErrNotFound when the workspace does not exist or userID is not a member.
	WorkspaceForMember(ctx context.Context, workspaceID, userID int64) (WorkspaceRole, error)
	// ListWorkspacesForUser returns the workspaces userID belongs to, oldest first.
	ListWorkspacesForUser(ctx context.Context, userID int64) ([]WorkspaceRole, error)
	// ListAllWorkspaces returns every workspace of the instance, oldest
	// first (the administrator's view; never answer a member with it).
	ListAllWorkspaces(ctx context.Context) ([]model.Workspace, error)
	RenameWorkspace(ctx context.Context, id int64, name string) error
	// DeleteWorkspace removes the workspace and everything in it.
	DeleteWorkspace(ctx context.Context, id int64) error
	// AddMember inserts m (JoinedAt set by the store); ErrConflict if already a member.
	AddMember(ctx context.Context, m *model.Member) error
	// ListMembers returns the members with their User filled in, by join time.
	ListMembers(ctx context.Context, workspaceID int64) ([]model.Member, error)
	// GetMember returns one member with User filled in.
	GetMember(ctx context.Context, workspaceID, userID int64) (model.Member, error)
	SetMemberRole(ctx context.Context, workspaceID, userID int64, role model.Role) error
	// RemoveMember removes the user from the workspace and from all of its chats.
	RemoveMember(ctx context.Context, workspaceID, userID int64) error
	CountOwners(ctx context.Context, workspaceID int64) (int, error)
	// LockWorkspace, inside InTx, serialises the transaction against every
	// other one that locks the same workspace, until it ends: call it first
	// in a transaction whose decision rests on the workspace's members and
	// roles (the last-owner rule), before reading them. ErrNotFound when the
	// workspace does not exist. It does not block adding chats, members or
	// messages. (Postgres: SELECT ... FOR NO KEY UPDATE of the workspace row;
	// SQLite's single writer already serialises, so it only checks.)
	LockWorkspace(ctx context.Context, workspaceID int64) error
}

// Invites stores workspace invite codes (hashed).
type Invites interface {
	// CreateInvite inserts inv and sets inv.ID and inv.CreatedAt.
	CreateInvite(ctx context.Context, inv *model.Invite) error
	InviteByCodeHash(ctx context.Context, codeHash string) (model.Invite, error)
	// ConsumeInvite counts one use of the invite if at now it is not expired
	// and has uses left; ErrConflict otherwise. It is atomic under concurrency.
	ConsumeInvite(ctx context.Context, id int64, now time.Time) error
	// ListInvites returns the invites of a workspace that are live at now
	// (not expired, uses left), newest first.
	ListInvites(ctx context.Context, workspaceID int64, now time.Time) ([]model.Invite, error)
	// DeleteInvite removes one invite of the workspace, so that its code
	// stops working; ErrNotFound when the workspace has no such invite.
	DeleteInvite(ctx context.Context, workspaceID, inviteID int64) error
}

// Bans stores who may not join a workspace again.
type Bans interface {
	// BanUser records b (CreatedAt set by the store when zero). Banning a
	// user who is already banned keeps the first ban.
	BanUser(ctx context.Context, b *model.Ban) error
	// IsBanned reports whether userID is banned from workspaceID.
	IsBanned(ctx context.Context, workspaceID, userID int64) (bool, error)
	// ListBans returns the bans of a workspace with User filled in, newest first.
	ListBans(ctx context.Context, workspaceID int64) ([]model.Ban, error)
	// Unban lifts a ban; ErrNotFound when there is none.
	Unban(ctx context.Context, workspaceID, userID int64) error
}

// Sessions stores refresh-token families.
type Sessions interface {
	// CreateSession inserts s (setting s.ID) with its first refresh token.
	CreateSession(ctx context.Context, s *model.Session, tokenHash string) error
	// RefreshToken returns a token and its session. Inside a transaction on
	// Postgres it locks the session row, serialising refreshes of one family.
	RefreshToken(ctx context.Context, tokenHash string) (model.RefreshToken, model.Session, error)
	// RotateRefreshToken marks oldHash used at now (if it is not already),
	// adds newHash to the same session and sets the session's LastUsedAt and
	// ExpiresAt.
	RotateRefreshToken(ctx context.Context, oldHash, newHash string, now, expiresAt time.Time) error
	// SessionByID returns one of userID's sessions, revoked or not;
	// ErrNotFound if it is not theirs.
	SessionByID(ctx context.Context, userID, sessionID int64) (model.Session, error)
	// ListSessions returns userID's sessions that are not revoked and not expired at now.
	ListSessions(ctx context.Context, userID int64, now time.Time) ([]model.Session, error)
	// RevokeSession revokes one of userID's sessions; ErrNotFound if it is not theirs.
	RevokeSession(ctx context.Context, userID, sessionID int64, at time.Time) error
	// RevokeAllSessions revokes every session of userID, except keep if keep > 0.
	RevokeAllSessions(ctx context.Context, userID int64, keep int64, at time.Time) error
}

// UserCredentials is what Users.UserCredentials reads.
type UserCredentials struct {
	// DisabledAt is when the account was disabled; nil while enabled.
	DisabledAt *time.Time
	// TokensValidAfter is model.User.TokensValidAfter.
	TokensValidAfter time.Time
}

// ChatAccess is what one user may do with one chat.
type ChatAccess struct {
	Chat model.Chat
	// WorkspaceRole is the user's role in the chat's workspace.
	WorkspaceRole model.Role
	// ChatRole is the user's role in the chat; empty when not a member.
	ChatRole model.ChatRole
	// LastReadSeq is the user's read marker (0 when not a member).
	LastReadSeq int64
}

// IsMember reports whether the user is a member of the chat.
func (a ChatAccess) IsMember() bool { return a.ChatRole != "" }

// Chats stores chats and chat membership.
type Chats interface {
	// CreateChat inserts c (setting ID, CreatedAt, LastActivityAt) and its
	// members. ErrConflict when a channel of the same name (case-insensitive)
	// exists in the workspace, or a direct chat with the same DirectKey does.
	CreateChat(ctx context.Context, c *model.Chat, members []model.ChatMember) error
	// ChatAccess returns the chat and userID's standing in it; ErrNotFound
	// when the chat does not exist or userID is not a member of its workspace.
	ChatAccess(ctx context.Context, chatID, userID int64) (ChatAccess, error)
	// DirectChat finds the direct chat with key in a workspace.
	DirectChat(ctx context.Context, workspaceID int64, directKey string) (model.Chat, error)
	// ListChatsForUser returns the chats userID is a member of in a workspace,
	// with member count, unread count and last message, most recent activity
	// first, in one query.
	ListChatsForUser(ctx context.Context, workspaceID, userID int64) ([]model.ChatSummary, error)
	// ListJoinableChannels returns the workspace's public channels userID is not in.
	ListJoinableChannels(ctx context.Context, workspaceID, userID int64) ([]model.ChatSummary, error)
	// ChatSummary returns one chat as userID sees it, in the shape of the
	// lists above: role, read marker and unread count when userID is a
	// member, none of them otherwise; ErrNotFound when there is no chat.
	ChatSummary(ctx context.Context, chatID, userID int64) (model.ChatSummary, error)
	// UpdateChat stores Name and Topic of c; ErrConflict on a duplicate channel name.
	UpdateChat(ctx context.Context, c model.Chat) error
	DeleteChat(ctx context.Context, chatID int64) error
	// AddChatMembers adds members, ignoring those already in; it returns the
	// user ids that were actually added. Like CreateChat it adds nobody and
	// answers ErrNotFound when one of them is not a member of the chat's
	// workspace, and it serialises with RemoveMember of those users (Postgres
	// locks their workspace_members rows), so that a chat member is always a
	// member of the chat's workspace.
	AddChatMembers(ctx context.Context, chatID int64, members []model.ChatMember) ([]int64, error)
	// RemoveChatMember removes one member; ErrNotFound if not a member.
	RemoveChatMember(ctx context.Context, chatID, userID int64) error
	// SetChatMemberRole changes one member's role; ErrNotFound if not a member.
	SetChatMemberRole(ctx context.Context, chatID, userID int64, role model.ChatRole) error
	// ListChatMembers returns members with User filled in, by join time;
	// only those who are still members of the chat's workspace (it is the
	// audience of real-time delivery).
	ListChatMembers(ctx context.Context, chatID int64) ([]model.ChatMember, error)
	// ChatMemberIDsByUsername returns the ids of chat members with these
	// usernames (case-insensitive).
	ChatMemberIDsByUsername(ctx context.Context, chatID int64, usernames []string) ([]int64, error)
	// MarkRead moves userID's read marker to seq (capped at the chat's
	// LastSeq) if that is forward; it reports the new marker and whether it moved.
	MarkRead(ctx context.Context, chatID, userID, seq int64) (int64, bool, error)
	// JoinTimes reports when userID's current memberships began: of each
	// workspace it belongs to, and of each chat it belongs to in those
	// workspaces (a replay of events cuts at these times).
	JoinTimes(ctx context.Context, userID int64) (JoinTimes, error)
}

// JoinTimes holds when one user's current memberships began, by workspace
// id and by chat id.
type JoinTimes struct {
	Workspaces map[int64]time.Time
	Chats      map[int64]time.Time
}

// Page sizes of lists (API.md, "Conventions"): the default and the most one
// page holds. These are the only definition; the use cases and the API
// take them from here.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// PageLimit applies DefaultPageLimit to n <= 0 and caps n at MaxPageLimit.
func PageLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultPageLimit
	case n > MaxPageLimit:
		return MaxPageLimit
	}
	return n
}

// MessageQuery pages through one chat by seq. At most one of BeforeSeq and
// AfterSeq is set (non-nil); with neither, the newest Limit messages. A
// cursor of 0 is a cursor like any other, not "unset": AfterSeq 0 starts
// at the first message, BeforeSeq 0 is an empty page (seqs start at 1).
// Thread, when set, restricts to the replies of that root message (the
// root not included).
type MessageQuery struct {
	// BeforeSeq asks for the Limit messages just before this seq.
	BeforeSeq *int64
	// AfterSeq asks for the Limit messages just after this seq.
	AfterSeq *int64
	// Limit is the page size; see PageLimit.
	Limit int
	// Thread is a root message id; 0 means the whole chat.
	Thread int64
}

// Messages stores messages, their mentions and attachments.
type Messages interface {
	// CreateMessage assigns m.Seq (the chat's LastSeq + 1, gap-free under
	// concurrency), m.ID and m.CreatedAt, stores m.Mentions and links
	// m.Attachments (by ID), bumps the parent's reply count when ReplyTo is
	// set, and updates the chat's LastSeq and LastActivityAt. When ClientID is
	// not empty and (chat, sender, client id) exists, it fills m with the
	// existing message instead and reports created=false. Inside InTx an
	// error leaves the transaction for the caller to roll back, and a
	// duplicate committed concurrently by another transaction may come back
	// as ErrConflict: roll back and run the transaction again.
	CreateMessage(ctx context.Context, m *model.Message) (created bool, err error)
	// Message returns one message hydrated for viewerID (sender, attachments,
	// reactions with Me, mentions); ErrNotFound when viewerID may not read the chat.
	Message(ctx context.Context, viewerID, chatID, messageID int64) (model.Message, error)
	// ListMessages returns a page in ascending seq, hydrated for viewerID,
	// and whether more exist in the paging direction.
	ListMessages(ctx context.Context, viewerID, chatID int64, q MessageQuery) ([]model.Message, bool, error)
	// EditMessage replaces content and mentions and sets EditedAt.
	EditMessage(ctx context.Context, messageID int64, content string, mentions []int64, at time.Time) error
	// DeleteMessage makes a tombstone: content, attachment links, reactions
	// and mentions go; ID and Seq stay. Read back, a tombstone has Deleted
	// true and DeletedAt set; the parent's reply count is not changed.
	DeleteMessage(ctx context.Context, messageID int64, at time.Time) error
	// MessagesForViewer returns those of the messages with these ids that
	// viewerID may read now, hydrated for viewerID as Message does,
	// tombstones included, in no particular order; ids the viewer may not
	// read, or that do not exist, are left out (no error).
	MessagesForViewer(ctx context.Context, viewerID int64, ids []int64) ([]model.Message, error)
	// ListMentions returns messages mentioning userID in chats the user is
	// still a member of, newest first; unreadOnly keeps those above the read marker.
	ListMentions(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]model.Message, error)
}

// Reactions stores emoji reactions.
type Reactions interface {
	// AddReaction is idempotent; added reports whether it was new.
	AddReaction(ctx context.Context, messageID, userID int64, emoji string) (added bool, err error)
	// RemoveReaction is idempotent; removed reports whether it existed.
	RemoveReaction(ctx context.Context, messageID, userID int64, emoji string) (removed bool, err error)
}

// Files stores uploaded file metadata (the bytes live under the data dir).
type Files interface {
	// CreateFile inserts f and sets f.ID, and f.CreatedAt when it is zero
	// (the orphan sweep compares it with the use cases' clock).
	CreateFile(ctx context.Context, f *model.File) error
	// FileForUser returns the file when userID uploaded it or is a member of
	// a chat where a live message has it attached; ErrNotFound otherwise.
	FileForUser(ctx context.Context, fileID, userID int64) (model.File, error)
	// FileByID returns a file without any access check, for attaching.
	FileByID(ctx context.Context, fileID int64) (model.File, error)
	// FileUsage returns the bytes of the files in workspaceID and the bytes
	// userID has uploaded in all workspaces. Inside a transaction on
	// Postgres it first takes a transaction-scoped lock shared by all
	// FileUsage callers, so that a quota check followed by CreateFile in
	// the same transaction cannot be overrun by a concurrent upload.
	FileUsage(ctx context.Context, workspaceID, userID int64) (workspaceBytes, userBytes int64, err error)
	// WorkspaceUsage returns the file count and bytes of a workspace and its
	// top limit uploaders by bytes.
	WorkspaceUsage(ctx context.Context, workspaceID int64, limit int) (model.StorageUsage, error)
	// UnattachedFiles returns up to limit files with ID > afterID, created
	// before before, that no message has attached, by ascending ID.
	UnattachedFiles(ctx context.Context, before time.Time, afterID int64, limit int) ([]model.File, error)
	// DeleteUnattachedFile deletes the file if it is still unattached and
	// was created before before, in one statement; it reports whether it did.
	DeleteUnattachedFile(ctx context.Context, fileID int64, before time.Time) (bool, error)
	// BlobReferenced reports whether any file has this SHA-256.
	BlobReferenced(ctx context.Context, sha256 string) (bool, error)
}

// PublishReorderSpan bounds how far below an event's seq a row published
// after it may sit (PublishedAfter looks no further). SQLite commits in
// seq order; Postgres transactions commit out of it only while they run
// at the same time, a few seqs per concurrent send. The bound keeps the
// relay's check at every start to a short range scan (100,000 rows took
// 111 ms there; 1,000 take 5).
const PublishReorderSpan = 1_000

// Outbox stores events written in the same transaction as the change.
type Outbox interface {
	// AppendEvent inserts e and sets e.Seq and e.CreatedAt.
	AppendEvent(ctx context.Context, e *model.Event) error
	// UnpublishedEvents returns up to limit events not yet published, in Seq order.
	UnpublishedEvents(ctx context.Context, limit int) ([]model.Event, error)
	// MarkPublished sets PublishedAt on the events with these seqs.
	MarkPublished(ctx context.Context, seqs []int64, at time.Time) error
	// PublishedAfter returns up to limit events published after the event
	// eventID, in the order they were published (published_at, then seq):
	// what the stream must hold after that event. None when eventID is not
	// in the outbox or not published: then nothing is known to follow it.
	PublishedAfter(ctx context.Context, eventID string, limit int) ([]model.Event, error)
	// EventsAfter returns up to limit events with Seq > after, in order
	// (used to rebuild the stream from the database).
	EventsAfter(ctx context.Context, after int64, limit int) ([]model.Event, error)
	// PruneEvents deletes up to limit (1000 when limit <= 0) of the oldest
	// events published before publishedBefore and reports how many went;
	// an unpublished event is never deleted.
	PruneEvents(ctx context.Context, publishedBefore time.Time, limit int) (int, error)
}

// Export reads without a viewer, to rebuild derived data (the search
// index) from the database. Never answer a user's request with it.
type Export interface {
	// ChatByID returns a chat; ErrNotFound when it does not exist.
	ChatByID(ctx context.Context, chatID int64) (model.Chat, error)
	// CountMessages counts the messages of a workspace (0: all), tombstones included.
	CountMessages(ctx context.Context, workspaceID int64) (int, error)
	// AllMessages pages through the messages of a workspace (0: all) by
	// ascending ID: those with ID > afterID, at most limit, with Sender
	// filled in and tombstones (Deleted) included; attachments, reactions
	// and mentions are not loaded.
	AllMessages(ctx context.Context, workspaceID, afterID int64, limit int) ([]model.Message, error)
	// MessagesByID returns those of the messages that exist, in any order,
	// with Sender filled in and tombstones included, loaded like AllMessages.
	MessagesByID(ctx context.Context, ids []int64) ([]model.Message, error)
}

// Reaction is one user's reaction to one message, as stored.
type Reaction struct {
	MessageID int64
	UserID    int64
	Emoji     string
}

// Transfers serves workspace import and export (fechatter import, export):
// the record of what an import brought in, so that running it again adds
// nothing, and reads of a whole workspace without a viewer. Never answer a
// user's request with its reads.
type Transfers interface {
	// ImportedID returns the id an import recorded for key, of kind
	// ("user", "chat", "message", "file"), from source, in workspaceID;
	// ErrNotFound when none was.
	ImportedID(ctx context.Context, workspaceID int64, source, kind, key string) (int64, error)
	// RecordImported records that key became id; ErrConflict when key is
	// already recorded.
	RecordImported(ctx context.Context, workspaceID int64, source, kind, key string, id int64) error
	// SetMessageTimes gives an imported message its original creation and
	// edit times (edited nil: never edited) and moves its chat's last
	// activity to created.
	SetMessageTimes(ctx context.Context, messageID int64, created time.Time, edited *time.Time) error
	// WorkspacesByName returns the workspaces with this exact name, oldest first.
	WorkspacesByName(ctx context.Context, name string) ([]model.Workspace, error)
	// WorkspaceChats returns every chat of a workspace, by ascending id.
	WorkspaceChats(ctx context.Context, workspaceID int64) ([]model.Chat, error)
	// ReactionsOf returns the reactions to these messages, by message id,
	// then time.
	ReactionsOf(ctx context.Context, messageIDs []int64) ([]Reaction, error)
	// AttachmentsOf returns the files attached to these messages, by
	// message id, in attachment order, SHA256 included.
	AttachmentsOf(ctx context.Context, messageIDs []int64) (map[int64][]model.File, error)
}

// Certs holds TLS certificates, their keys and the ACME account as opaque
// values under slash-separated keys ("certificates/ca/example.com/x.crt"),
// and the locks with which one node at a time talks to the ACME CA, so that
// every node of a cluster serves the same certificates.
type Certs interface {
	// PutCert stores value under key, replacing what was there, modified at.
	PutCert(ctx context.Context, key string, value []byte, at time.Time) error
	// CertByKey returns the value under key and when it was stored;
	// ErrNotFound when there is none.
	CertByKey(ctx context.Context, key string) (value []byte, modified time.Time, err error)
	// DeleteCerts deletes key and every key under key + "/"; ErrNotFound
	// when there was none.
	DeleteCerts(ctx context.Context, key string) error
	// CertKeys returns, sorted, the keys under prefix + "/" (every key when
	// prefix is ""), and prefix itself if it is a key.
	CertKeys(ctx context.Context, prefix string) ([]string, error)
	// TryCertLock takes the lock name for owner until expires and reports
	// whether it did: it does when the lock is free, expired (at or before
	// now) or already owner's (then expires is its new end).
	TryCertLock(ctx context.Context, name, owner string, now, expires time.Time) (bool, error)
	// UnlockCert releases name if owner holds it; ErrNotFound otherwise.
	UnlockCert(ctx context.Context, name, owner string) error
}

// Assistant holds each workspace's assistant settings, custom commands
// and daily token use.
type Assistant interface {
	// AssistantSettings returns a workspace's saved settings; ErrNotFound
	// when it never saved any.
	AssistantSettings(ctx context.Context, workspaceID int64) (model.AssistantSettings, error)
	// PutAssistantSettings saves s (its UpdatedAt is set when zero).
	PutAssistantSettings(ctx context.Context, s model.AssistantSettings) error
	// AssistantCommands lists a workspace's commands by name.
	AssistantCommands(ctx context.Context, workspaceID int64) ([]model.AssistantCommand, error)
	// CreateAssistantCommand inserts c and sets its ID and CreatedAt;
	// ErrConflict when the workspace has a command of that name.
	CreateAssistantCommand(ctx context.Context, c *model.AssistantCommand) error
	// UpdateAssistantCommand replaces the name, description and template
	// of the command c.ID of workspace c.WorkspaceID; ErrNotFound, ErrConflict.
	UpdateAssistantCommand(ctx context.Context, c model.AssistantCommand) error
	// DeleteAssistantCommand deletes one command; ErrNotFound when absent.
	DeleteAssistantCommand(ctx context.Context, workspaceID, commandID int64) error
	// AddAssistantTokens adds n to a workspace's tokens of day
	// (YYYY-MM-DD, UTC) and returns the new total.
	AddAssistantTokens(ctx context.Context, workspaceID int64, day string, n int64) (int64, error)
	// AssistantTokens returns a workspace's tokens of day (0 when none).
	AssistantTokens(ctx context.Context, workspaceID int64, day string) (int64, error)
	// WorkspaceIDs returns the ids of every workspace, ascending.
	WorkspaceIDs(ctx context.Context) ([]int64, error)
}

// Knowledge holds the assistant's knowledge base: each workspace's
// documents, cut into chunks, and the chunks' embeddings.
type Knowledge interface {
	// CreateKnowledgeDocument inserts d and its chunks (in order) in one
	// transaction and sets d's ID, Chunks and CreatedAt; ErrNotFound when
	// the workspace is gone.
	CreateKnowledgeDocument(ctx context.Context, d *model.KnowledgeDocument, chunks []string) error
	// KnowledgeDocuments lists a workspace's documents, oldest first, with
	// Embedded counting the chunks embedded by embeddingModel.
	KnowledgeDocuments(ctx context.Context, workspaceID int64, embeddingModel string) ([]model.KnowledgeDocument, error)
	// DeleteKnowledgeDocument deletes a document and its chunks;
	// ErrNotFound when the workspace has no such document.
	DeleteKnowledgeDocument(ctx context.Context, workspaceID, documentID int64) error
	// KnowledgeChunks returns a document's chunks in order, without
	// embeddings.
	KnowledgeChunks(ctx context.Context, workspaceID, documentID int64) ([]model.KnowledgeChunk, error)
	// KnowledgeChunksByID returns the chunks of ids that belong to the
	// workspace (others are left out), without embeddings, in no order.
	KnowledgeChunksByID(ctx context.Context, workspaceID int64, ids []int64) ([]model.KnowledgeChunk, error)
	// KnowledgeEmbeddings returns the workspace's chunks embedded by
	// embeddingModel: ID, DocumentID and Embedding only.
	KnowledgeEmbeddings(ctx context.Context, workspaceID int64, embeddingModel string) ([]model.KnowledgeChunk, error)
	// ChunksToEmbed returns up to limit chunks of any workspace without an
	// embedding of embeddingModel, oldest first, without embeddings.
	ChunksToEmbed(ctx context.Context, embeddingModel string, limit int) ([]model.KnowledgeChunk, error)
	// PutKnowledgeEmbedding stores a chunk's embedding by embeddingModel;
	// a chunk deleted meanwhile is no error.
	PutKnowledgeEmbedding(ctx context.Context, chunkID int64, embeddingModel string, vec []float32) error
}

// SecondFactors stores TOTP factors, recovery codes (hashed) and the
// per-workspace rule that members must use a second factor.
type SecondFactors interface {
	// TOTP returns a user's factor, pending or confirmed; ErrNotFound when
	// there is none.
	TOTP(ctx context.Context, userID int64) (model.TOTP, error)
	// PutPendingTOTP stores a new unconfirmed factor for t.UserID,
	// replacing a pending one; ErrConflict when a confirmed one exists.
	PutPendingTOTP(ctx context.Context, t model.TOTP) error
	// ConfirmTOTP puts the pending factor in force at at, with step as its
	// last used step, and replaces the user's recovery codes by hashes;
	// ErrNotFound when there is no pending factor.
	ConfirmTOTP(ctx context.Context, userID, step int64, at time.Time, recoveryHashes []string) error
	// DeleteTOTP removes the factor and the recovery codes; ErrNotFound
	// when there is no factor.
	DeleteTOTP(ctx context.Context, userID int64) error
	// UseTOTPStep records step as used and clears the failures;
	// ErrConflict when step is not after the last used one (a replay).
	UseTOTPStep(ctx context.Context, userID, step int64) error
	// SetTOTPFailures stores the failure count and lock; ErrNotFound when
	// there is no factor.
	SetTOTPFailures(ctx context.Context, userID int64, failures int, lockedUntil time.Time) error
	// ClaimTOTPAttempt counts one code attempt before the code is checked,
	// in one atomic step, so concurrent guesses cannot share a count: it
	// returns the count including this attempt, or ok false when the
	// factor is locked at now or max attempts are already counted.
	// ErrNotFound when there is no factor.
	ClaimTOTPAttempt(ctx context.Context, userID int64, max int, now time.Time) (failures int, ok bool, err error)
	// UseRecoveryCode marks the unused code with this hash used at at;
	// ErrNotFound when the user has no such unused code.
	UseRecoveryCode(ctx context.Context, userID int64, hash string, at time.Time) error
	// CountRecoveryCodes counts the user's unused recovery codes.
	CountRecoveryCodes(ctx context.Context, userID int64) (int, error)
	// SetWorkspaceRequires2FA sets whether members of the workspace must
	// use a second factor; ErrNotFound when there is no such workspace.
	SetWorkspaceRequires2FA(ctx context.Context, workspaceID int64, on bool) error
	// WorkspaceRequires2FA reports the workspace's rule; ErrNotFound when
	// there is no such workspace.
	WorkspaceRequires2FA(ctx context.Context, workspaceID int64) (bool, error)
	// MemberOfWorkspaceRequiring2FA reports whether userID belongs to any
	// workspace that requires a second factor.
	MemberOfWorkspaceRequiring2FA(ctx context.Context, userID int64) (bool, error)
}

// Identities links users to accounts at OpenID providers, by issuer and
// subject (the provider's stable user id).
type Identities interface {
	// IdentityUser returns the user linked to (issuer, subject);
	// ErrNotFound when none is.
	IdentityUser(ctx context.Context, issuer, subject string) (int64, error)
	// LinkIdentity links (issuer, subject) to userID; ErrConflict when it
	// is linked already, ErrNotFound when the user does not exist.
	LinkIdentity(ctx context.Context, userID int64, issuer, subject string, at time.Time) error
}

// Languages holds the detected language of messages, their cached
// translations and each user's language setting.
type Languages interface {
	// SetMessageLang stores lang for a live message whose content is
	// still content (an edit since makes it a no-op) and reports whether
	// it did.
	SetMessageLang(ctx context.Context, messageID int64, content, lang string) (bool, error)
	// SetMessageLangs is SetMessageLang for many messages in one
	// transaction (one commit, not one per message).
	SetMessageLangs(ctx context.Context, langs []model.MessageLang) error
	// MessageTranslation returns the cached translation of a message into
	// target; ErrNotFound when there is none.
	MessageTranslation(ctx context.Context, messageID int64, target string) (model.Translation, error)
	// PutMessageTranslation stores t, replacing the one for its message
	// and target.
	PutMessageTranslation(ctx context.Context, t model.Translation) error
	// UserLanguage returns a user's setting; ErrNotFound when never saved.
	UserLanguage(ctx context.Context, userID int64) (model.UserLanguage, error)
	// PutUserLanguage saves a user's setting.
	PutUserLanguage(ctx context.Context, l model.UserLanguage) error
}

// AccountMail holds what mail to users needs: single-use account tokens
// (password reset, email change), the email address itself, and the email
// digest's per-user state.
type AccountMail interface {
	// CreateAccountToken stores t with the SHA-256 hex hash of its token
	// and sets t.ID (and t.CreatedAt when zero).
	CreateAccountToken(ctx context.Context, t *model.AccountToken, hash string) error
	// UseAccountToken marks the token of purpose with this hash used at
	// now and returns it, provided it was unused and expires after now;
	// ErrNotFound otherwise (unknown, used or expired alike).
	UseAccountToken(ctx context.Context, purpose, hash string, now time.Time) (model.AccountToken, error)
	// CountAccountTokens counts the user's tokens of purpose created at or
	// after since, used or not.
	CountAccountTokens(ctx context.Context, userID int64, purpose string, since time.Time) (int, error)
	// SetUserEmail changes a user's email; ErrConflict when another
	// account has it (case-insensitively), ErrNotFound without the user.
	SetUserEmail(ctx context.Context, userID int64, email string) error
	// DigestState returns the user's digest state: enabled, nothing sent
	// when it was never stored.
	DigestState(ctx context.Context, userID int64) (model.DigestState, error)
	// SetDigestEnabled turns the user's email digest on or off.
	SetDigestEnabled(ctx context.Context, userID int64, enabled bool) error
	// ClaimDigest moves the user's SentUpTo from old to upTo (and SentAt
	// to at) and reports true, or reports false when SentUpTo is no longer
	// old (another node sent that digest).
	ClaimDigest(ctx context.Context, userID, old, upTo int64, at time.Time) (bool, error)
	// DigestItems returns, for users who are neither bots nor disabled and
	// have not turned digests off, their unread messages (above their read
	// marker, not their own, not deleted) created in (since, before] with
	// an id above the user's SentUpTo, in direct chats or mentioning the
	// user; by user, then message id; at most limit rows.
	DigestItems(ctx context.Context, since, before time.Time, limit int) ([]model.DigestItem, error)
}

// Prefs holds each user's drafts, muted chats and notification settings.
type Prefs interface {
	// PutDraft saves d (replacing the user's draft for that chat and
	// thread; its UpdatedAt is set when zero).
	PutDraft(ctx context.Context, d model.Draft) error
	// DeleteDraft removes one draft; nothing happens when there is none.
	DeleteDraft(ctx context.Context, userID, chatID, threadID int64) error
	// ListDrafts returns the user's drafts in chats the user is still a
	// member of, newest first.
	ListDrafts(ctx context.Context, userID int64) ([]model.Draft, error)
	// SetChatMuted mutes or unmutes a chat for a user.
	SetChatMuted(ctx context.Context, userID, chatID int64, muted bool) error
	// MutedChats returns the ids of the chats the user muted and is still
	// a member of, ascending.
	MutedChats(ctx context.Context, userID int64) ([]int64, error)
	// NotificationSettings returns a user's saved settings; ErrNotFound
	// when the user never saved any.
	NotificationSettings(ctx context.Context, userID int64) (model.NotificationSettings, error)
	// PutNotificationSettings saves s (its UpdatedAt is set when zero).
	PutNotificationSettings(ctx context.Context, s model.NotificationSettings) error
}

// Tx is everything a unit of work can do. Inside InTx it runs in one
// database transaction; on the Store itself each call is its own.
type Tx interface {
	Users
	Workspaces
	Invites
	Bans
	Sessions
	Chats
	Messages
	Reactions
	Files
	Outbox
	Export
	Transfers
	Certs
	Audit
	Assistant
	Previews
	PushSubscriptions
	Knowledge
	SecondFactors
	Identities
	Languages
	Integrations
	AccountMail
	Prefs
	Pins
	Instance
}

// Instance holds the instance-wide settings (one row).
type Instance interface {
	// InstanceSettings returns the saved settings, or
	// model.DefaultInstanceSettings when none were saved.
	InstanceSettings(ctx context.Context) (model.InstanceSettings, error)
	// PutInstanceSettings saves s (its UpdatedAt is set when zero).
	PutInstanceSettings(ctx context.Context, s model.InstanceSettings) error
}

// Pins stores pinned messages per chat, saved messages per user, and the
// channels new workspace members join.
type Pins interface {
	// AutoJoinChats returns the ids of the workspace's auto-join channels
	// that are not archived, ascending.
	AutoJoinChats(ctx context.Context, workspaceID int64) ([]int64, error)
	// PinMessage pins a message of chatID; false when it already was.
	PinMessage(ctx context.Context, chatID, messageID, userID int64) (bool, error)
	// UnpinMessage unpins a message; false when it was not pinned.
	UnpinMessage(ctx context.Context, chatID, messageID int64) (bool, error)
	// ListPins returns the chat's pinned live messages, hydrated for
	// viewerID, most recently pinned first.
	ListPins(ctx context.Context, viewerID, chatID int64) ([]model.Message, error)
	// SaveMessage bookmarks a message for userID; false when it already was.
	SaveMessage(ctx context.Context, userID, messageID int64) (bool, error)
	// UnsaveMessage removes a bookmark; false when there was none.
	UnsaveMessage(ctx context.Context, userID, messageID int64) (bool, error)
	// ListSaved returns userID's saved live messages in chats the user is
	// still a member of, hydrated, most recently saved first.
	ListSaved(ctx context.Context, userID int64, limit int) ([]model.Message, error)
}

// Store is a whole persistence engine.
type Store interface {
	Tx
	// InTx runs fn in one write transaction (SQLite: BEGIN IMMEDIATE on the
	// single writer connection). fn's error rolls back and is returned as is.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks that the database answers on a fresh connection.
	Ping(ctx context.Context) error
	// SchemaVersion returns the applied and the latest known migration.
	SchemaVersion(ctx context.Context) (applied, latest int, err error)
	// Migrate applies pending migrations; ErrSchemaNew when the database is
	// ahead of this binary.
	Migrate(ctx context.Context) error
	// Dialect is "sqlite" or "postgres".
	Dialect() string
	// SizeBytes is the space the database takes (SQLite: its pages;
	// Postgres: pg_database_size of the current database).
	SizeBytes(ctx context.Context) (int64, error)
	Close() error
}

// Previews keeps link previews: the cache per URL, the preview each
// message shows, and each workspace's switches.
type Previews interface {
	// CachedPreview returns url's cache entry, expired or not; ErrNotFound
	// when there is none.
	CachedPreview(ctx context.Context, url string) (model.CachedPreview, error)
	// PutCachedPreview saves (or replaces) p's cache entry.
	PutCachedPreview(ctx context.Context, p model.CachedPreview) error
	// SetMessagePreview makes a message show url's preview, unless its
	// author removed the message's preview. ErrNotFound for no message.
	SetMessagePreview(ctx context.Context, messageID int64, url string) error
	// ClearMessagePreview forgets a message's preview (its link was
	// edited away); a removal by the author stays.
	ClearMessagePreview(ctx context.Context, messageID int64) error
	// RemoveMessagePreview hides a message's preview for good, also from
	// later edits. ErrNotFound for no message.
	RemoveMessagePreview(ctx context.Context, messageID int64) error
	// PreviewSettings returns a workspace's switches; both are on when
	// none were saved.
	PreviewSettings(ctx context.Context, workspaceID int64) (model.PreviewSettings, error)
	// PutPreviewSettings saves a workspace's switches; ErrNotFound for no
	// workspace.
	PutPreviewSettings(ctx context.Context, s model.PreviewSettings) error
}

// PushSubscriptions keeps the Web Push subscriptions of users' browsers.
type PushSubscriptions interface {
	// PutPushSubscription saves s, keyed by its endpoint: a browser that
	// subscribes again (or for another user) replaces its old row. Sets
	// ID and CreatedAt.
	PutPushSubscription(ctx context.Context, s *model.PushSubscription) error
	// PushSubscriptions lists a user's subscriptions, oldest first.
	PushSubscriptions(ctx context.Context, userID int64) ([]model.PushSubscription, error)
	// DeletePushSubscription removes the user's subscription with that
	// endpoint; ErrNotFound when the user has none.
	DeletePushSubscription(ctx context.Context, userID int64, endpoint string) error
	// DeletePushEndpoint removes a subscription the push service says is
	// gone (404/410), whoever owns it.
	DeletePushEndpoint(ctx context.Context, endpoint string) error
}
