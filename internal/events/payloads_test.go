package events

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

var (
	at   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ann  = model.User{ID: 2, Username: "ann", DisplayName: "Ann", CreatedAt: at}
	ws   = model.Workspace{ID: 1, Name: "Acme", CreatedBy: 1, CreatedAt: at}
	chat = model.ChatSummary{Chat: model.Chat{ID: 5, WorkspaceID: 1, Type: model.ChatGroup, Name: "g", CreatedBy: 1, CreatedAt: at, LastSeq: 3, LastActivityAt: at}, MemberCount: 2}
	msg  = model.Message{ID: 9, ChatID: 5, WorkspaceID: 1, Seq: 3, SenderID: 2, Sender: ann, Content: "hi <you>", ClientID: "c",
		Attachments: []model.File{}, Reactions: []model.ReactionCount{}, Mentions: []int64{}, CreatedAt: at}
)

// userJSON and the others are the fixtures' API JSON shapes.
// (Encode blanks email addresses: TestEventsCarryNoEmail.)
const (
	userJSON = `{"id":2,"email":"","username":"ann","display_name":"Ann","avatar_url":"","locale":"","timezone":"","is_bot":false,"is_admin":false,"created_at":"2026-03-01T12:00:00Z"}`
	wsJSON   = `{"id":1,"name":"Acme","created_by":1,"created_at":"2026-03-01T12:00:00Z"}`
	chatJSON = `{"id":5,"workspace_id":1,"type":"group","name":"g","topic":"","description":"","created_by":1,"created_at":"2026-03-01T12:00:00Z","auto_join":false,"last_seq":3,"last_activity_at":"2026-03-01T12:00:00Z","member_count":2,"unread_count":0,"last_read_seq":0}`
	msgJSON  = `{"id":9,"chat_id":5,"workspace_id":1,"seq":3,"sender":` + userJSON + `,"content":"hi \u003cyou\u003e","client_id":"c","reply_count":0,"attachments":[],"reactions":[],"mentions":[],"lang":"","deleted":false,"created_at":"2026-03-01T12:00:00Z"}`
)

// familyCases holds one payload of every family and the exact JSON the
// SSE clients receive for it. The web app (webui/src/state/events.ts)
// and the client package read these shapes.
var familyCases = []struct {
	p    Payload
	json string
}{
	{MessageEvent{ChatHeader(model.EventMessageCreated, 1, 5, 2), msg},
		`{"actor_id":2,"chat_id":5,"message":` + msgJSON + `,"type":"message.created","workspace_id":1}`},
	{ReactionEvent{ChatHeader(model.EventReactionAdded, 1, 5, 2), Reaction{Emoji: "👍", MessageID: 9, UserID: 2}},
		`{"actor_id":2,"chat_id":5,"reaction":{"emoji":"👍","message_id":9,"user_id":2},"type":"reaction.added","workspace_id":1}`},
	{ChatEvent{ChatHeader(model.EventChatCreated, 1, 5, 1), chat, []int64{1, 2}},
		`{"actor_id":1,"chat":` + chatJSON + `,"chat_id":5,"member_ids":[1,2],"type":"chat.created","workspace_id":1}`},
	{ChatEvent{ChatHeader(model.EventChatUpdated, 1, 5, 1), chat, nil},
		`{"actor_id":1,"chat":` + chatJSON + `,"chat_id":5,"type":"chat.updated","workspace_id":1}`},
	{ChatEvent{ChatHeader(model.EventChatDeleted, 1, 5, 1), chat, []int64{}},
		`{"actor_id":1,"chat":` + chatJSON + `,"chat_id":5,"member_ids":[],"type":"chat.deleted","workspace_id":1}`},
	{MemberEvent{ChatHeader(model.EventMemberLeft, 1, 5, 1), model.ChatMember{ChatID: 5, UserID: 2, Role: model.ChatRoleMember, JoinedAt: at, User: ann}, 2},
		`{"actor_id":1,"chat_id":5,"member":{"chat_id":5,"role":"member","joined_at":"2026-03-01T12:00:00Z","last_read_seq":0,"user":` + userJSON + `},"type":"member.left","user_id":2,"workspace_id":1}`},
	{ReadEvent{ChatHeader(model.EventReadUpdated, 1, 5, 2), Read{ChatID: 5, Seq: 3, UserID: 2}},
		`{"actor_id":2,"chat_id":5,"read":{"chat_id":5,"seq":3,"user_id":2},"type":"read.updated","workspace_id":1}`},
	{PinEvent{ChatHeader(model.EventPinAdded, 1, 5, 2), Pin{MessageID: 9, UserID: 2}},
		`{"actor_id":2,"chat_id":5,"pin":{"message_id":9,"user_id":2},"type":"pin.added","workspace_id":1}`},
	{SavedEvent{ChatHeader(model.EventSavedRemoved, 1, 5, 2), Saved{MessageID: 9, UserID: 2}},
		`{"actor_id":2,"chat_id":5,"saved":{"message_id":9,"user_id":2},"type":"saved.removed","workspace_id":1}`},
	{WorkspaceEvent{WorkspaceHeader(model.EventWorkspaceUpdated, 1, 1), ws},
		`{"actor_id":1,"type":"workspace.updated","workspace":` + wsJSON + `,"workspace_id":1}`},
	{WorkspaceMemberEvent{WorkspaceHeader(model.EventWorkspaceMemberJoined, 1, 2), ws, model.Member{WorkspaceID: 1, UserID: 2, Role: model.RoleMember, JoinedAt: at, User: ann}},
		`{"actor_id":2,"member":{"workspace_id":1,"role":"member","joined_at":"2026-03-01T12:00:00Z","user":` + userJSON + `},"type":"workspace.member_joined","workspace":` + wsJSON + `,"workspace_id":1}`},
}

