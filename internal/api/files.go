package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
)

// uploadPath is the upload route; its body limit is MaxFileSize plus slack.
const uploadPath = "/api/workspaces/:ws/files"

// uploadField is the multipart field that carries the file.
const uploadField = "file"

// inlineTypes are the content types shown in the browser rather than
// downloaded: raster images only (SVG can carry script).
var inlineTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
}

func (s *server) fileRoutes() []route {
	return []route{
		{method: http.MethodPost, path: uploadPath, handle: s.uploadFile, doc: doc{
			tag: "files", summary: "Upload a file (multipart field file)", multipart: true,
			status: http.StatusCreated, result: "File", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodGet, path: "/api/files/:id", handle: s.downloadFile, doc: doc{
			tag: "files", summary: "Download a file's bytes (supports Range)", status: http.StatusOK, binary: true,
		}},
	}
}

// uploadFile answers POST /api/workspaces/{ws}/files with the File (201),
// streaming the part to the use case without buffering it.
func (s *server) uploadFile(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	part, err := uploadPart(c.Request)
	if err != nil {
		return err
	}
	defer part.Close()
	body := &readTracker{r: part, left: s.cfg.MaxFileSize}
	f, err := s.chat.UploadFile(c.Request.Context(), userID(c), ws, uploadName(part), body)
	if err != nil {
		return uploadError(err, body.err)
	}
	writeJSON(c, http.StatusCreated, f)
	return nil
}

// uploadPart is the part named file of a multipart/form-data request
// (415 for another body, 400 when it is malformed or has no such part).
func uploadPart(r *http.Request) (*multipart.Part, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, apperr.New(apperr.KindUnsupportedMedia, "request body must be multipart/form-data")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &apperr.Error{Kind: apperr.KindInvalid, Message: "malformed multipart body", Err: err}
	}
	return filePart(mr)
}

// filePart skips to the part named file.
func filePart(mr *multipart.Reader) (*multipart.Part, error) {
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, apperr.Field(uploadField, "required")
		}
		if err != nil {
			if isMaxBytes(err) {
				return nil, errTooLarge
			}
			return nil, &apperr.Error{Kind: apperr.KindInvalid, Message: "malformed multipart body", Err: err}
		}
		if p.FormName() == uploadField {
			return p, nil
		}
		if err := p.Close(); err != nil {
			return nil, &apperr.Error{Kind: apperr.KindInvalid, Message: "malformed multipart body", Err: err}
		}
	}
}

// uploadName is the part's file name, or "file" when it has none.
func uploadName(p *multipart.Part) string {
	if n := p.FileName(); n != "" {
		return n
	}
	return uploadField
}

// errFileTooLarge ends an upload stream that passed Config.MaxFileSize.
var errFileTooLarge = apperr.New(apperr.KindTooLarge, "the file is too large")

// readTracker passes the upload stream on, cutting it after left bytes and
// remembering the first read error, so a file over the limit (413) and a
// truncated or malformed body (400) are told apart from a failure of ours
// however the use case wraps the error.
type readTracker struct {
	r    io.Reader
	left int64
	err  error
}

func (t *readTracker) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	// Read at most one byte past the limit: that byte proves the file is
	// larger, while a file of exactly the limit ends at EOF.
	if int64(len(p)) > t.left+1 {
		p = p[:t.left+1]
	}
	n, err := t.r.Read(p)
	if int64(n) > t.left {
		n, t.left, t.err = int(t.left), 0, errFileTooLarge
		return n, t.err
	}
	t.left -= int64(n)
	if err != nil && !errors.Is(err, io.EOF) {
		t.err = err
	}
	return n, err
}

// uploadError keeps the use case's own verdict; otherwise a broken request
// stream is the client's fault (413 or 400), and only the rest is ours.
func uploadError(err, readErr error) error {
	var ae *apperr.Error
	switch {
	case errors.Is(readErr, errFileTooLarge):
		return errFileTooLarge
	case errors.As(err, &ae), readErr == nil, isMaxBytes(readErr):
		return err
	}
	return &apperr.Error{Kind: apperr.KindInvalid, Message: "could not read the uploaded file", Err: err}
}

// downloadFile answers GET /api/files/{id} with the bytes, ranges and
// conditional requests included, under headers that keep a hostile upload
// from running as a page of this origin.
func (s *server) downloadFile(c *gin.Context) error {
	id, err := pathID(c, "id", "file")
	if err != nil {
		return err
	}
	f, fh, err := s.chat.OpenFile(c.Request.Context(), userID(c), id)
	if err != nil {
		return err
	}
	defer fh.Close()
	ct := safeContentType(f.ContentType)
	h := c.Writer.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", contentDisposition(disposition(ct), f.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	// Access can be revoked: a private cache may keep it but must ask again.
	h.Set("Cache-Control", "private, no-cache")
	if f.SHA256 != "" {
		h.Set("ETag", `"`+f.SHA256+`"`)
	}
	http.ServeContent(c.Writer, c.Request, "", f.CreatedAt, fh)
	return nil
}

// safeContentType normalises a stored content type; anything unparsable
// becomes application/octet-stream.
func safeContentType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") {
		return "application/octet-stream"
	}
	keep := map[string]string{}
	if cs, ok := params["charset"]; ok && strings.HasPrefix(mt, "text/") {
		keep["charset"] = cs
	}
	if out := mime.FormatMediaType(mt, keep); out != "" {
		return out
	}
	return "application/octet-stream"
}

// disposition is inline for the allowlisted image types, else attachment.
func disposition(ct string) string {
	mt, _, _ := mime.ParseMediaType(ct)
	if inlineTypes[mt] {
		return "inline"
	}
	return "attachment"
}

// contentDisposition builds the header with an ASCII fallback name and the
// exact name in RFC 8187 encoding (filename*=UTF-8”...).
func contentDisposition(disp, name string) string {
	name = strings.ToValidUTF8(name, "_")
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, disp, asciiName(name), pctEncode(name))
}

// asciiName replaces everything but printable ASCII (and quote, backslash)
// with an underscore, for clients that ignore filename*.
func asciiName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' {
			b.WriteByte('_')
			continue
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "download"
	}
	return b.String()
}

// pctEncode encodes s as an RFC 8187 value: attr-chars stay, every other
// byte of its UTF-8 form is %XX.
func pctEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if isAttrChar(ch) {
			b.WriteByte(ch)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[ch>>4])
		b.WriteByte(hex[ch&15])
	}
	if b.Len() == 0 {
		return "download"
	}
	return b.String()
}

// isAttrChar reports whether ch is an attr-char of RFC 8187 §3.2.1.
func isAttrChar(ch byte) bool {
	switch {
	case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		return true
	}
	return ch < utf8.RuneSelf && strings.IndexByte("!#$&+-.^_`|~", ch) >= 0
}
