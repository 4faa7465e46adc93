package bleve

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// Sort keys of every layout parse back to the time, chat type, chat and,
// in the layouts that hold them, sender and message id; they order by time
// across layouts; anything else parses to chat 0, which no scope holds.
func TestSortKeyLayouts(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC).Add(123456 * time.Nanosecond) // .000123456
	for _, ct := range []model.ChatType{model.ChatDirect, model.ChatGroup, model.ChatPrivateChannel, model.ChatPublicChannel} {
		k := sortKey(search.Doc{ID: 31337, ChatID: 987654321, ChatType: ct, SenderID: 4711, CreatedAt: at})
		got := parseDocKey([]byte(k))
		want := docKey{us: at.UnixMicro(), chat: 987654321, sender: 4711, id: 31337, letter: chatTypeLetter(ct), layout: keyLayout}
		if got != want || got.chatType() != string(ct) {
			t.Fatalf("%q = %+v, want %+v", k, got, want)
		}
	}
	const ms = 0x19ad3a1f680
	for _, tc := range []struct {
		key  string
		want docKey
	}{
		{"0019ad3a1f680:public_channel:12", docKey{us: ms * 1000, chat: 12, letter: 'c', layout: 1}},
		{"0019ad3a1f680g12", docKey{us: ms * 1000, chat: 12, letter: 'g', layout: 2}},
		{"0019ad3a1f680g12/7", docKey{us: ms * 1000, chat: 12, sender: 7, letter: 'g', layout: 3}},
		{"0019ad3a1f680042d12/7/99", docKey{us: ms*1000 + 42, chat: 12, sender: 7, id: 99, letter: 'd', layout: 4}},
	} {
		if got := parseDocKey([]byte(tc.key)); got != tc.want {
			t.Fatalf("%q = %+v, want %+v", tc.key, got, tc.want)
		}
		newer := sortKey(search.Doc{ID: 1, ChatID: 1, ChatType: model.ChatGroup, SenderID: 9, CreatedAt: time.UnixMilli(ms + 1)})
		if tc.key >= newer {
			t.Fatalf("%q does not sort before the later %q", tc.key, newer)
		}
	}
	a := sortKey(search.Doc{ChatID: 1, ChatType: model.ChatGroup, CreatedAt: time.UnixMicro(ms*1000 + 998)})
	if b := sortKey(search.Doc{ChatID: 1, ChatType: model.ChatGroup, CreatedAt: time.UnixMicro(ms*1000 + 999)}); a >= b {
		t.Fatalf("%q does not sort before %q, a microsecond later", a, b)
	}
	for _, bad := range []string{"", "zz", "0019ad3a1f680", "0019ad3a1f680:x", "0019ad3a1f680:x:y",
		"0019ad3a1f68Zg12", "0019ad3a1f680g1x2", "0019ad3a1f680g12/", "0019ad3a1f680g/7", "0019ad3a1f680g12/7x",
		"0019ad3a1f680g12/7/99", "0019ad3a1f680042d12/7", "0019ad3a1f680042d12/7/99/1", "0019ad3a1f68004", "0019ad3a1f6800x2d12/7/9"} {
		if k := parseDocKey([]byte(bad)); k.chat != 0 || k.layout != 0 {
			t.Fatalf("%q parsed to %+v", bad, k)
		}
	}
}
