package chat

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// updateGolden rewrites testdata/events.golden from what the use cases write now.
var updateGolden = flag.Bool("update", false, "rewrite testdata/events.golden")

// timestamps are the only values of a payload that change from run to run.
var timestamps = regexp.MustCompile(`"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)"`)

// TestEventPayloadsGolden drives every use case that writes an event and
// compares the outbox payloads, byte for byte (timestamps aside), with
// testdata/events.golden. The payloads are what SSE clients and the web
// app receive as `data`, and what the stream keeps for replay: a change
// here is a change of the wire format. The golden file was first written
// by the map-based payloads the typed ones replaced.
func TestEventPayloadsGolden(t *testing.T) {
	st := openSQLiteStore(t)
	s := newTestService(t, st, Config{})
	eventScenario(t, s, st)
	var b strings.Builder
	for _, e := range unpublished(t, st) {
		b.WriteString(e.Type + " " + timestamps.ReplaceAllString(string(e.Payload), `"<time>"`) + "\n")
	}
	path := filepath.Join("testdata", "events.golden")
	if *updateGolden {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(g), len(w)) {
			if g[i] != w[i] {
				t.Fatalf("event %d differs (go test -update rewrites the file):\n got: %s\nwant: %s", i, g[i], w[i])
			}
		}
		t.Fatalf("got %d events, want %d", len(g)-1, len(w)-1)
	}
}

// eventScenario runs each use case that records an event at least once:
// every event type of every family.
func eventScenario(t *testing.T, s *Service, st storage.Store) {
	t.Helper()
	ctx := context.Background()
	owner := fixtureUser(t, st, "owner")
	ann := fixtureUser(t, st, "ann")
	bob := fixtureUser(t, st, "bob")
	ws := fixtureWorkspace(t, s, owner.ID, "Acme")
	inv, err := s.CreateInvite(ctx, owner.ID, ws.ID, InviteInput{})
	wantOK(t, err)
	for _, u := range []model.User{ann, bob} {
		_, err := s.AcceptInvite(ctx, u.ID, inv.Code)
		wantOK(t, err)
	}
	group, _, err := s.CreateChat(ctx, owner.ID, ws.ID, CreateChatInput{Type: model.ChatGroup, MemberIDs: []int64{ann.ID, bob.ID}})
	wantOK(t, err)
	channel, _, err := s.CreateChat(ctx, owner.ID, ws.ID, CreateChatInput{Type: model.ChatPublicChannel, Name: "hall", Topic: "all"})
	wantOK(t, err)
	_, err = s.JoinChat(ctx, ann.ID, channel.ID)
	wantOK(t, err)
	_, err = s.AddChatMembers(ctx, owner.ID, channel.ID, []int64{bob.ID})
	wantOK(t, err)
	first, _, err := s.SendMessage(ctx, owner.ID, group.ID, SendMessageInput{Content: "hello @ann <b>", ClientID: "c1"})
	wantOK(t, err)
	_, _, err = s.SendMessage(ctx, ann.ID, group.ID, SendMessageInput{Content: "hi", ClientID: "c2", ReplyTo: first.ID})
	wantOK(t, err)
	_, err = s.EditMessage(ctx, owner.ID, group.ID, first.ID, "hello @ann & bob")
	wantOK(t, err)
	wantOK(t, s.React(ctx, bob.ID, group.ID, first.ID, "👍"))
	wantOK(t, s.Unreact(ctx, bob.ID, group.ID, first.ID, "👍"))
	wantOK(t, s.MarkRead(ctx, bob.ID, group.ID, 2))
	wantOK(t, s.PinMessage(ctx, ann.ID, group.ID, first.ID, true))
	wantOK(t, s.PinMessage(ctx, bob.ID, group.ID, first.ID, false))
	wantOK(t, s.SaveMessage(ctx, bob.ID, group.ID, first.ID, true))
	wantOK(t, s.SaveMessage(ctx, bob.ID, group.ID, first.ID, false))
	wantOK(t, s.DeleteMessage(ctx, owner.ID, group.ID, first.ID))
	name := "lobby"
	_, err = s.UpdateChat(ctx, owner.ID, channel.ID, ChatPatch{Name: &name})
	wantOK(t, err)
	wantOK(t, s.RemoveChatMember(ctx, owner.ID, channel.ID, bob.ID))
	wantOK(t, s.RemoveChatMember(ctx, ann.ID, channel.ID, ann.ID))
	wantOK(t, s.DeleteChat(ctx, owner.ID, channel.ID))
	_, err = s.SetMemberRole(ctx, owner.ID, ws.ID, ann.ID, model.RoleAdmin)
	wantOK(t, err)
	_, err = s.RenameWorkspace(ctx, owner.ID, ws.ID, "Acme Inc")
	wantOK(t, err)
	wantOK(t, s.RemoveMember(ctx, owner.ID, ws.ID, bob.ID))
	wantOK(t, s.DeleteWorkspace(ctx, owner.ID, ws.ID))
}
