package api

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"
)

// halves is a w×h PNG whose left half is red and right half blue.
func halves(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{R: 255, A: 255}
			if x >= w/2 {
				c = color.RGBA{B: 255, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// putAvatar uploads data as the avatar with an optional query (crop).
func (h *harness) putAvatar(token string, data []byte, query string) resp {
	h.t.Helper()
	body, ctype := multipartBody(h.t, "me.png", map[string][]byte{"file": data})
	return h.do(req{method: "PUT", path: "/api/me/avatar" + query, token: token, body: body, contentType: ctype})
}

// TestAvatarUploadServeAndAccess uploads, crops, serves with caching and
// checks who may see the picture.
func TestAvatarUploadServeAndAccess(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")

	// A crop of the left (red) half comes back red, scaled to 256x256.
	u := want(t, h.putAvatar(bob.token, halves(t, 200, 100), "?x=0&y=0&size=100"), 200).json(t)
	url, _ := u["avatar_url"].(string)
	prefix := fmt.Sprintf("/api/users/%d/avatar?v=", bob.id)
	if !strings.HasPrefix(url, prefix) {
		t.Fatalf("avatar_url = %q, want prefix %q", url, prefix)
	}
	got := want(t, h.do(req{method: "GET", path: url, token: admin.token}), 200)
	if cc := got.header.Get("Cache-Control"); cc != "private, max-age=31536000, immutable" {
		t.Fatalf("Cache-Control = %q", cc)
	}
	etag := got.header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || strings.HasPrefix(etag, "W/") {
		t.Fatalf("ETag = %q, want a strong one", etag)
	}
	img, format, err := image.Decode(bytes.NewReader(got.body))
	if err != nil || format != "jpeg" || got.header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("decode avatar: %v (%s, %s)", err, format, got.header.Get("Content-Type"))
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Fatalf("avatar is %v, want 256x256", b)
	}
	if r, _, b, _ := img.At(128, 128).RGBA(); r>>8 < 200 || b>>8 > 60 {
		t.Fatalf("cropped centre is %v, want red", img.At(128, 128))
	}

	// Revalidation: 304 on the ETag; an unversioned URL must revalidate.
	want(t, h.do(req{method: "GET", path: url, token: admin.token, header: map[string]string{"If-None-Match": etag}}), 304)
	plain := want(t, h.do(req{method: "GET", path: fmt.Sprintf("/api/users/%d/avatar", bob.id), token: bob.token}), 200)
	if cc := plain.header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Fatalf("unversioned Cache-Control = %q", cc)
	}

	// Without a crop the centre square is taken: half red, half blue.
	u = want(t, h.putAvatar(bob.token, halves(t, 300, 100), ""), 200).json(t)
	url2 := u["avatar_url"].(string)
	if url2 == url {
		t.Fatal("a new picture kept the old URL")
	}
	got = want(t, h.do(req{method: "GET", path: url2, token: admin.token}), 200)
	img, _, _ = image.Decode(bytes.NewReader(got.body))
	if r, _, _, _ := img.At(20, 128).RGBA(); r>>8 < 200 {
		t.Fatalf("left of the centre square is %v, want red", img.At(20, 128))
	}
	if _, _, b, _ := img.At(236, 128).RGBA(); b>>8 < 200 {
		t.Fatalf("right of the centre square is %v, want blue", img.At(236, 128))
	}
	// The old version is no longer cached for good.
	if cc := h.do(req{method: "GET", path: url, token: admin.token}).header.Get("Cache-Control"); cc != "private, no-cache" {
		t.Fatalf("stale version Cache-Control = %q", cc)
	}

	// Someone who shares no workspace with bob gets a 404, as does anyone
	// without a token.
	other := want(t, h.do(req{method: "POST", path: "/api/workspaces", token: admin.token, body: map[string]any{"name": "Other"}}), 201).json(t)
	carol := h.join(admin, int64(other["id"].(float64)), "carol")
	want(t, h.do(req{method: "GET", path: url2, token: carol.token}), 404)
	want(t, h.do(req{method: "GET", path: url2}), 401)
	want(t, h.do(req{method: "GET", path: "/api/users/999999/avatar", token: admin.token}), 404)

	// The avatar can be removed, by DELETE or by PATCH avatar_url "".
	u = want(t, h.do(req{method: "DELETE", path: "/api/me/avatar", token: bob.token}), 200).json(t)
	if u["avatar_url"] != "" {
		t.Fatalf("after delete avatar_url = %v", u["avatar_url"])
	}
	want(t, h.do(req{method: "GET", path: url2, token: admin.token}), 404)
	u = want(t, h.putAvatar(bob.token, halves(t, 10, 10), ""), 200).json(t)
	want(t, h.do(req{method: "PATCH", path: "/api/me", token: bob.token, body: map[string]any{"avatar_url": u["avatar_url"]}}), 200)
	want(t, h.do(req{method: "PATCH", path: "/api/me", token: bob.token, body: map[string]any{"avatar_url": "https://tracker.example/p.png"}}), 400)
	u = want(t, h.do(req{method: "PATCH", path: "/api/me", token: bob.token, body: map[string]any{"avatar_url": ""}}), 200).json(t)
	if u["avatar_url"] != "" {
		t.Fatalf("after PATCH \"\" avatar_url = %v", u["avatar_url"])
	}
}

// TestAvatarFormatsAndBadInput accepts the four formats (translucent ones
// stay PNG) and refuses what is not an image, too big, or a bad crop.
func TestAvatarFormatsAndBadInput(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, _ := h.setup()

	pal := image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.Black, color.White})
	var gifBuf, jpgBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, pal, nil); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&jpgBuf, image.NewGray(image.Rect(0, 0, 30, 20)), nil); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"gif": gifBuf.Bytes(), "jpeg": jpgBuf.Bytes(), "webp": webpLossless} {
		if r := h.putAvatar(admin.token, data, ""); r.status != 200 {
			t.Fatalf("%s avatar: %d %s", name, r.status, r.body)
		}
	}
	translucent := pngBytes(t) // 4x4 fully transparent
	u := want(t, h.putAvatar(admin.token, translucent, ""), 200).json(t)
	got := want(t, h.do(req{method: "GET", path: u["avatar_url"].(string), token: admin.token}), 200)
	if ct := got.header.Get("Content-Type"); ct != "image/png" {
		t.Fatalf("translucent avatar served as %q, want image/png", ct)
	}

	// A PNG header claiming 100000x100000 pixels: refused before decoding.
	huge := pngHeader(t, 100000, 100000)
	for _, tc := range []struct {
		name   string
		data   []byte
		query  string
		status int
	}{
		{"text", []byte("hello, not an image"), "", 400},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), "", 400},
		{"truncated png", pngBytes(t)[:40], "", 400},
		{"huge dimensions", huge, "", 413},
		{"over 5 MiB", bytes.Repeat([]byte{0}, 5<<20+10), "", 413},
		{"crop outside", halves(t, 50, 50), "?x=10&y=10&size=50", 400},
		{"crop partial", halves(t, 50, 50), "?x=0&size=10", 400},
		{"crop zero", halves(t, 50, 50), "?x=0&y=0&size=0", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want(t, h.putAvatar(admin.token, tc.data, tc.query), tc.status)
		})
	}
	want(t, h.do(req{method: "PUT", path: "/api/me/avatar", token: admin.token, body: map[string]any{"file": "x"}}), 415)
}

