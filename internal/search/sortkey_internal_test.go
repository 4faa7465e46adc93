package search

import (
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// Sort keys of both layouts parse back to the time, chat type and chat;
// they order by time, the first layout's among the new ones too; anything
// else parses to chat 0, which no scope holds.
func TestSortKeyLayouts(t *testing.T) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, ct := range []model.ChatType{model.ChatDirect, model.ChatGroup, model.ChatPrivateChannel, model.ChatPublicChannel} {
		k := sortKey(Doc{ChatID: 4711, ChatType: ct, CreatedAt: at})
		ms, gotType, chat := parseSortKey(k)
		if ms != at.UnixMilli() || gotType != string(ct) || chat != 4711 {
			t.Fatalf("%q = %d %q %d", k, ms, gotType, chat)
		}
	}
	old := "0019ad3a1f680:public_channel:12"
	if ms, ct, chat := parseSortKey(old); ms != 0x19ad3a1f680 || ct != "public_channel" || chat != 12 {
		t.Fatalf("first layout %q = %d %q %d", old, ms, ct, chat)
	}
	newer := sortKey(Doc{ChatID: 1, ChatType: model.ChatGroup, CreatedAt: time.UnixMilli(0x19ad3a1f681)})
	if !(old < newer) {
		t.Fatalf("%q does not sort before the later %q", old, newer)
	}
	for _, bad := range []string{"", "zz", "0019ad3a1f680", "0019ad3a1f680:x"} {
		if _, _, chat := parseSortKey(bad); chat != 0 {
			t.Fatalf("%q parsed to chat %d", bad, chat)
		}
	}
}

// The in-place parse of the key cache reads what parseSortKey reads from
// keys of both layouts; what is not a key gives chat 0 (in no scope), or
// what parseSortKey gives.
func TestDocKeyParsesLikeSortKey(t *testing.T) {
	keys := []string{"0019ad3a1f680:public_channel:12"}
	for _, ct := range []model.ChatType{model.ChatDirect, model.ChatGroup, model.ChatPrivateChannel, model.ChatPublicChannel} {
		keys = append(keys, sortKey(Doc{ChatID: 987654321, ChatType: ct, CreatedAt: time.UnixMilli(1_764_000_000_123)}))
	}
	same := func(k string, got docKey) bool {
		ms, ct, chat := parseSortKey(k)
		return got.chat == chat && got.ms == ms && got.chatType() == ct
	}
	for _, k := range keys {
		if got := parseDocKey([]byte(k)); !same(k, got) {
			t.Errorf("%q: docKey %+v", k, got)
		}
	}
	for _, k := range []string{"", "zz", "0019ad3a1f680", "0019ad3a1f680:x", "0019ad3a1f68Zg12", "0019ad3a1f680g1x2"} {
		if got := parseDocKey([]byte(k)); got.chat != 0 && !same(k, got) {
			t.Errorf("not a key %q: docKey %+v", k, got)
		}
	}
}
