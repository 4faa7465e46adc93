package chat

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// TestNewWorkspaceChannels checks the onboarding: a new workspace has
// #general and #random with its owner in them, invited members join both,
// and an archived auto-join channel is no longer joined.
func TestNewWorkspaceChannels(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		owner := fixtureUser(t, st, "owner")
		ann := fixtureUser(t, st, "ann")
		bob := fixtureUser(t, st, "bob")
		ws := fixtureWorkspace(t, s, owner.ID, "Acme")
		names := func(userID int64) map[string]model.ChatSummary {
			list, err := s.ListChats(ctx, userID, ws.ID)
			wantOK(t, err)
			out := map[string]model.ChatSummary{}
			for _, c := range list {
				out[c.Name] = c
			}
			return out
		}
		mine := names(owner.ID)
		if len(mine) != 2 || !mine["general"].AutoJoin || !mine["random"].AutoJoin || mine["general"].MyRole != model.ChatRoleAdmin {
			t.Fatalf("owner's chats %+v", mine)
		}
		inv, err := s.CreateInvite(ctx, owner.ID, ws.ID, InviteInput{})
		wantOK(t, err)
		_, err = s.AcceptInvite(ctx, ann.ID, inv.Code)
		wantOK(t, err)
		if got := names(ann.ID); len(got) != 2 || got["general"].MemberCount != 2 {
			t.Fatalf("ann's chats %+v", got)
		}

		// Archived: read-only, and new members no longer land in it.
		random := mine["random"].ID
		_, err = s.ArchiveChat(ctx, ann.ID, random, true)
		wantKind(t, err, apperr.KindForbidden)
		c, err := s.ArchiveChat(ctx, owner.ID, random, true)
		wantOK(t, err)
		if c.ArchivedAt == nil {
			t.Fatalf("archived chat %+v", c)
		}
		_, _, err = s.SendMessage(ctx, ann.ID, random, SendMessageInput{Content: "hi"})
		wantKind(t, err, apperr.KindForbidden)
		_, err = s.AcceptInvite(ctx, bob.ID, inv.Code)
		wantOK(t, err)
		if got := names(bob.ID); len(got) != 1 || got["general"].ID == 0 {
			t.Fatalf("bob's chats %+v", got)
		}
		c, err = s.ArchiveChat(ctx, owner.ID, random, false)
		wantOK(t, err)
		if c.ArchivedAt != nil {
			t.Fatalf("unarchived chat %+v", c)
		}
		_, _, err = s.SendMessage(ctx, ann.ID, random, SendMessageInput{Content: "hi"})
		wantOK(t, err)
	})
}