// webpLossless is golang.org/x/image's testdata/gopher-doc.1bpp.lossless.webp
// (BSD licence, as the module).
var webpLossless = []byte{
	0x52, 0x49, 0x46, 0x46, 0xb2, 0x01, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x4c,
	0xa5, 0x01, 0x00, 0x00, 0x2f, 0x4a, 0xc0, 0x18, 0x00, 0x0f, 0x30, 0xff, 0xf3, 0x3f, 0xff, 0xf3,
	0x1f, 0x78, 0x90, 0x24, 0x6d, 0x7b, 0xda, 0x48, 0x6e, 0xe6, 0xf1, 0x0d, 0xc6, 0x7d, 0x84, 0x81,
	0x25, 0xe9, 0x30, 0x43, 0x3b, 0x66, 0xfc, 0x87, 0x19, 0x96, 0x0c, 0x27, 0x99, 0x62, 0x26, 0x9f,
	0x60, 0x4a, 0xed, 0xa1, 0x66, 0x06, 0xd9, 0xd5, 0x8a, 0xbe, 0xaa, 0xff, 0xff, 0x15, 0x3a, 0x41,
	0x44, 0xff, 0x19, 0xb8, 0x6d, 0xa4, 0xc8, 0xbb, 0xc7, 0x38, 0xf0, 0x0a, 0xc4, 0xa3, 0xaf, 0x81,
	0xdf, 0x31, 0x4a, 0x62, 0x59, 0xf7, 0xa6, 0xa0, 0xa5, 0x48, 0x22, 0x97, 0xd1, 0xb7, 0xa0, 0x15,
	0x30, 0x17, 0x14, 0xe2, 0xd7, 0x1d, 0x2c, 0x85, 0xf1, 0xc0, 0x8d, 0x71, 0x91, 0x06, 0xe0, 0xec,
	0xb0, 0xb8, 0x0e, 0x0a, 0x55, 0x57, 0xc9, 0x0a, 0x20, 0x2b, 0x53, 0xb1, 0x80, 0x80, 0x92, 0x3c,
	0xfa, 0x52, 0x4f, 0xfc, 0xe2, 0x8c, 0x4f, 0xf7, 0xc1, 0x02, 0x37, 0xaf, 0x83, 0x57, 0x18, 0x07,
	0xb6, 0x15, 0x90, 0x5b, 0x96, 0x81, 0xad, 0xa5, 0xc8, 0xf8, 0xb9, 0x23, 0x41, 0xc5, 0xcb, 0x96,
	0x13, 0xa5, 0x62, 0x07, 0x83, 0x44, 0x59, 0xa6, 0x49, 0xe2, 0x45, 0x55, 0xbd, 0xa1, 0xd1, 0xc0,
	0x28, 0xec, 0x28, 0xb1, 0x6b, 0x8e, 0x19, 0xdc, 0x48, 0xca, 0x7d, 0x8e, 0xbd, 0xa0, 0x83, 0xbe,
	0x18, 0x3f, 0xc1, 0xee, 0x93, 0xc1, 0xa7, 0x4f, 0x04, 0xf6, 0xea, 0x05, 0x5e, 0x7c, 0x32, 0xc2,
	0xe6, 0x30, 0x9f, 0x32, 0x66, 0x73, 0x96, 0x93, 0xc4, 0x91, 0xcf, 0x83, 0x7e, 0x42, 0x8c, 0x8f,
	0x2f, 0xe3, 0x27, 0x6a, 0x6c, 0xcc, 0xbd, 0xc1, 0x35, 0xac, 0x73, 0x44, 0xaf, 0xdd, 0x45, 0xf4,
	0x62, 0x99, 0x3d, 0x55, 0x1c, 0x4b, 0xdc, 0x3b, 0x3e, 0x18, 0x47, 0xdf, 0xab, 0x2e, 0x07, 0xda,
	0x8f, 0x79, 0x86, 0xff, 0xa0, 0xb9, 0x3a, 0x72, 0xe4, 0xe2, 0x27, 0x4c, 0x0e, 0x2b, 0x79, 0xb9,
	0x87, 0x57, 0x0a, 0x8d, 0x6e, 0x84, 0x55, 0x90, 0x98, 0x30, 0xae, 0xdd, 0xc5, 0xc2, 0x82, 0x05,
	0xd8, 0x0f, 0xf4, 0x79, 0x0a, 0xaf, 0xd8, 0x24, 0x00, 0xed, 0x8f, 0xf0, 0x62, 0x99, 0x19, 0x65,
	0x5d, 0x20, 0x06, 0xad, 0x41, 0xaf, 0xb5, 0x20, 0x3a, 0x6d, 0xea, 0xac, 0xa8, 0xad, 0x5c, 0x1d,
	0xcb, 0x4d, 0x71, 0x75, 0x6f, 0x09, 0x91, 0xf9, 0x3a, 0xc6, 0x31, 0x17, 0x99, 0x54, 0x10, 0xf8,
	0x74, 0x1d, 0x16, 0xbe, 0x8e, 0x2a, 0x12, 0x0d, 0xdf, 0x87, 0x57, 0x5a, 0xad, 0x3e, 0xd2, 0xaa,
	0xfa, 0x10, 0x94, 0x82, 0x79, 0xe5, 0x4b, 0x1f, 0xdf, 0xa0, 0xbc, 0x64, 0xcb, 0xca, 0xa3, 0x3a,
	0xe4, 0xf4, 0x38, 0xe2, 0x28, 0x73, 0x95, 0x35, 0xf1, 0x40, 0xa8, 0xca, 0x6c, 0x0b, 0xec, 0x85,
	0x78, 0x22, 0xaf, 0xb2, 0xe2, 0x97, 0xdc, 0x38, 0x2f, 0x66, 0xef, 0x33, 0x27, 0x26, 0x8d, 0x07,
	0x2a, 0x5d, 0xa3, 0x02, 0x3b, 0xa0, 0x65, 0x63, 0x6f, 0x22, 0xf8, 0x53, 0x8b, 0xcd, 0xb7, 0xc8,
	0xd6, 0xf1, 0x2a, 0xc4, 0x08, 0x68, 0xb6, 0x87, 0x00, 0x00,
}

