package search

import (
	"slices"
	"testing"
	"time"
)

func TestScopeChatIDs(t *testing.T) {
	for _, tc := range []struct {
		name           string
		allowed, chats []int64
		want           []int64
	}{
		{"none allowed", nil, []int64{1}, []int64{}},
		{"allowed only", []int64{3, 1, 3}, nil, []int64{1, 3}},
		{"filter narrows", []int64{1, 2, 3}, []int64{2, 9}, []int64{2}},
		{"filter cannot widen", []int64{1}, []int64{2}, []int64{}},
	} {
		got := Query{AllowedChatIDs: tc.allowed, ChatIDs: tc.chats}.ScopeChatIDs()
		if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDateBucketOf(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		age  time.Duration
		want string
	}{{time.Hour, "day"}, {-time.Hour, "day"}, {48 * time.Hour, "week"}, {10 * 24 * time.Hour, "month"}, {400 * 24 * time.Hour, "older"}} {
		if got := DateBucketOf(now.Add(-tc.age), now).Value; got != tc.want {
			t.Errorf("age %s: %s, want %s", tc.age, got, tc.want)
		}
	}
}

// TestNewScope: the most recently active chats, first in the list, are the
// frequently used ones, at most frequentChats of them.
func TestNewScope(t *testing.T) {
	many := []int64{12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}
	for _, tc := range []struct {
		name     string
		chats    []int64
		frequent []int64
	}{
		{"none", nil, nil},
		{"few", []int64{3, 1}, []int64{3, 1}},
		{"many", many, many[:frequentChats]},
	} {
		sc := NewScope("member", tc.chats)
		if sc.Role != "member" || !slices.Equal(sc.ChatIDs, tc.chats) || !slices.Equal(sc.FrequentChatIDs, tc.frequent) {
			t.Errorf("%s: %+v, want every chat and frequent %v", tc.name, sc, tc.frequent)
		}
	}
}
