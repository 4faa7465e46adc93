package chat

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func TestDrafts(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatPublicChannel)
		root := w.send(t, "creator", c.ID, "root")
		other := w.newChat(t, model.ChatPrivateChannel)
		elsewhere := w.send(t, "creator", other.ID, "elsewhere")

		wantOK(t, w.s.SaveDraft(ctx, w.id("peer"), c.ID, 0, "hello **there**"))
		wantOK(t, w.s.SaveDraft(ctx, w.id("peer"), c.ID, root.ID, "in the thread"))
		wantOK(t, w.s.SaveDraft(ctx, w.id("peer"), c.ID, 0, "hello again")) // replaces
		got, err := w.s.Drafts(ctx, w.id("peer"))
		wantOK(t, err)
		texts := map[int64]string{}
		for _, d := range got {
			if d.ChatID != c.ID || d.UpdatedAt.IsZero() {
				t.Fatalf("draft %+v", d)
			}
			texts[d.ThreadID] = d.Text
		}
		if len(got) != 2 || texts[0] != "hello again" || texts[root.ID] != "in the thread" {
			t.Fatalf("drafts %+v", got)
		}
		// Nobody else sees them.
		if others, err := w.s.Drafts(ctx, w.id("creator")); err != nil || len(others) != 0 {
			t.Fatalf("creator's drafts %v %v", others, err)
		}

		// Blank text drops the draft.
		wantOK(t, w.s.SaveDraft(ctx, w.id("peer"), c.ID, root.ID, "  \n"))
		if got, _ := w.s.Drafts(ctx, w.id("peer")); len(got) != 1 || got[0].ThreadID != 0 {
			t.Fatalf("after dropping the thread draft: %+v", got)
		}

		// Membership: a reader who has not joined gets 403, a stranger to a
		// private chat 404; a thread of another chat is a bad thread_id.
		wantKind(t, w.s.SaveDraft(ctx, w.id("stranger"), c.ID, 0, "x"), apperr.KindForbidden)
		wantKind(t, w.s.SaveDraft(ctx, w.id("stranger"), other.ID, 0, "x"), apperr.KindNotFound)
		wantKind(t, w.s.SaveDraft(ctx, w.id("outsider"), c.ID, 0, "x"), apperr.KindNotFound)
		requireFieldErr(t, w.s.SaveDraft(ctx, w.id("peer"), c.ID, elsewhere.ID, "x"), "thread_id")
		requireFieldErr(t, w.s.SaveDraft(ctx, w.id("peer"), c.ID, -1, "x"), "thread_id")
		requireFieldErr(t, w.s.SaveDraft(ctx, w.id("peer"), c.ID, 0, strings.Repeat("é", maxDraftRunes+1)), "text")
		requireFieldErr(t, w.s.SaveDraft(ctx, w.id("peer"), c.ID, 0, "bad \xff"), "text")
		wantOK(t, w.s.SaveDraft(ctx, w.id("peer"), c.ID, 0, strings.Repeat("é", maxDraftRunes)))

		// Leaving the chat hides its drafts.
		wantOK(t, w.s.RemoveChatMember(ctx, w.id("peer"), c.ID, w.id("peer")))
		if got, _ := w.s.Drafts(ctx, w.id("peer")); len(got) != 0 {
			t.Fatalf("drafts after leaving: %+v", got)
		}
	})
}

func TestChatMuteAndNotificationSettings(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		a := w.newChat(t, model.ChatPublicChannel)
		b := w.newChat(t, model.ChatGroup)

		ns, muted, err := w.s.NotificationSettings(ctx, w.id("peer"))
		wantOK(t, err)
		if !ns.Sound || ns.DNDUntil != nil || ns.ScheduleEnabled || len(muted) != 0 {
			t.Fatalf("defaults %+v muted %v", ns, muted)
		}

		wantOK(t, w.s.SetChatMuted(ctx, w.id("peer"), b.ID, true))
		wantOK(t, w.s.SetChatMuted(ctx, w.id("peer"), a.ID, true))
		wantOK(t, w.s.SetChatMuted(ctx, w.id("peer"), a.ID, true)) // twice is fine
		if _, muted, _ = w.s.NotificationSettings(ctx, w.id("peer")); len(muted) != 2 || muted[0] > muted[1] {
			t.Fatalf("muted %v", muted)
		}
		wantOK(t, w.s.SetChatMuted(ctx, w.id("peer"), a.ID, false))
		if _, muted, _ = w.s.NotificationSettings(ctx, w.id("peer")); len(muted) != 1 || muted[0] != b.ID {
			t.Fatalf("muted after unmute %v", muted)
		}
		if _, other, _ := w.s.NotificationSettings(ctx, w.id("creator")); len(other) != 0 {
			t.Fatalf("creator's mutes %v", other)
		}
		wantKind(t, w.s.SetChatMuted(ctx, w.id("stranger"), a.ID, true), apperr.KindForbidden)
		wantKind(t, w.s.SetChatMuted(ctx, w.id("stranger"), b.ID, true), apperr.KindNotFound)
		wantKind(t, w.s.SetChatMuted(ctx, w.id("outsider"), a.ID, true), apperr.KindNotFound)

		until := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
		off, start, end, on := false, "21:30", "07:15", true
		ns, _, err = w.s.UpdateNotificationSettings(ctx, w.id("peer"), NotificationPatch{
			Sound: &off, DNDUntil: &until, ScheduleEnabled: &on, ScheduleStart: &start, ScheduleEnd: &end,
		})
		wantOK(t, err)
		if ns.Sound || ns.DNDUntil == nil || !ns.DNDUntil.Equal(until) || !ns.ScheduleEnabled || ns.ScheduleStart != start || ns.ScheduleEnd != end {
			t.Fatalf("after update %+v", ns)
		}
		ns, _, err = w.s.UpdateNotificationSettings(ctx, w.id("peer"), NotificationPatch{ClearDND: true})
		wantOK(t, err)
		if ns.DNDUntil != nil || ns.Sound || !ns.ScheduleEnabled || ns.ScheduleStart != start {
			t.Fatalf("after clearing the snooze %+v", ns)
		}
		bad := "24:00"
		_, _, err = w.s.UpdateNotificationSettings(ctx, w.id("peer"), NotificationPatch{ScheduleEnd: &bad})
		requireFieldErr(t, err, "schedule_end")
	})
}
