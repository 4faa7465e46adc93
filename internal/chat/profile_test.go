package chat

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// testPNG is an opaque w×h PNG.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
		img.Pix[i-3] = byte(i)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// blobExists reports whether the files store holds this SHA-256.
func blobExists(dir, sum string) bool {
	_, err := os.Stat(filepath.Join(dir, sum[:2], sum))
	return err == nil
}

// TestAvatarLifecycle uploads, replaces and removes avatars on both
// engines: who may read them, the events others get, and that the old
// blob goes once nothing uses it (but not while another user has it).
func TestAvatarLifecycle(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		s := newTestService(t, st, Config{FilesDir: dir})
		ann := fixtureUser(t, st, "ann")
		ben := fixtureUser(t, st, "ben")
		cat := fixtureUser(t, st, "cat")
		ws := fixtureWorkspace(t, s, ann.ID, "Team")
		fixtureMember(t, st, ws.ID, ben.ID, model.RoleMember)
		fixtureWorkspace(t, s, cat.ID, "Elsewhere")

		mark := outboxMark(t, st)
		u, err := s.SetAvatar(ctx, ben.ID, bytes.NewReader(testPNG(t, 40, 30)), nil)
		wantOK(t, err)
		if u.AvatarURL != AvatarURL(ben.ID, u.AvatarSHA256) || !blobExists(dir, u.AvatarSHA256) {
			t.Fatalf("avatar not stored: %+v", u)
		}
		evs := outboxSince(t, st, mark)
		if got := eventTypes(evs); len(got) != 1 || got[0] != model.EventWorkspaceMemberUpdated || evs[0].WorkspaceID != ws.ID {
			t.Fatalf("events = %v, want one workspace.member_updated in %d", got, ws.ID)
		}
		member, _ := eventPayload(t, evs[0])["member"].(map[string]any)
		if user, _ := member["user"].(map[string]any); user["avatar_url"] != u.AvatarURL {
			t.Fatalf("event user = %v, want avatar_url %s", member["user"], u.AvatarURL)
		}

		for _, tc := range []struct {
			viewer int64
			ok     bool
		}{{ben.ID, true}, {ann.ID, true}, {cat.ID, false}} {
			sum, f, err := s.OpenAvatar(ctx, tc.viewer, ben.ID)
			if tc.ok {
				wantOK(t, err)
				_ = f.Close()
				if sum != u.AvatarSHA256 {
					t.Fatalf("viewer %d got %s", tc.viewer, sum)
				}
				continue
			}
			wantKind(t, err, apperr.KindNotFound)
		}

		// Ann takes the same picture; Ben replaces his: the shared blob stays.
		same, err := s.SetAvatar(ctx, ann.ID, bytes.NewReader(testPNG(t, 40, 30)), nil)
		wantOK(t, err)
		if same.AvatarSHA256 != u.AvatarSHA256 {
			t.Fatal("the same picture gave another blob")
		}
		next, err := s.SetAvatar(ctx, ben.ID, bytes.NewReader(testPNG(t, 50, 50)), &Crop{X: 10, Y: 10, Size: 30})
		wantOK(t, err)
		if !blobExists(dir, u.AvatarSHA256) {
			t.Fatal("a blob another user's avatar uses was removed")
		}
		_, err = s.DeleteAvatar(ctx, ann.ID)
		wantOK(t, err)
		if blobExists(dir, u.AvatarSHA256) {
			t.Fatal("an unused avatar blob was kept")
		}
		_, err = s.DeleteAvatar(ctx, ben.ID)
		wantOK(t, err)
		if blobExists(dir, next.AvatarSHA256) {
			t.Fatal("a deleted avatar's blob was kept")
		}
		_, _, err = s.OpenAvatar(ctx, ann.ID, ben.ID)
		wantKind(t, err, apperr.KindNotFound)
	})
}

// TestStatusExpiry sets statuses against an injected clock: past expiry is
// refused, and the status is gone from reads once its time has come.
func TestStatusExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		s := newTestService(t, st, Config{})
		ann := fixtureUser(t, st, "ann")
		ws := fixtureWorkspace(t, s, ann.ID, "Team")
		now := time.Now().UTC()
		s.now = func() time.Time { return now }

		past := now.Add(-time.Second)
		_, err := s.SetStatus(ctx, ann.ID, model.UserStatus{Text: "late", ExpiresAt: &past})
		wantFields(t, err, apperr.KindInvalid, "expires_at")
		_, err = s.SetStatus(ctx, ann.ID, model.UserStatus{})
		wantFields(t, err, apperr.KindInvalid, "text")

		mark := outboxMark(t, st)
		soon := now.Add(time.Hour)
		u, err := s.SetStatus(ctx, ann.ID, model.UserStatus{Emoji: " 🌴 ", Text: " Away ", ExpiresAt: &soon})
		wantOK(t, err)
		if u.Status.Emoji != "🌴" || u.Status.Text != "Away" {
			t.Fatalf("status = %+v", u.Status)
		}
		if got := eventTypes(outboxSince(t, st, mark)); len(got) != 1 || got[0] != model.EventWorkspaceMemberUpdated {
			t.Fatalf("events = %v", got)
		}
		members, err := s.Members(ctx, ann.ID, ws.ID)
		wantOK(t, err)
		if members[0].User.Status.Text != "Away" {
			t.Fatalf("members show %+v", members[0].User.Status)
		}

		// A status stored with an expiry that has passed is not read back.
		gone := time.Now().Add(-time.Minute)
		if err := st.SetStatus(ctx, ann.ID, model.UserStatus{Text: "old", ExpiresAt: &gone}); err != nil {
			t.Fatal(err)
		}
		me, err := s.Me(ctx, ann.ID)
		wantOK(t, err)
		if me.Status != (model.UserStatus{}) {
			t.Fatalf("expired status read back: %+v", me.Status)
		}
		u, err = s.ClearStatus(ctx, ann.ID)
		wantOK(t, err)
		if u.Status != (model.UserStatus{}) {
			t.Fatalf("cleared status = %+v", u.Status)
		}
	})
}

// TestRenderAvatarLimits checks the decoder limits without HTTP.
func TestRenderAvatarLimits(t *testing.T) {
	if _, err := renderAvatar(bytes.NewReader([]byte("GIF89a not really")), nil); err == nil {
		t.Fatal("a broken GIF was accepted")
	}
	big := bytes.Repeat([]byte{1}, MaxAvatarUpload+1)
	_, err := renderAvatar(bytes.NewReader(big), nil)
	wantKind(t, err, apperr.KindTooLarge)
	out, err := renderAvatar(bytes.NewReader(testPNG(t, 3, 900)), nil)
	wantOK(t, err)
	img, format, err := image.Decode(bytes.NewReader(out))
	if err != nil || format != "jpeg" || img.Bounds().Dx() != AvatarSize || img.Bounds().Dy() != AvatarSize {
		t.Fatalf("rendered %s %v: %v", format, img.Bounds(), err)
	}
}

// BenchmarkRenderAvatar decodes, crops, scales and encodes a 4000x3000
// JPEG photo, the common case of a phone picture.
func BenchmarkRenderAvatar(b *testing.B) {
	img := image.NewRGBA(image.Rect(0, 0, 4000, 3000))
	for y := 0; y < 3000; y++ {
		for x := 0; x < 4000; x++ {
			img.Set(x, y, color.RGBA{R: byte(x / 16), G: byte(y / 12), B: byte((x + y) / 28), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := renderAvatar(bytes.NewReader(buf.Bytes()), nil); err != nil {
			b.Fatal(err)
		}
	}
}
