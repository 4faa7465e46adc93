package events

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"github.com/fechatter/fechatter/internal/model"
)

// The payloads below are the JSON `data` of the events the web app and
// other SSE clients receive, and what the stream keeps for replay: one Go
// type per event family. The use cases in internal/chat build them, the
// consumers read them back with Envelope.Typed, and `go run
// ./internal/events/tsgen` writes their TypeScript twins into
// webui/src/api/events.gen.ts (TestTypeScriptInSync fails when it is stale).

// Header is what every payload carries besides its object: the event
// type, the workspace, the chat (chat events only) and who acted. The
// envelope repeats these; in the payload they make the SSE data
// self-describing.
type Header struct {
	Type        string `json:"type"`
	WorkspaceID int64  `json:"workspace_id"`
	ChatID      int64  `json:"chat_id,omitempty"`
	ActorID     int64  `json:"actor_id"`
}

// ChatHeader is the header of a chat event.
func ChatHeader(typ string, workspaceID, chatID, actorID int64) Header {
	return Header{Type: typ, WorkspaceID: workspaceID, ChatID: chatID, ActorID: actorID}
}

// WorkspaceHeader is the header of a workspace event (no chat).
func WorkspaceHeader(typ string, workspaceID, actorID int64) Header {
	return Header{Type: typ, WorkspaceID: workspaceID, ActorID: actorID}
}

// EventHeader returns h; every payload has it through its embedded Header.
func (h Header) EventHeader() Header { return h }

// Subject is where the event is published (see Subject).
func (h Header) Subject() string { return Subject(h.WorkspaceID, h.ChatID, h.Type) }

// orEnvelope fills what h lacks from the envelope it came in.
func (h Header) orEnvelope(e Envelope) Header {
	if h.Type == "" {
		h.Type = e.Type
	}
	if h.WorkspaceID == 0 {
		h.WorkspaceID = e.WorkspaceID
	}
	if h.ChatID == 0 {
		h.ChatID = e.ChatID
	}
	if h.ActorID == 0 {
		h.ActorID = e.ActorID
	}
	return h
}

// Payload is the typed body of an event: one of the family types below.
type Payload interface {
	EventHeader() Header
	// completed returns the payload with what its JSON leaves out filled
	// in from the envelope (and, for members, from the nested user).
	completed(e Envelope) Payload
}

// MessageEvent is message.created, message.updated and message.deleted:
// the message as it is after the change (a tombstone once deleted).
type MessageEvent struct {
	Header
	Message model.Message `json:"message"`
}

// ReactionEvent is reaction.added and reaction.removed.
type ReactionEvent struct {
	Header
	Reaction Reaction `json:"reaction"`
}

// Reaction is one person's emoji on one message.
type Reaction struct {
	Emoji     string `json:"emoji"`
	MessageID int64  `json:"message_id"`
	UserID    int64  `json:"user_id"`
}

// ChatEvent is chat.created, chat.updated and chat.deleted: the chat as
// none of its members in particular sees it. Created and deleted also
// name the members (a deleted chat has none left in the database);
// chat.updated leaves member_ids out.
type ChatEvent struct {
	Header
	Chat      model.ChatSummary `json:"chat"`
	MemberIDs []int64           `json:"member_ids,omitzero"`
}

// MemberEvent is member.joined and member.left: UserID is whom it is
// about (Member.User may be empty when the account is gone).
type MemberEvent struct {
	Header
	Member model.ChatMember `json:"member"`
	UserID int64            `json:"user_id"`
}

// ReadEvent is read.updated: a member's read marker moved forward.
type ReadEvent struct {
	Header
	Read Read `json:"read"`
}

// Read is a member's read marker in one chat.
type Read struct {
	ChatID int64 `json:"chat_id"`
	Seq    int64 `json:"seq"`
	UserID int64 `json:"user_id"`
}

