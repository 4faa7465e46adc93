package chat

import (
	"context"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func TestListAndRevokeInvites(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		f := newWSFixture(t, s, st, "r")
		other := newWSFixture(t, s, st, "o")
		first, err := s.CreateInvite(ctx, f.admin.ID, f.ws.ID, InviteInput{MaxUses: 3})
		wantOK(t, err)
		second, err := s.CreateInvite(ctx, f.owner.ID, f.ws.ID, InviteInput{})
		wantOK(t, err)
		elsewhere, err := s.CreateInvite(ctx, other.owner.ID, other.ws.ID, InviteInput{})
		wantOK(t, err)

		list, err := s.ListInvites(ctx, f.admin.ID, f.ws.ID)
		wantOK(t, err)
		if len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID ||
			list[1].MaxUses != 3 || list[1].CreatedBy != f.admin.ID || list[0].MaxUses != DefaultInviteMaxUses {
			t.Fatalf("invites = %+v", list)
		}
		for who, want := range map[string]apperr.Kind{"member": apperr.KindForbidden, "guest": apperr.KindForbidden, "outsider": apperr.KindNotFound} {
			_, err := s.ListInvites(ctx, f.actor(who).ID, f.ws.ID)
			wantKind(t, err, want)
			wantKind(t, s.RevokeInvite(ctx, f.actor(who).ID, f.ws.ID, first.ID), want)
		}
		wantKind(t, s.RevokeInvite(ctx, f.admin.ID, f.ws.ID, elsewhere.ID), apperr.KindNotFound)
		wantKind(t, s.RevokeInvite(ctx, f.admin.ID, f.ws.ID, 0), apperr.KindNotFound)

		wantOK(t, s.RevokeInvite(ctx, f.admin.ID, f.ws.ID, first.ID))
		_, err = s.LookupInvite(ctx, first.Code)
		wantKind(t, err, apperr.KindNotFound)
		_, err = s.AcceptInvite(ctx, f.outsider.ID, first.Code)
		wantKind(t, err, apperr.KindNotFound)
		wantKind(t, s.RevokeInvite(ctx, f.admin.ID, f.ws.ID, first.ID), apperr.KindNotFound)
		list, err = s.ListInvites(ctx, f.owner.ID, f.ws.ID)
		wantOK(t, err)
		if len(list) != 1 || list[0].ID != second.ID {
			t.Fatalf("after revoking, invites = %+v", list)
		}
		_, err = s.LookupInvite(ctx, elsewhere.Code)
		wantOK(t, err)
	})
}

func TestBanStopsInvites(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		f := newWSFixture(t, s, st, "b")
		inv, err := s.CreateInvite(ctx, f.admin.ID, f.ws.ID, InviteInput{})
		wantOK(t, err)

		// Removal without a ban: the same link brings them back.
		wantOK(t, s.RemoveMember(ctx, f.admin.ID, f.ws.ID, f.member.ID))
		_, err = s.AcceptInvite(ctx, f.member.ID, inv.Code)
		wantOK(t, err)

		wantKind(t, s.RemoveAndBanMember(ctx, f.member.ID, f.ws.ID, f.target.ID), apperr.KindForbidden)
		requireFieldErr(t, s.RemoveAndBanMember(ctx, f.admin.ID, f.ws.ID, f.admin.ID), "ban")
		wantOK(t, s.RemoveAndBanMember(ctx, f.admin.ID, f.ws.ID, f.target.ID))
		_, err = st.GetMember(ctx, f.ws.ID, f.target.ID)
		if err == nil {
			t.Fatal("banned member is still a member")
		}
		_, err = s.AcceptInvite(ctx, f.target.ID, inv.Code)
		wantKind(t, err, apperr.KindForbidden)
		if !strings.Contains(err.Error(), "banned") {
			t.Fatalf("refusal %q does not say why", err.Error())
		}
		wantUses(t, st, inv.Code, 1)

		bans, err := s.ListBans(ctx, f.owner.ID, f.ws.ID)
		wantOK(t, err)
		if len(bans) != 1 || bans[0].User.ID != f.target.ID || bans[0].BannedBy != f.admin.ID {
			t.Fatalf("bans = %+v", bans)
		}
		for who, want := range map[string]apperr.Kind{"member": apperr.KindForbidden, "outsider": apperr.KindNotFound} {
			_, err := s.ListBans(ctx, f.actor(who).ID, f.ws.ID)
			wantKind(t, err, want)
			wantKind(t, s.Unban(ctx, f.actor(who).ID, f.ws.ID, f.target.ID), want)
		}
		wantOK(t, s.Unban(ctx, f.admin.ID, f.ws.ID, f.target.ID))
		wantKind(t, s.Unban(ctx, f.admin.ID, f.ws.ID, f.target.ID), apperr.KindNotFound)
		wr, err := s.AcceptInvite(ctx, f.target.ID, inv.Code)
		wantOK(t, err)
		if wr.Role != model.RoleMember {
			t.Fatalf("rejoined as %+v", wr)
		}
	})
}
