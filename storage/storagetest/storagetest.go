// Package storagetest is the conformance suite every storage.Store engine
// passes. An engine's tests call Run with a function that opens a fresh,
// migrated, empty store; each subtest opens its own, so subtests run in
// parallel and never see each other's rows.
package storagetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// group is one aspect of the Store, with its subtests.
type group struct {
	name  string
	tests []leaf
}

type leaf struct {
	name string
	fn   func(t *testing.T, s storage.Store)
}

// Run runs the whole suite against the engine that open creates. open
// returns a fresh, migrated, empty store and closes it in t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	for _, g := range groups() {
		t.Run(g.name, func(t *testing.T) {
			for _, l := range g.tests {
				t.Run(l.name, func(t *testing.T) {
					t.Parallel()
					l.fn(t, open(t))
				})
			}
		})
	}
}

func groups() []group {
	return []group{
		{"Users", userTests()},
		{"Profiles", profileTests()},
		{"Workspaces", workspaceTests()},
		{"Invites", inviteTests()},
		{"Bans", banTests()},
		{"Sessions", sessionTests()},
		{"Outbox", outboxTests()},
		{"Replay", replayTests()},
		{"Tx", txTests()},
		{"Chats", chatTests()},
		{"Access", accessTests()},
		{"Messages", messageTests()},
		{"Reactions", reactionTests()},
		{"Mentions", mentionTests()},
		{"Files", fileTests()},
		{"Assistant", assistantTests()},
		{"Previews", previewTests()},
		{"Knowledge", knowledgeTests()},
		{"Languages", languageTests()},
		{"Export", exportTests()},
		{"Concurrency", concurrencyTests()},
		{"Certs", certTests()},
		{"Transfers", transferTests()},
		{"Admin", adminTests()},
		{"SecondFactors", secondFactorTests()},
		{"Integrations", integrationTests()},
		{"AccountMail", accountMailTests()},
		{"Instance", instanceTests()},
	}
}

// ts is a fixed instant at the precision both engines keep (microseconds).
func ts(minutes int) time.Time {
	return time.Date(2030, 1, 2, 3, 4, 5, 123456000, time.UTC).Add(time.Duration(minutes) * time.Minute)
}

func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
	if err == target {
		t.Fatalf("%s: got the bare sentinel %v, want it wrapped with context", what, err)
	}
}

func noErr(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func sameTime(t *testing.T, got, want time.Time, what string) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
	if got.Location() != time.UTC {
		t.Fatalf("%s: location %v, want UTC", what, got.Location())
	}
}

func recent(t *testing.T, got time.Time, what string) {
	t.Helper()
	if got.IsZero() || got.Location() != time.UTC {
		t.Fatalf("%s: got %v, want a UTC time set by the store", what, got)
	}
	if d := time.Since(got); d < -time.Hour || d > time.Hour {
		t.Fatalf("%s: got %v, want about now", what, got)
	}
}

// newUser creates a user whose email and username derive from name.
func newUser(t *testing.T, s storage.Store, name string) model.User {
	t.Helper()
	u := model.User{
		Email: name + "@example.com", Username: name, DisplayName: strings.ToUpper(name),
		PasswordHash: "$argon2id$" + name, Locale: "en", Timezone: "UTC",
	}
	noErr(t, s.CreateUser(context.Background(), &u), "create user "+name)
	return u
}

// newWorkspace creates a workspace owned by owner.
func newWorkspace(t *testing.T, s storage.Store, owner model.User, name string) model.Workspace {
	t.Helper()
	w := model.Workspace{Name: name, CreatedBy: owner.ID}
	noErr(t, s.CreateWorkspace(context.Background(), &w), "create workspace")
	addMember(t, s, w, owner, model.RoleOwner)
	return w
}

func addMember(t *testing.T, s storage.Store, w model.Workspace, u model.User, role model.Role) {
	t.Helper()
	m := model.Member{WorkspaceID: w.ID, UserID: u.ID, Role: role}
	noErr(t, s.AddMember(context.Background(), &m), fmt.Sprintf("add member %s", u.Username))
}

// newChat creates a chat; the first member is its admin.
func newChat(t *testing.T, s storage.Store, w model.Workspace, typ model.ChatType, name string, members ...model.User) model.Chat {
	t.Helper()
	c := model.Chat{WorkspaceID: w.ID, Type: typ, Name: name, CreatedBy: members[0].ID}
	if typ == model.ChatDirect {
		c.Name = ""
		c.DirectKey = directKey(members[0].ID, members[len(members)-1].ID)
	}
	var cms []model.ChatMember
	for i, u := range members {
		role := model.ChatRoleMember
		if i == 0 {
			role = model.ChatRoleAdmin
		}
		cms = append(cms, model.ChatMember{UserID: u.ID, Role: role})
	}
	noErr(t, s.CreateChat(context.Background(), &c, cms), "create chat "+name)
	return c
}

func directKey(a, b int64) string {
	if a > b {
		a, b = b, a
	}
	return fmt.Sprintf("%d:%d", a, b)
}

// send posts content to c as sender.
func send(t *testing.T, s storage.Store, c model.Chat, sender model.User, content string) model.Message {
	t.Helper()
	m := model.Message{ChatID: c.ID, WorkspaceID: c.WorkspaceID, SenderID: sender.ID, Content: content}
	created, err := s.CreateMessage(context.Background(), &m)
	noErr(t, err, "create message")
	if !created {
		t.Fatalf("create message %q: created=false", content)
	}
	return m
}

// world is a workspace with an owner, a member, a guest, an outsider in
// another workspace, and one chat of each kind.
type world struct {
	ws, other                            model.Workspace
	owner, member, guest, outsider       model.User
	public, private, group, direct, away model.Chat
}

func newWorld(t *testing.T, s storage.Store) world {
	t.Helper()
	var w world
	w.owner, w.member = newUser(t, s, "owner"), newUser(t, s, "member")
	w.guest, w.outsider = newUser(t, s, "guest"), newUser(t, s, "outsider")
	w.ws = newWorkspace(t, s, w.owner, "Acme")
	addMember(t, s, w.ws, w.member, model.RoleMember)
	addMember(t, s, w.ws, w.guest, model.RoleGuest)
	w.other = newWorkspace(t, s, w.outsider, "Other")
	w.public = newChat(t, s, w.ws, model.ChatPublicChannel, "general", w.owner)
	w.private = newChat(t, s, w.ws, model.ChatPrivateChannel, "secret", w.owner)
	w.group = newChat(t, s, w.ws, model.ChatGroup, "", w.owner, w.member)
	w.direct = newChat(t, s, w.ws, model.ChatDirect, "", w.owner, w.member)
	w.away = newChat(t, s, w.other, model.ChatPublicChannel, "general", w.outsider)
	return w
}