// PinEvent is pin.added and pin.removed: a message of the chat was pinned
// or unpinned, by UserID (the actor). The message itself is not carried:
// clients that show the pins refetch them, so a replay never shows a
// message as it was.
type PinEvent struct {
	Header
	Pin Pin `json:"pin"`
}

// Pin is one pinned (or unpinned) message of a chat.
type Pin struct {
	MessageID int64 `json:"message_id"`
	UserID    int64 `json:"user_id"`
}

// SavedEvent is saved.added and saved.removed: the actor bookmarked a
// message of the chat, or removed the bookmark. Bookmarks are private, so
// only the actor's own streams receive it (ActorOnly).
type SavedEvent struct {
	Header
	Saved Saved `json:"saved"`
}

// Saved is one user's bookmark of a message.
type Saved struct {
	MessageID int64 `json:"message_id"`
	UserID    int64 `json:"user_id"`
}

// WorkspaceEvent is workspace.updated and workspace.deleted.
type WorkspaceEvent struct {
	Header
	Workspace model.Workspace `json:"workspace"`
}

// WorkspaceMemberEvent is workspace.member_joined, .member_updated and
// .member_left: the membership (as it was, for a leave) and the workspace.
type WorkspaceMemberEvent struct {
	Header
	Workspace model.Workspace `json:"workspace"`
	Member    model.Member    `json:"member"`
}

// UserID is whom a workspace member event is about.
func (p WorkspaceMemberEvent) UserID() int64 {
	if p.Member.UserID != 0 {
		return p.Member.UserID
	}
	return p.Member.User.ID
}

func (p MessageEvent) completed(e Envelope) Payload {
	p.Header = p.Header.orEnvelope(e)
	if p.Message.WorkspaceID == 0 {
		p.Message.WorkspaceID = p.WorkspaceID
	}
	if p.Message.ChatID == 0 {
		p.Message.ChatID = p.ChatID
	}
	p.Message.SenderID = p.Message.Sender.ID
	return p
}

func (p ReactionEvent) completed(e Envelope) Payload {
	p.Header = p.Header.orEnvelope(e)
	return p
}

func (p ChatEvent) completed(e Envelope) Payload {
	p.Header = p.Header.orEnvelope(e)
	if p.Chat.WorkspaceID == 0 {
		p.Chat.WorkspaceID = p.WorkspaceID
	}
	return p
}

func (p MemberEvent) completed(e Envelope) Payload {
	p.Header = p.Header.orEnvelope(e)
	if p.UserID == 0 {
		p.UserID = p.Member.User.ID
	}
	p.Member.UserID = p.UserID
	if p.Member.ChatID == 0 {
		p.Member.ChatID = p.ChatID
	}
	return p
}

func (p ReadEvent) completed(e Envelope) Payload {
	p.Header = p.Header.orEnvelope(e)
	return p
}

func (p PinEvent) completed(e Envelope) Payload {
	p.Header = p.Header.orEnvelope(e)
	return p
}

func (p SavedEvent) completed(e Envelope) Payload {
	p.Header = p.Header.orEnvelope(e)
	return p
}

func (p WorkspaceEvent) completed(e Envelope) Payload {
	p.Header = p.Header.orEnvelope(e)
	return p
}

func (p WorkspaceMemberEvent) completed(e Envelope) Payload {
	p.Header = p.Header.orEnvelope(e)
	p.Member.UserID = p.UserID()
	if p.Member.WorkspaceID == 0 {
		p.Member.WorkspaceID = p.WorkspaceID
	}
	return p
}

// Scope says where a family's events belong: to one chat or to a workspace.
type Scope string

// The two scopes; they decide the subject (fc.ev.<ws>.<chat>.<type> or
// fc.ev.<ws>.ws.<type>) and whether the payload has chat_id.
const (
	ScopeChat      Scope = "chat"
	ScopeWorkspace Scope = "workspace"
)

