package bleve

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// Sort keys of every layout parse back to the time, chat type, chat and
// (in the current one) sender; they order by time across layouts; anything
// else parses to chat 0, which no scope holds.
func TestSortKeyLayouts(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, ct := range []model.ChatType{model.ChatDirect, model.ChatGroup, model.ChatPrivateChannel, model.ChatPublicChannel} {
		k := sortKey(search.Doc{ChatID: 987654321, ChatType: ct, SenderID: 4711, CreatedAt: at})
		got := parseDocKey([]byte(k))
		if got.ms != at.UnixMilli() || got.chatType() != string(ct) || got.chat != 987654321 || got.sender != 4711 {
			t.Fatalf("%q = %+v (%s)", k, got, got.chatType())
		}
	}
	first := "0019ad3a1f680:public_channel:12"
	if k := parseDocKey([]byte(first)); k.ms != 0x19ad3a1f680 || k.chatType() != "public_channel" || k.chat != 12 || k.sender != 0 {
		t.Fatalf("first layout %q = %+v", first, k)
	}
	second := "0019ad3a1f680g12"
	if k := parseDocKey([]byte(second)); k.ms != 0x19ad3a1f680 || k.chatType() != "group" || k.chat != 12 || k.sender != 0 {
		t.Fatalf("second layout %q = %+v", second, k)
	}
	newer := sortKey(search.Doc{ChatID: 1, ChatType: model.ChatGroup, SenderID: 9, CreatedAt: time.UnixMilli(0x19ad3a1f681)})
	if !(first < newer && second < newer) {
		t.Fatalf("%q and %q do not sort before the later %q", first, second, newer)
	}
	for _, bad := range []string{"", "zz", "0019ad3a1f680", "0019ad3a1f680:x", "0019ad3a1f680:x:y",
		"0019ad3a1f68Zg12", "0019ad3a1f680g1x2", "0019ad3a1f680g12/", "0019ad3a1f680g/7", "0019ad3a1f680g12/7x"} {
		if k := parseDocKey([]byte(bad)); k.chat != 0 {
			t.Fatalf("%q parsed to %+v", bad, k)
		}
	}
}
