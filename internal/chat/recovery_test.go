package chat

import (
	"context"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// TestPasswordResetLink: a reset link works once, within 30 minutes, and
// ends every credential of the user; unknown addresses and bots get none.
func TestPasswordResetLink(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		u := fixtureUser(t, st, "ann")
		for _, email := range []string{"nobody@example.test", "ANN@example.test"} {
			link, ok, err := s.RequestPasswordReset(ctx, email)
			wantOK(t, err)
			if ok != (email != "nobody@example.test") {
				t.Fatalf("reset for %s: ok=%v", email, ok)
			}
			if ok && (link.To != u.Email || link.User.ID != u.ID || link.Token == "" || link.User.PasswordHash != "") {
				t.Fatalf("link = %+v", link)
			}
		}
		_, _, err := s.RequestPasswordReset(ctx, "not an address")
		wantKind(t, err, apperr.KindInvalid)

		expired, _, err := s.RequestPasswordReset(ctx, u.Email)
		wantOK(t, err)
		advanceClock(s, ResetLinkTTL)
		wantFields(t, s.ConfirmPasswordReset(ctx, expired.Token, "a new password"), apperr.KindInvalid, "token")

		link, _, err := s.RequestPasswordReset(ctx, u.Email)
		wantOK(t, err)
		wantFields(t, s.ConfirmPasswordReset(ctx, link.Token, "short"), apperr.KindInvalid, "password")
		before, err := st.UserByID(ctx, u.ID)
		wantOK(t, err)
		wantOK(t, s.ConfirmPasswordReset(ctx, link.Token, "a new password"))
		after, err := st.UserByID(ctx, u.ID)
		wantOK(t, err)
		if after.PasswordHash == "" || !after.TokensValidAfter.After(before.TokensValidAfter) {
			t.Fatalf("reset did not set the password and cut tokens: %+v", after)
		}
		revoked := false
		for _, e := range unpublished(t, st) {
			revoked = revoked || e.Type == model.EventCredentialsRevoked
		}
		if !revoked {
			t.Fatal("no credentials.revoked event: other nodes keep the user's streams")
		}
		wantFields(t, s.ConfirmPasswordReset(ctx, link.Token, "another password"), apperr.KindInvalid, "token")

		// Three links an hour per account; the fourth request mails nothing.
		if _, ok, err := s.RequestPasswordReset(ctx, u.Email); err != nil || ok {
			t.Fatalf("fourth reset in an hour: ok=%v %v", ok, err)
		}
		advanceClock(s, 31*time.Minute)
		if _, ok, err := s.RequestPasswordReset(ctx, u.Email); err != nil || !ok {
			t.Fatalf("reset an hour later: ok=%v %v", ok, err)
		}
	})
}

// TestIssueResetLink: only an instance administrator issues reset links,
// and each one is in the audit log.
func TestIssueResetLink(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		admin, bob := fixtureUser(t, st, "admin"), fixtureUser(t, st, "bob")
		wantOK(t, st.SetUserAdmin(ctx, admin.ID, true))
		_, err := s.IssueResetLink(ctx, bob.ID, admin.ID)
		wantKind(t, err, apperr.KindForbidden)
		_, err = s.IssueResetLink(ctx, admin.ID, bob.ID+1000)
		wantKind(t, err, apperr.KindNotFound)
		link, err := s.IssueResetLink(ctx, admin.ID, bob.ID)
		wantOK(t, err)
		if link.User.ID != bob.ID || !link.ExpiresAt.After(time.Now().Add(29*time.Minute)) {
			t.Fatalf("link = %+v", link)
		}
		entries, err := st.ListAudit(ctx, storage.AuditQuery{Action: AuditResetLink})
		wantOK(t, err)
		if len(entries) != 1 || entries[0].ActorID != admin.ID || entries[0].TargetUserID != bob.ID {
			t.Fatalf("audit = %+v", entries)
		}
		wantOK(t, s.ConfirmPasswordReset(ctx, link.Token, "bob's new password"))
	})
}

// TestEmailChange: the address changes only with the link's token, used
// by its own user, once; a taken address gets no link.
func TestEmailChange(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		ann, bob := fixtureUser(t, st, "ann"), fixtureUser(t, st, "bob")
		_, ok, err := s.RequestEmailChange(ctx, ann.ID, "BOB@example.test")
		wantOK(t, err)
		if ok {
			t.Fatal("a link to an address that has an account")
		}
		_, _, err = s.RequestEmailChange(ctx, ann.ID, ann.Email)
		wantFields(t, err, apperr.KindInvalid, "email")
		link, ok, err := s.RequestEmailChange(ctx, ann.ID, "Ann.New@example.test")
		wantOK(t, err)
		if !ok || link.To != "ann.new@example.test" {
			t.Fatalf("link = %+v", link)
		}
		if u, _ := st.UserByID(ctx, ann.ID); u.Email != ann.Email {
			t.Fatal("email changed before confirmation")
		}
		_, err = s.ConfirmEmailChange(ctx, bob.ID, link.Token)
		wantFields(t, err, apperr.KindInvalid, "token")
		u, err := s.ConfirmEmailChange(ctx, ann.ID, link.Token) // bob's try did not spend it
		wantOK(t, err)
		if u.Email != "ann.new@example.test" || u.PasswordHash != "" {
			t.Fatalf("user = %+v", u)
		}
		_, err = s.ConfirmEmailChange(ctx, ann.ID, link.Token)
		wantFields(t, err, apperr.KindInvalid, "token")
		// An address taken between request and confirmation: 409.
		link, _, err = s.RequestEmailChange(ctx, bob.ID, "later@example.test")
		wantOK(t, err)
		wantOK(t, st.SetUserEmail(ctx, ann.ID, "later@example.test"))
		_, err = s.ConfirmEmailChange(ctx, bob.ID, link.Token)
		wantKind(t, err, apperr.KindConflict)
	})
}
