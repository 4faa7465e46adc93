package chat

import (
	"context"
	"regexp"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// maxEmojiBytes bounds a reaction's emoji (long ZWJ families fit).
const maxEmojiBytes = 32

// shortcodePattern is a named emoji such as ":party_parrot:" or ":+1:".
var shortcodePattern = regexp.MustCompile(`^:[a-z0-9_+-]{1,32}:$`)

// React adds userID's emoji reaction to a message. Adding it twice is
// harmless (one reaction, one event). Deleted messages take no reactions
// (409); readers of a public channel must join first (403).
func (s *Service) React(ctx context.Context, userID, chatID, msgID int64, emoji string) error {
	if err := validateReactionEmoji(emoji); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx storage.Tx) error {
		c, m, err := reactionTarget(ctx, tx, userID, chatID, msgID)
		if err != nil {
			return err
		}
		if m.Deleted {
			return apperr.Conflict("the message was deleted")
		}
		added, err := tx.AddReaction(ctx, msgID, userID, emoji)
		if err != nil {
			return chatStoreErr(err, "add reaction", "message", "")
		}
		if !added {
			return nil // already there: nothing changed, nothing to record
		}
		return s.recordReaction(ctx, tx, model.EventReactionAdded, c, userID, msgID, emoji)
	})
}

// Unreact removes userID's emoji reaction from a message. Removing one that
// is not there (including on a deleted message, whose reactions are gone)
// is harmless and records nothing.
func (s *Service) Unreact(ctx context.Context, userID, chatID, msgID int64, emoji string) error {
	if err := validateReactionEmoji(emoji); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx storage.Tx) error {
		c, m, err := reactionTarget(ctx, tx, userID, chatID, msgID)
		if err != nil || m.Deleted {
			return err
		}
		removed, err := tx.RemoveReaction(ctx, msgID, userID, emoji)
		if err != nil {
			return chatStoreErr(err, "remove reaction", "message", "")
		}
		if !removed {
			return nil
		}
		return s.recordReaction(ctx, tx, model.EventReactionRemoved, c, userID, msgID, emoji)
	})
}

// reactionTarget checks that userID is a member of the chat and returns the
// chat and the message reacted to.
func reactionTarget(ctx context.Context, tx storage.Tx, userID, chatID, msgID int64) (model.Chat, model.Message, error) {
	a, err := writableChat(ctx, tx, chatID, userID)
	if err != nil {
		return model.Chat{}, model.Message{}, err
	}
	m, err := loadChatMessage(ctx, tx, userID, chatID, msgID)
	return a.Chat, m, err
}

// recordReaction records reaction.added or reaction.removed.
func (s *Service) recordReaction(ctx context.Context, tx storage.Tx, typ string, c model.Chat, userID, msgID int64, emoji string) error {
	return s.record(ctx, tx, events.ReactionEvent{
		Header:   events.ChatHeader(typ, c.WorkspaceID, c.ID, userID),
		Reaction: events.Reaction{Emoji: emoji, MessageID: msgID, UserID: userID},
	})
}

// validateReactionEmoji accepts a ":shortcode:" or one Unicode emoji (a
// single emoji sequence: pictograph with optional variation selector and
// skin tone, keycap, flag, tag sequence, or such elements joined by ZWJ) of
// at most 32 bytes.
func validateReactionEmoji(emoji string) error {
	if shortcodePattern.MatchString(emoji) || isEmojiSequence(emoji) {
		return nil
	}
	return apperr.Field("emoji", "must be one emoji or a :shortcode:")
}

// Code points that build emoji sequences (Unicode TS #51).
const (
	runeZWJ          = 0x200D
	runeVS15         = 0xFE0E // text presentation
	runeVS16         = 0xFE0F // emoji presentation
	runeKeycap       = 0x20E3
	runeTagCancel    = 0xE007F
	runeTagFirst     = 0xE0020
	runeTagLast      = 0xE007E
	runeRegionalA    = 0x1F1E6
	runeRegionalZ    = 0x1F1FF
	runeModifierLow  = 0x1F3FB
	runeModifierHigh = 0x1F3FF
)

// isEmojiSequence reports whether s is exactly one emoji ZWJ sequence
// (UTS #51 ED-16): elements separated by single ZWJs.
func isEmojiSequence(s string) bool {
	if s == "" || len(s) > maxEmojiBytes || !utf8.ValidString(s) {
		return false
	}
	rs := []rune(s)
	for i := 0; ; {
		n := emojiElementLen(rs[i:])
		if n == 0 {
			return false
		}
		i += n
		if i == len(rs) {
			return true
		}
		if rs[i] != runeZWJ || i+1 == len(rs) {
			return false
		}
		i++
	}
}