// Family describes one event family: its payload type, the event types
// it carries and its scope.
type Family struct {
	// Zero is the payload type's zero value.
	Zero  Payload
	Types []string
	Scope Scope
}

// Families lists every event family, in the order the TypeScript file
// shows them.
var Families = []Family{
	{MessageEvent{}, []string{model.EventMessageCreated, model.EventMessageUpdated, model.EventMessageDeleted}, ScopeChat},
	{ReactionEvent{}, []string{model.EventReactionAdded, model.EventReactionRemoved}, ScopeChat},
	{ChatEvent{}, []string{model.EventChatCreated, model.EventChatUpdated, model.EventChatDeleted}, ScopeChat},
	{MemberEvent{}, []string{model.EventMemberJoined, model.EventMemberLeft}, ScopeChat},
	{ReadEvent{}, []string{model.EventReadUpdated}, ScopeChat},
	{PinEvent{}, []string{model.EventPinAdded, model.EventPinRemoved}, ScopeChat},
	{SavedEvent{}, []string{model.EventSavedAdded, model.EventSavedRemoved}, ScopeChat},
	{WorkspaceEvent{}, []string{model.EventWorkspaceUpdated, model.EventWorkspaceDeleted}, ScopeWorkspace},
	{WorkspaceMemberEvent{}, []string{model.EventWorkspaceMemberJoined, model.EventWorkspaceMemberUpdated, model.EventWorkspaceMemberLeft}, ScopeWorkspace},
}

// ActorOnly reports whether events of type typ go only to the streams of
// the user who acted (while still a member of the workspace), not to the
// chat's members: a bookmark is nobody else's business.
func ActorOnly(typ string) bool {
	return typ == model.EventSavedAdded || typ == model.EventSavedRemoved
}

// FamilyOf returns the family of an event type; false for a type that is
// not stored (typing, presence) or unknown.
func FamilyOf(typ string) (Family, bool) {
	for _, f := range Families {
		if slices.Contains(f.Types, typ) {
			return f, true
		}
	}
	return Family{}, false
}

// Check reports whether p is well formed: its type belongs to its family,
// and it names a chat exactly when its family is chat-scoped.
func Check(p Payload) error {
	h := p.EventHeader()
	f, ok := FamilyOf(h.Type)
	switch {
	case !ok:
		return fmt.Errorf("unknown event type %q", h.Type)
	case reflect.TypeOf(f.Zero) != reflect.TypeOf(p):
		return fmt.Errorf("%s event in a %T, want %T", h.Type, p, f.Zero)
	case h.WorkspaceID == 0:
		return fmt.Errorf("%s event without a workspace", h.Type)
	case f.Scope == ScopeChat && h.ChatID == 0:
		return fmt.Errorf("%s event without a chat", h.Type)
	case f.Scope == ScopeWorkspace && h.ChatID != 0:
		return fmt.Errorf("%s event with a chat", h.Type)
	}
	return nil
}

// Encode checks p and returns its JSON. The top-level keys are in
// alphabetical order, as the map-based payloads wrote them before the
// typed ones, so that events already stored and new ones read the same
// byte for byte (internal/chat's testdata/events.golden pins this).
func Encode(p Payload) ([]byte, error) {
	if err := Check(p); err != nil {
		return nil, err
	}
	body, err := json.Marshal(withoutEmails(p))
	if err != nil {
		return nil, fmt.Errorf("encode %s event: %w", p.EventHeader().Type, err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("encode %s event: %w", p.EventHeader().Type, err)
	}
	return json.Marshal(fields) // a map's keys come out sorted
}

// CredentialsRevoked is the payload of model.EventCredentialsRevoked, a
// control event of no workspace (workspace id 0) that no client receives:
// every credential UserID held when it was written has stopped working.
// The real-time hub of each node reads it from the stream and ends the
// user's open streams, which is how a change made by `fechatter admin` in
// another process reaches a running server.
type CredentialsRevoked struct {
	UserID int64 `json:"user_id"`
}