// TestPayloadJSON pins the JSON of every family and checks that Typed
// reads it back into the value it was made from.
func TestPayloadJSON(t *testing.T) {
	seen := map[reflect.Type]bool{}
	for _, tc := range familyCases {
		h := tc.p.EventHeader()
		t.Run(h.Type, func(t *testing.T) {
			seen[reflect.TypeOf(tc.p)] = true
			got, err := Encode(tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.json {
				t.Fatalf("JSON of %T:\n got %s\nwant %s", tc.p, got, tc.json)
			}
			e := Envelope{Type: h.Type, WorkspaceID: h.WorkspaceID, ChatID: h.ChatID, ActorID: h.ActorID, Payload: got}
			back, err := e.Typed()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tc.p) {
				t.Fatalf("Typed = %+v\nwant   %+v", back, tc.p)
			}
		})
	}
	for _, f := range Families {
		if !seen[reflect.TypeOf(f.Zero)] {
			t.Errorf("no pinned JSON for %T", f.Zero)
		}
	}
}

// TestFamiliesCoverEveryEventType: every event type the outbox holds has
// exactly one family, and its subject has the family's scope.
func TestFamiliesCoverEveryEventType(t *testing.T) {
	all := []string{
		model.EventMessageCreated, model.EventMessageUpdated, model.EventMessageDeleted,
		model.EventReactionAdded, model.EventReactionRemoved,
		model.EventChatCreated, model.EventChatUpdated, model.EventChatDeleted,
		model.EventMemberJoined, model.EventMemberLeft, model.EventReadUpdated,
		model.EventPinAdded, model.EventPinRemoved, model.EventSavedAdded, model.EventSavedRemoved,
		model.EventWorkspaceUpdated, model.EventWorkspaceDeleted,
		model.EventWorkspaceMemberJoined, model.EventWorkspaceMemberLeft, model.EventWorkspaceMemberUpdated,
	}
	var listed []string
	for _, f := range Families {
		listed = append(listed, f.Types...)
	}
	slices.Sort(all)
	slices.Sort(listed)
	if !slices.Equal(all, listed) {
		t.Fatalf("families list %q, want each of %q once", listed, all)
	}
	for _, typ := range all {
		f, _ := FamilyOf(typ)
		h := Header{Type: typ, WorkspaceID: 1}
		if f.Scope == ScopeChat {
			h.ChatID = 5
		}
		if want := map[Scope]string{ScopeChat: "fc.ev.1.5.", ScopeWorkspace: "fc.ev.1.ws."}[f.Scope] + typ; h.Subject() != want {
			t.Errorf("subject of %s = %q, want %q", typ, h.Subject(), want)
		}
	}
}

func TestEncodeRefusesMalformedPayloads(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    Payload
		want string
	}{
		{"unknown type", MessageEvent{Header: ChatHeader("message.pinned", 1, 5, 2)}, "unknown event type"},
		{"type of another family", ReactionEvent{Header: ChatHeader(model.EventMessageCreated, 1, 5, 2)}, "want events.MessageEvent"},
		{"no workspace", ReadEvent{Header: ChatHeader(model.EventReadUpdated, 0, 5, 2)}, "without a workspace"},
		{"chat event without chat", ReadEvent{Header: ChatHeader(model.EventReadUpdated, 1, 0, 2)}, "without a chat"},
		{"workspace event with chat", WorkspaceEvent{Header: ChatHeader(model.EventWorkspaceUpdated, 1, 5, 2)}, "with a chat"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Encode(tc.p); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Encode = %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// TestTypedFillsFromTheEnvelope: a payload that leaves out the header (or
// a member's user id, which the model keeps out of JSON) gets it from the
// envelope and the nested objects.
func TestTypedFillsFromTheEnvelope(t *testing.T) {
	e := Envelope{Type: model.EventWorkspaceMemberLeft, WorkspaceID: 1, ActorID: 3,
		Payload: json.RawMessage(`{"member":{"role":"member","user":{"id":4}}}`)}
	p, err := PayloadAs[WorkspaceMemberEvent](e)
	if err != nil {
		t.Fatal(err)
	}
	if p.Header != WorkspaceHeader(model.EventWorkspaceMemberLeft, 1, 3) || p.UserID() != 4 || p.Member.UserID != 4 || p.Member.WorkspaceID != 1 {
		t.Fatalf("PayloadAs = %+v", p)
	}
	e = Envelope{Type: model.EventMemberJoined, WorkspaceID: 1, ChatID: 5, Payload: json.RawMessage(`{"member":{"user":{"id":7}}}`)}
	if m, err := PayloadAs[MemberEvent](e); err != nil || m.UserID != 7 || m.Member.UserID != 7 || m.Member.ChatID != 5 {
		t.Fatalf("PayloadAs = %+v, %v", m, err)
	}
}

func TestTypedRefusesWhatItCannotRead(t *testing.T) {
	if _, err := (Envelope{Type: "typing", Payload: json.RawMessage(`{}`)}).Typed(); !errors.Is(err, ErrNotStored) {
		t.Errorf("typing: %v, want ErrNotStored", err)
	}
	if _, err := (Envelope{Type: model.EventMessageCreated, Payload: json.RawMessage(`{"message":7}`)}).Typed(); err == nil {
		t.Error("a message that is a number decoded")
	}
	e := Envelope{Type: model.EventReadUpdated, WorkspaceID: 1, ChatID: 5, Payload: json.RawMessage(`{}`)}
	if _, err := PayloadAs[MessageEvent](e); err == nil {
		t.Error("a read.updated decoded as a MessageEvent")
	}
}