// pngHeader is a PNG signature and IHDR for w×h, with no pixel data.
func pngHeader(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()[:33] // signature (8) + IHDR chunk (4+4+13+4)
	put := func(off, v int) { b[off], b[off+1], b[off+2], b[off+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v) }
	put(16, w)
	put(20, h)
	put(29, int(crc32.ChecksumIEEE(b[12:29]))) // DecodeConfig checks the IHDR CRC
	return append(b, make([]byte, 64)...)
}

// TestStatus sets, validates, expires and clears a status; others see it.
func TestStatus(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")

	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	u := want(t, h.do(req{method: "PUT", path: "/api/me/status", token: bob.token, body: map[string]any{
		"emoji": "🌴", "text": "On holiday", "expires_at": soon}}), 200).json(t)
	st, _ := u["status"].(map[string]any)
	if st["emoji"] != "🌴" || st["text"] != "On holiday" || st["expires_at"] == nil {
		t.Fatalf("status = %v", u["status"])
	}
	members := want(t, h.do(req{method: "GET", path: fmt.Sprintf("/api/workspaces/%d/members", ws), token: admin.token}), 200).body
	if !strings.Contains(string(members), "On holiday") {
		t.Fatalf("members do not show the status: %s", members)
	}
	for _, body := range []map[string]any{
		{"text": strings.Repeat("x", 101)},
		{"emoji": "", "text": ""},
		{"emoji": "a b"},
		{"text": "past", "expires_at": "2001-01-01T00:00:00Z"},
		{"text": "bell\a"},
	} {
		want(t, h.do(req{method: "PUT", path: "/api/me/status", token: bob.token, body: body}), 400)
	}
	want(t, h.do(req{method: "PUT", path: "/api/me/status", token: bob.token, body: map[string]any{"text": strings.Repeat("é", 100)}}), 200)
	u = want(t, h.do(req{method: "DELETE", path: "/api/me/status", token: bob.token}), 200).json(t)
	if _, ok := u["status"]; ok {
		t.Fatalf("status after clear = %v", u["status"])
	}
}

// TestTimezone accepts IANA names and refuses others.
func TestTimezone(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, _ := h.setup()
	u := want(t, h.do(req{method: "PATCH", path: "/api/me", token: admin.token, body: map[string]any{"timezone": "Asia/Kolkata"}}), 200).json(t)
	if u["timezone"] != "Asia/Kolkata" {
		t.Fatalf("timezone = %v", u["timezone"])
	}
	for _, tz := range []string{"Mars/Olympus", "Local", "../etc/passwd", "UTC+1"} {
		want(t, h.do(req{method: "PATCH", path: "/api/me", token: admin.token, body: map[string]any{"timezone": tz}}), http.StatusBadRequest)
	}
}
