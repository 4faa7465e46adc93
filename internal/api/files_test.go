package api

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// multipartBody builds a multipart body with one part per field; the part
// named file is a file part named filename.
func multipartBody(t *testing.T, filename string, fields map[string][]byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for name, data := range fields {
		var w io.Writer
		var err error
		if name == "file" {
			w, err = mw.CreateFormFile(name, filename)
		} else {
			w, err = mw.CreateFormField(name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// pngBytes is a small valid PNG.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestFiles uploads and downloads files: headers, ranges, access, limits.
func TestFiles(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	upload := fmt.Sprintf("/api/workspaces/%d/files", ws)

	text := []byte("hello, file world\n")
	body, ctype := multipartBody(t, "résumé \"final\".txt", map[string][]byte{"note": []byte("ignored"), "file": text})
	up := want(t, h.do(req{method: "POST", path: upload, token: admin.token, body: body, contentType: ctype}), 201).json(t)
	if up["size"] != float64(len(text)) || up["url"] == "" {
		t.Fatalf("uploaded %v", up)
	}
	filePath := up["url"].(string)
	dl := want(t, h.do(req{method: "GET", path: filePath, token: admin.token}), 200)
	if !bytes.Equal(dl.body, text) {
		t.Errorf("downloaded %q, want %q", dl.body, text)
	}
	cd := dl.header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.txt") {
		t.Errorf("Content-Disposition %q", cd)
	}
	for k, v := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; sandbox",
	} {
		if got := dl.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	part := want(t, h.do(req{method: "GET", path: filePath, token: admin.token, header: map[string]string{"Range": "bytes=0-4"}}), 206)
	if string(part.body) != "hello" {
		t.Errorf("range body %q", part.body)
	}

	img, ictype := multipartBody(t, "pic.png", map[string][]byte{"file": pngBytes(t)})
	pic := want(t, h.do(req{method: "POST", path: upload, token: admin.token, body: img, contentType: ictype}), 201).json(t)
	pdl := want(t, h.do(req{method: "GET", path: pic["url"].(string), token: admin.token}), 200)
	if cd := pdl.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline;") || pdl.header.Get("Content-Type") != "image/png" {
		t.Errorf("png served as %q, %q", pdl.header.Get("Content-Type"), cd)
	}

	bob := h.join(admin, ws, "bob")
	if r := h.do(req{method: "GET", path: filePath, token: bob.token}); r.status != http.StatusNotFound {
		t.Errorf("someone else's unattached file: %d, want 404", r.status)
	}
}

// TestUploadErrors: uploads that break the rules get 4xx codes.
func TestUploadErrors(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, ws := h.setup()
	upload := fmt.Sprintf("/api/workspaces/%d/files", ws)
	big, bigType := multipartBody(t, "big.bin", map[string][]byte{"file": bytes.Repeat([]byte("x"), testMaxFile+1)})
	huge, hugeType := multipartBody(t, "huge.bin", map[string][]byte{"file": bytes.Repeat([]byte("x"), testMaxFile+multipartSlack+1)})
	noFile, noFileType := multipartBody(t, "", map[string][]byte{"other": []byte("x")})
	ok, okType := multipartBody(t, "a.txt", map[string][]byte{"file": []byte("abc")})
	for _, tc := range []struct {
		name   string
		body   []byte
		ctype  string
		status int
		code   string
	}{
		{"over max file size", big, bigType, 413, "payload_too_large"},
		{"over body limit", huge, hugeType, 413, "payload_too_large"},
		{"no file field", noFile, noFileType, 400, "invalid_request"},
		{"json instead", []byte(`{"file": "x"}`), "application/json", 415, "unsupported_media_type"},
		{"no boundary", ok, "multipart/form-data", 400, "invalid_request"},
		{"truncated", ok[:len(ok)/2], okType, 400, "invalid_request"},
		{"garbage", []byte("not multipart at all"), okType, 400, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(req{method: "POST", path: upload, token: admin.token, body: tc.body, contentType: tc.ctype})
			if r.status != tc.status || r.errCode(t) != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.status, r.body, tc.status, tc.code)
			}
		})
	}
	if r := h.do(req{method: "POST", path: "/api/workspaces/424242/files", token: admin.token, body: ok, contentType: okType}); r.status != 404 {
		t.Errorf("upload to a workspace that does not exist: %d, want 404", r.status)
	}
}

// TestContentDisposition covers the filename encodings.
func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct{ disp, name, want string }{
		{"attachment", "a.txt", `attachment; filename="a.txt"; filename*=UTF-8''a.txt`},
		{"inline", "ünï.png", `inline; filename="_n_.png"; filename*=UTF-8''%C3%BCn%C3%AF.png`},
		{"attachment", "a\"b\\c\r\n.txt", `attachment; filename="a_b_c__.txt"; filename*=UTF-8''a%22b%5Cc%0D%0A.txt`},
		{"attachment", "", `attachment; filename="download"; filename*=UTF-8''download`},
		{"attachment", "\xff.txt", `attachment; filename="_.txt"; filename*=UTF-8''_.txt`},
	} {
		if got := contentDisposition(tc.disp, tc.name); got != tc.want {
			t.Errorf("contentDisposition(%q, %q) = %s, want %s", tc.disp, tc.name, got, tc.want)
		}
	}
	for ct, want := range map[string]string{
		"image/png": "inline", "image/svg+xml": "attachment", "text/html": "attachment", "image/webp": "inline",
	} {
		if got := disposition(ct); got != want {
			t.Errorf("disposition(%s) = %s, want %s", ct, got, want)
		}
	}
}

// TestReadTrackerLimit: a stream of exactly the limit passes, one byte
// more is errFileTooLarge, and read errors are remembered.
func TestReadTrackerLimit(t *testing.T) {
	for _, tc := range []struct {
		size, limit int
		tooLarge    bool
	}{
		{0, 0, false}, {0, 5, false}, {5, 5, false}, {6, 5, true}, {1, 0, true}, {100000, 99999, true}, {100000, 100000, false},
	} {
		rt := &readTracker{r: bytes.NewReader(bytes.Repeat([]byte("x"), tc.size)), left: int64(tc.limit)}
		data, err := io.ReadAll(rt)
		if tc.tooLarge != (err == errFileTooLarge) {
			t.Errorf("size %d limit %d: err %v", tc.size, tc.limit, err)
		}
		if !tc.tooLarge && len(data) != tc.size {
			t.Errorf("size %d limit %d: read %d bytes", tc.size, tc.limit, len(data))
		}
		if len(data) > tc.limit {
			t.Errorf("size %d limit %d: passed %d bytes on", tc.size, tc.limit, len(data))
		}
	}
	rt := &readTracker{r: io.MultiReader(strings.NewReader("ab"), iotestErrReader{}), left: 10}
	if _, err := io.ReadAll(rt); err == nil || rt.err == nil {
		t.Errorf("read error not kept: %v", err)
	}
}

// iotestErrReader fails every read, like a connection cut mid-upload.
type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
