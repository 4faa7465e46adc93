package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func previewTests() []leaf {
	return []leaf{
		{"Cache", testPreviewCache},
		{"MessagePreview", testMessagePreview},
		{"Settings", testPreviewSettings},
		{"PushSubscriptions", testPushSubscriptions},
	}
}

func testPreviewCache(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, err := s.CachedPreview(ctx, "https://example.org/")
	wantErr(t, err, storage.ErrNotFound, "nothing cached")
	p := model.CachedPreview{LinkPreview: model.LinkPreview{URL: "https://example.org/", Title: "T", Description: "D",
		SiteName: "S", ImageURL: "/img"}, OK: true, FetchedAt: ts(1), ExpiresAt: ts(61)}
	noErr(t, s.PutCachedPreview(ctx, p), "put")
	got, err := s.CachedPreview(ctx, p.URL)
	noErr(t, err, "get")
	if got.LinkPreview != p.LinkPreview || !got.OK {
		t.Fatalf("cached = %+v, want %+v", got, p)
	}
	sameTime(t, got.ExpiresAt, ts(61), "expires_at")
	noErr(t, s.PutCachedPreview(ctx, model.CachedPreview{LinkPreview: model.LinkPreview{URL: p.URL}, FetchedAt: ts(2), ExpiresAt: ts(7)}), "replace with a failure")
	if got, _ := s.CachedPreview(ctx, p.URL); got.OK || got.Title != "" {
		t.Fatalf("after failure = %+v", got)
	}
}

func testMessagePreview(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann := newUser(t, s, "ann")
	w := newWorkspace(t, s, ann, "Acme")
	c := newChat(t, s, w, model.ChatPublicChannel, "general", ann)
	m := send(t, s, c, ann, "see https://example.org/")
	get := func() *model.LinkPreview {
		t.Helper()
		got, err := s.Message(ctx, ann.ID, c.ID, m.ID)
		noErr(t, err, "message")
		return got.Preview
	}
	noErr(t, s.SetMessagePreview(ctx, m.ID, "https://example.org/"), "set before cached")
	if p := get(); p != nil {
		t.Fatalf("preview without a cache entry = %+v", p)
	}
	noErr(t, s.PutCachedPreview(ctx, model.CachedPreview{LinkPreview: model.LinkPreview{URL: "https://example.org/", Title: "Ex"}, OK: true, ExpiresAt: ts(9)}), "cache")
	if p := get(); p == nil || p.Title != "Ex" {
		t.Fatalf("preview = %+v", p)
	}
	noErr(t, s.ClearMessagePreview(ctx, m.ID), "clear")
	if p := get(); p != nil {
		t.Fatalf("after clear = %+v", p)
	}
	noErr(t, s.SetMessagePreview(ctx, m.ID, "https://example.org/"), "set again")
	noErr(t, s.RemoveMessagePreview(ctx, m.ID), "remove")
	noErr(t, s.SetMessagePreview(ctx, m.ID, "https://example.org/"), "set after removal")
	noErr(t, s.ClearMessagePreview(ctx, m.ID), "clear after removal")
	noErr(t, s.SetMessagePreview(ctx, m.ID, "https://example.org/"), "set after removal and clear")
	if p := get(); p != nil {
		t.Fatalf("a removed preview came back: %+v", p)
	}
	wantErr(t, s.SetMessagePreview(ctx, m.ID+1000, "https://example.org/"), storage.ErrNotFound, "missing message")
}

func testPreviewSettings(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorkspace(t, s, newUser(t, s, "ann"), "Acme")
	got, err := s.PreviewSettings(ctx, w.ID)
	noErr(t, err, "defaults")
	if !got.LinkPreviews || !got.NotificationPreviews {
		t.Fatalf("defaults = %+v", got)
	}
	noErr(t, s.PutPreviewSettings(ctx, model.PreviewSettings{WorkspaceID: w.ID, LinkPreviews: false, NotificationPreviews: true}), "put")
	if got, _ := s.PreviewSettings(ctx, w.ID); got.LinkPreviews || !got.NotificationPreviews {
		t.Fatalf("saved = %+v", got)
	}
	wantErr(t, s.PutPreviewSettings(ctx, model.PreviewSettings{WorkspaceID: w.ID + 1000}), storage.ErrNotFound, "missing workspace")
}

func testPushSubscriptions(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann, bob := newUser(t, s, "ann"), newUser(t, s, "bob")
	a := model.PushSubscription{UserID: ann.ID, Endpoint: "https://push.example/a", P256dh: "k", Auth: "x", CreatedAt: ts(1)}
	noErr(t, s.PutPushSubscription(ctx, &a), "put a")
	if a.ID == 0 {
		t.Fatal("no id")
	}
	b := model.PushSubscription{UserID: ann.ID, Endpoint: "https://push.example/b", P256dh: "k2", Auth: "y"}
	noErr(t, s.PutPushSubscription(ctx, &b), "put b")
	list, err := s.PushSubscriptions(ctx, ann.ID)
	noErr(t, err, "list")
	if len(list) != 2 || list[0].Endpoint != a.Endpoint || list[1].P256dh != "k2" {
		t.Fatalf("list = %+v", list)
	}
	// The same browser subscribing for bob moves the row to bob.
	moved := model.PushSubscription{UserID: bob.ID, Endpoint: a.Endpoint, P256dh: "k3", Auth: "z"}
	noErr(t, s.PutPushSubscription(ctx, &moved), "move a")
	if list, _ := s.PushSubscriptions(ctx, ann.ID); len(list) != 1 {
		t.Fatalf("ann after move = %+v", list)
	}
	wantErr(t, s.DeletePushSubscription(ctx, ann.ID, a.Endpoint), storage.ErrNotFound, "delete someone else's")
	noErr(t, s.DeletePushSubscription(ctx, ann.ID, b.Endpoint), "delete b")
	noErr(t, s.DeletePushEndpoint(ctx, a.Endpoint), "delete gone endpoint")
	noErr(t, s.DeletePushEndpoint(ctx, a.Endpoint), "delete gone endpoint twice")
	if list, _ := s.PushSubscriptions(ctx, bob.ID); len(list) != 0 {
		t.Fatalf("bob after delete = %+v", list)
	}
	wantErr(t, s.PutPushSubscription(ctx, &model.PushSubscription{UserID: bob.ID + 1000, Endpoint: "https://x/"}), storage.ErrNotFound, "missing user")
}
