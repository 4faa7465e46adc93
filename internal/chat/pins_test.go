package chat

import (
	"context"
	"slices"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// TestPinAndSaveRecordEvents: a pin or bookmark that changes something
// records one event naming the message and who acted; a repeat, or a
// refused request, records nothing. Who receives them is the real-time
// hub's rule (events.ActorOnly for bookmarks), tested in internal/realtime.
func TestPinAndSaveRecordEvents(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatPublicChannel)
		m := w.send(t, "creator", c.ID, "pin me")
		mark := outboxMark(t, st)
		wantOK(t, w.s.PinMessage(ctx, w.id("peer"), c.ID, m.ID, true))
		wantOK(t, w.s.PinMessage(ctx, w.id("peer"), c.ID, m.ID, true)) // already pinned
		wantOK(t, w.s.PinMessage(ctx, w.id("creator"), c.ID, m.ID, false))
		wantOK(t, w.s.PinMessage(ctx, w.id("creator"), c.ID, m.ID, false)) // not pinned
		wantOK(t, w.s.SaveMessage(ctx, w.id("peer"), c.ID, m.ID, true))
		wantOK(t, w.s.SaveMessage(ctx, w.id("peer"), c.ID, m.ID, true))
		wantOK(t, w.s.SaveMessage(ctx, w.id("peer"), c.ID, m.ID, false))
		wantOK(t, w.s.SaveMessage(ctx, w.id("peer"), c.ID, m.ID, false))
		wantKind(t, w.s.PinMessage(ctx, w.id("outsider"), c.ID, m.ID, true), apperr.KindNotFound)
		wantKind(t, w.s.SaveMessage(ctx, w.id("outsider"), c.ID, m.ID, true), apperr.KindNotFound)

		evs := outboxSince(t, st, mark)
		want := []string{model.EventPinAdded, model.EventPinRemoved, model.EventSavedAdded, model.EventSavedRemoved}
		if !slices.Equal(eventTypes(evs), want) {
			t.Fatalf("events %v, want %v", eventTypes(evs), want)
		}
		actors := []string{"peer", "creator", "peer", "peer"}
		for i, e := range evs {
			if e.ChatID != c.ID || e.WorkspaceID != w.ws.ID || e.ActorID != w.id(actors[i]) {
				t.Fatalf("%s: chat %d workspace %d actor %d", e.Type, e.ChatID, e.WorkspaceID, e.ActorID)
			}
			p, err := events.FromModel(e).Typed()
			wantOK(t, err)
			switch p := p.(type) {
			case events.PinEvent:
				if p.Pin != (events.Pin{MessageID: m.ID, UserID: w.id(actors[i])}) {
					t.Fatalf("%s payload %+v", e.Type, p.Pin)
				}
			case events.SavedEvent:
				if p.Saved != (events.Saved{MessageID: m.ID, UserID: w.id("peer")}) {
					t.Fatalf("%s payload %+v", e.Type, p.Saved)
				}
			default:
				t.Fatalf("%s is a %T", e.Type, p)
			}
			if got, want := events.ActorOnly(e.Type), p.EventHeader().Type[:5] == "saved"; got != want {
				t.Fatalf("ActorOnly(%s) = %v", e.Type, got)
			}
		}
	})
}
