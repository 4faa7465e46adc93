package chat

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func TestValidateReactionEmoji(t *testing.T) {
	for _, tc := range []struct {
		emoji string
		ok    bool
	}{
		{"👍", true},
		{"👍🏽", true},      // skin tone
		{"❤️", true},      // text-default pictograph + VS16
		{"❤", true},       // without the selector
		{"👨‍👩‍👧‍👦", true}, // ZWJ family (25 bytes)
		{"🏳️‍🌈", true},    // flag ZWJ sequence
		{"🇫🇷", true},      // regional indicator pair
		{"1️⃣", true},     // keycap
		{"#⃣", true},      // keycap without VS16
		{"🏴\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F", true}, // tag sequence
		{"🧑🏽‍💻", true},
		{":thumbsup:", true},
		{":+1:", true},
		{":party_parrot-2:", true},
		{":" + strings.Repeat("a", 32) + ":", true},
		{":" + strings.Repeat("a", 33) + ":", false},
		{":Smile:", false},
		{"::", false},
		{":a b:", false},
		{"", false},
		{"a", false},
		{"1", false},
		{"ok", false},
		{"👍👍", false}, // two emoji
		{"👍 ", false},
		{"🇫", false},   // half a flag
		{"🇫🇷🇩", false}, // flag and a half
		{"\u200d👍", false},
		{"👍\u200d", false},
		{"👍\u200d\u200d👍", false},
		{"\ufe0f", false},
		{"👨‍👩‍👧‍👦‍👨‍👩‍👧‍👦", false}, // over 32 bytes
		{"<b>", false},
		{"\xf0\x9f", false},
		{"🏴\U000E0067", false}, // unterminated tag sequence
	} {
		t.Run(tc.emoji, func(t *testing.T) {
			err := validateReactionEmoji(tc.emoji)
			if tc.ok {
				if err != nil {
					t.Fatalf("validateReactionEmoji(%q) = %v, want ok", tc.emoji, err)
				}
				return
			}
			requireFieldErr(t, err, "emoji")
		})
	}
}

func TestPictographRangesSorted(t *testing.T) {
	for i, r := range pictographRanges {
		if r[0] > r[1] || (i > 0 && pictographRanges[i-1][1] >= r[0]) {
			t.Fatalf("range %d %X-%X out of order", i, r[0], r[1])
		}
	}
}

func TestReactionRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatPublicChannel)
		m := w.send(t, "creator", c.ID, "react to me")
		mark := outboxMark(t, st)
		wantOK(t, w.s.React(ctx, w.id("peer"), c.ID, m.ID, "👍"))
		wantOK(t, w.s.React(ctx, w.id("peer"), c.ID, m.ID, "👍")) // idempotent
		wantOK(t, w.s.React(ctx, w.id("guestin"), c.ID, m.ID, "👍"))
		wantOK(t, w.s.React(ctx, w.id("peer"), c.ID, m.ID, ":tada:"))
		got, err := w.s.Message(ctx, w.id("peer"), c.ID, m.ID)
		wantOK(t, err)
		want := []model.ReactionCount{{Emoji: "👍", Count: 2, Me: true}, {Emoji: ":tada:", Count: 1, Me: true}}
		if !sameReactions(got.Reactions, want) {
			t.Fatalf("reactions %+v, want %+v", got.Reactions, want)
		}
		wantOK(t, w.s.Unreact(ctx, w.id("peer"), c.ID, m.ID, ":tada:"))
		wantOK(t, w.s.Unreact(ctx, w.id("peer"), c.ID, m.ID, ":tada:")) // idempotent
		evs := outboxSince(t, st, mark)
		wantTypes := []string{model.EventReactionAdded, model.EventReactionAdded, model.EventReactionAdded, model.EventReactionRemoved}
		if !slices.Equal(eventTypes(evs), wantTypes) {
			t.Fatalf("events %v, want %v", eventTypes(evs), wantTypes)
		}
		r, _ := eventPayload(t, evs[0])["reaction"].(map[string]any)
		if r["message_id"] != float64(m.ID) || r["emoji"] != "👍" || r["user_id"] != float64(w.id("peer")) {
			t.Fatalf("reaction.added payload %v", r)
		}

		requireFieldErr(t, w.s.React(ctx, w.id("peer"), c.ID, m.ID, "nope"), "emoji")
		requireFieldErr(t, w.s.Unreact(ctx, w.id("peer"), c.ID, m.ID, ""), "emoji")
		wantKind(t, w.s.React(ctx, w.id("stranger"), c.ID, m.ID, "👍"), apperr.KindForbidden)
		wantKind(t, w.s.React(ctx, w.id("guest"), c.ID, m.ID, "👍"), apperr.KindNotFound)
		wantKind(t, w.s.React(ctx, w.id("peer"), c.ID, 1<<40, "👍"), apperr.KindNotFound)
		other := w.newChat(t, model.ChatGroup)
		wantKind(t, w.s.React(ctx, w.id("peer"), other.ID, m.ID, "👍"), apperr.KindNotFound)

		wantOK(t, w.s.DeleteMessage(ctx, w.id("creator"), c.ID, m.ID))
		mark = outboxMark(t, st)
		wantKind(t, w.s.React(ctx, w.id("peer"), c.ID, m.ID, "👍"), apperr.KindConflict)
		wantOK(t, w.s.Unreact(ctx, w.id("peer"), c.ID, m.ID, "👍"))
		if evs := outboxSince(t, st, mark); len(evs) != 0 {
			t.Fatalf("reactions on a tombstone wrote %v", eventTypes(evs))
		}
	})
}

// sameReactions compares reaction lists in any order.
func sameReactions(got, want []model.ReactionCount) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		if !slices.Contains(got, w) {
			return false
		}
	}
	return true
}