// emojiElementLen returns how many runes at the start of rs form one emoji
// element (flag, keycap, or pictograph with presentation selector, skin
// tone and tag sequence), or 0 when rs does not start with one.
func emojiElementLen(rs []rune) int {
	r := rs[0]
	switch {
	case isRegionalIndicator(r):
		if len(rs) >= 2 && isRegionalIndicator(rs[1]) {
			return 2
		}
		return 0
	case r == '#' || r == '*' || (r >= '0' && r <= '9'):
		j := 1
		if j < len(rs) && rs[j] == runeVS16 {
			j++
		}
		if j < len(rs) && rs[j] == runeKeycap {
			return j + 1
		}
		return 0
	case isPictograph(r) || isSkinTone(r):
		return pictographTailLen(rs)
	}
	return 0
}

// pictographTailLen measures a pictograph and what may follow it.
func pictographTailLen(rs []rune) int {
	j := 1
	if j < len(rs) && (rs[j] == runeVS15 || rs[j] == runeVS16) {
		j++
	}
	if j < len(rs) && isSkinTone(rs[j]) {
		j++
	}
	if j < len(rs) && rs[j] >= runeTagFirst && rs[j] <= runeTagLast {
		for j < len(rs) && rs[j] >= runeTagFirst && rs[j] <= runeTagLast {
			j++
		}
		if j < len(rs) && rs[j] == runeTagCancel {
			return j + 1
		}
		return 0
	}
	return j
}

func isRegionalIndicator(r rune) bool { return r >= runeRegionalA && r <= runeRegionalZ }

func isSkinTone(r rune) bool { return r >= runeModifierLow && r <= runeModifierHigh }

// isPictograph reports whether r has the Extended_Pictographic property
// (Unicode emoji-data.txt, version 15), outside the ASCII range.
func isPictograph(r rune) bool {
	lo, hi := 0, len(pictographRanges)
	for lo < hi {
		mid := (lo + hi) / 2
		switch rg := pictographRanges[mid]; {
		case r < rg[0]:
			hi = mid
		case r > rg[1]:
			lo = mid + 1
		default:
			return true
		}
	}
	return false
}

// pictographRanges are the Extended_Pictographic ranges, ascending.
var pictographRanges = [][2]rune{
	{0x00A9, 0x00A9}, {0x00AE, 0x00AE}, {0x203C, 0x203C}, {0x2049, 0x2049},
	{0x2122, 0x2122}, {0x2139, 0x2139}, {0x2194, 0x2199}, {0x21A9, 0x21AA},
	{0x231A, 0x231B}, {0x2328, 0x2328}, {0x2388, 0x2388}, {0x23CF, 0x23CF},
	{0x23E9, 0x23F3}, {0x23F8, 0x23FA}, {0x24C2, 0x24C2}, {0x25AA, 0x25AB},
	{0x25B6, 0x25B6}, {0x25C0, 0x25C0}, {0x25FB, 0x25FE}, {0x2600, 0x2605},
	{0x2607, 0x2612}, {0x2614, 0x2685}, {0x2690, 0x2705}, {0x2708, 0x2712},
	{0x2714, 0x2714}, {0x2716, 0x2716}, {0x271D, 0x271D}, {0x2721, 0x2721},
	{0x2728, 0x2728}, {0x2733, 0x2734}, {0x2744, 0x2744}, {0x2747, 0x2747},
	{0x274C, 0x274C}, {0x274E, 0x274E}, {0x2753, 0x2755}, {0x2757, 0x2757},
	{0x2763, 0x2767}, {0x2795, 0x2797}, {0x27A1, 0x27A1}, {0x27B0, 0x27B0},
	{0x27BF, 0x27BF}, {0x2934, 0x2935}, {0x2B05, 0x2B07}, {0x2B1B, 0x2B1C},
	{0x2B50, 0x2B50}, {0x2B55, 0x2B55}, {0x3030, 0x3030}, {0x303D, 0x303D},
	{0x3297, 0x3297}, {0x3299, 0x3299}, {0x1F000, 0x1F0FF}, {0x1F10D, 0x1F10F},
	{0x1F12F, 0x1F12F}, {0x1F16C, 0x1F171}, {0x1F17E, 0x1F17F}, {0x1F18E, 0x1F18E},
	{0x1F191, 0x1F19A}, {0x1F1AD, 0x1F1E5}, {0x1F201, 0x1F20F}, {0x1F21A, 0x1F21A},
	{0x1F22F, 0x1F22F}, {0x1F232, 0x1F23A}, {0x1F23C, 0x1F23F}, {0x1F249, 0x1F3FA},
	{0x1F400, 0x1F53D}, {0x1F546, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F774, 0x1F77F},
	{0x1F7D5, 0x1F7FF}, {0x1F80C, 0x1F80F}, {0x1F848, 0x1F84F}, {0x1F85A, 0x1F85F},
	{0x1F888, 0x1F88F}, {0x1F8AE, 0x1F8FF}, {0x1F90C, 0x1F93A}, {0x1F93C, 0x1F945},
	{0x1F947, 0x1FAFF}, {0x1FC00, 0x1FFFD},
}
