package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func secondFactorTests() []leaf {
	return []leaf{
		{"TOTPLifecycle", testTOTPLifecycle},
		{"RecoveryCodesSingleUse", testRecoveryCodesSingleUse},
		{"WorkspaceRequires2FA", testWorkspaceRequires2FA},
		{"Identities", testIdentities},
	}
}

func testTOTPLifecycle(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	_, err := s.TOTP(ctx, w.member.ID)
	wantErr(t, err, storage.ErrNotFound, "no factor yet")
	noErr(t, s.PutPendingTOTP(ctx, model.TOTP{UserID: w.member.ID, Secret: "sealed-1", CreatedAt: ts(0)}), "put pending")
	noErr(t, s.PutPendingTOTP(ctx, model.TOTP{UserID: w.member.ID, Secret: "sealed-2", CreatedAt: ts(1)}), "replace pending")
	got, err := s.TOTP(ctx, w.member.ID)
	noErr(t, err, "read pending")
	if got.Secret != "sealed-2" || got.Enabled() {
		t.Fatalf("pending = %+v, want sealed-2, not enabled", got)
	}
	sameTime(t, got.CreatedAt, ts(1), "created_at")
	noErr(t, s.ConfirmTOTP(ctx, w.member.ID, 100, ts(2), []string{"h1", "h2"}), "confirm")
	wantErr(t, s.ConfirmTOTP(ctx, w.member.ID, 101, ts(2), nil), storage.ErrNotFound, "confirm twice")
	wantErr(t, s.PutPendingTOTP(ctx, model.TOTP{UserID: w.member.ID, Secret: "x"}), storage.ErrConflict, "pending over confirmed")
	got, err = s.TOTP(ctx, w.member.ID)
	noErr(t, err, "read confirmed")
	if !got.Enabled() || got.LastStep != 100 || got.Secret != "sealed-2" {
		t.Fatalf("confirmed = %+v", got)
	}
	sameTime(t, *got.ConfirmedAt, ts(2), "confirmed_at")
	wantErr(t, s.UseTOTPStep(ctx, w.member.ID, 100), storage.ErrConflict, "replayed step")
	noErr(t, s.SetTOTPFailures(ctx, w.member.ID, 3, ts(10)), "set failures")
	got, _ = s.TOTP(ctx, w.member.ID)
	if got.Failures != 3 {
		t.Fatalf("failures = %d, want 3", got.Failures)
	}
	sameTime(t, got.LockedUntil, ts(10), "locked_until")
	noErr(t, s.UseTOTPStep(ctx, w.member.ID, 101), "next step")
	got, _ = s.TOTP(ctx, w.member.ID)
	if got.Failures != 0 || !got.LockedUntil.IsZero() || got.LastStep != 101 {
		t.Fatalf("after a good code = %+v, want failures cleared", got)
	}
	noErr(t, s.DeleteTOTP(ctx, w.member.ID), "delete")
	wantErr(t, s.DeleteTOTP(ctx, w.member.ID), storage.ErrNotFound, "delete twice")
	n, err := s.CountRecoveryCodes(ctx, w.member.ID)
	noErr(t, err, "count after delete")
	if n != 0 {
		t.Fatalf("recovery codes after delete = %d", n)
	}
	wantErr(t, s.SetTOTPFailures(ctx, w.owner.ID, 1, ts(0)), storage.ErrNotFound, "failures of no factor")
}

func testRecoveryCodesSingleUse(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	noErr(t, s.PutPendingTOTP(ctx, model.TOTP{UserID: w.member.ID, Secret: "s"}), "put pending")
	noErr(t, s.ConfirmTOTP(ctx, w.member.ID, 1, ts(0), []string{"a", "b", "c"}), "confirm")
	noErr(t, s.UseRecoveryCode(ctx, w.member.ID, "b", ts(1)), "use b")
	wantErr(t, s.UseRecoveryCode(ctx, w.member.ID, "b", ts(2)), storage.ErrNotFound, "use b again")
	wantErr(t, s.UseRecoveryCode(ctx, w.owner.ID, "a", ts(2)), storage.ErrNotFound, "another user's code")
	n, err := s.CountRecoveryCodes(ctx, w.member.ID)
	noErr(t, err, "count")
	if n != 2 {
		t.Fatalf("unused codes = %d, want 2", n)
	}
}

func testWorkspaceRequires2FA(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	on, err := s.WorkspaceRequires2FA(ctx, w.ws.ID)
	noErr(t, err, "default")
	if on {
		t.Fatal("a new workspace must not require 2FA")
	}
	noErr(t, s.SetWorkspaceRequires2FA(ctx, w.ws.ID, true), "turn on")
	wantErr(t, s.SetWorkspaceRequires2FA(ctx, 1<<40, true), storage.ErrNotFound, "unknown workspace")
	_, err = s.WorkspaceRequires2FA(ctx, 1<<40)
	wantErr(t, err, storage.ErrNotFound, "read unknown workspace")
	for _, c := range []struct {
		u    model.User
		want bool
	}{{w.member, true}, {w.guest, true}, {w.outsider, false}} {
		got, err := s.MemberOfWorkspaceRequiring2FA(ctx, c.u.ID)
		noErr(t, err, "member of requiring")
		if got != c.want {
			t.Fatalf("%s: requiring = %v, want %v", c.u.Username, got, c.want)
		}
	}
}

func testIdentities(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	_, err := s.IdentityUser(ctx, "https://idp", "sub-1")
	wantErr(t, err, storage.ErrNotFound, "unlinked")
	noErr(t, s.LinkIdentity(ctx, w.member.ID, "https://idp", "sub-1", ts(0)), "link")
	wantErr(t, s.LinkIdentity(ctx, w.owner.ID, "https://idp", "sub-1", ts(0)), storage.ErrConflict, "link twice")
	wantErr(t, s.LinkIdentity(ctx, 1<<40, "https://idp", "sub-2", ts(0)), storage.ErrNotFound, "unknown user")
	id, err := s.IdentityUser(ctx, "https://idp", "sub-1")
	noErr(t, err, "linked")
	if id != w.member.ID {
		t.Fatalf("linked user = %d, want %d", id, w.member.ID)
	}
	_, err = s.IdentityUser(ctx, "https://other", "sub-1")
	wantErr(t, err, storage.ErrNotFound, "same subject at another issuer")
}
