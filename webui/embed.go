// Package webui serves the Fechatter web app: the Vite build in dist,
// embedded into the binary so `go run ./cmd/fechatter` needs no Node.
//
// The build is committed; `npm run build` in this directory refreshes it
// and check-dist.sh (run by CI) fails when the committed copy is stale.
package webui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var distFS embed.FS

// ContentSecurityPolicy is the policy sent with every response of the web
// app. The bundle has no inline script or style element, so nothing needs
// 'unsafe-inline'; images may be data: or blob: URLs (attachments are
// fetched with the access token and shown as blobs).
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

// Cache lifetimes. Files under assets/ carry a content hash in their name
// and never change; everything else (index.html, sw.js, the manifest,
// icons) keeps its name across releases, so it is revalidated each time.
const (
	immutableCache = "public, max-age=31536000, immutable"
	revalidate     = "no-cache"
)

// file is one embedded file; its bytes are read on first use.
type file struct {
	name        string
	contentType string
	// content reads the file and its variants and hashes it, once: not
	// at start, where reading (and hashing) every file of the build cost
	// ~2 MB of heap and of the binary's pages, most never served.
	content func() (*content, error)
}

// content is a file's bytes, its precompressed variants and its ETag.
type content struct {
	body   []byte
	br, gz []byte
	etag   string
}

// readContent reads p and its variants from fsys.
func readContent(fsys fs.FS, p string) (*content, error) {
	body, err := fs.ReadFile(fsys, p)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	c := &content{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	c.br, _ = fs.ReadFile(fsys, p+".br") // absent variants stay nil
	c.gz, _ = fs.ReadFile(fsys, p+".gz")
	return c, nil
}

// site is the embedded build, indexed by URL path.
type site struct {
	files map[string]*file
	index *file
}

// Handler returns the web app's handler: files from the build with their
// cache headers, index.html for any other path that does not look like a
// file (the app routes on the client), and a JSON 404 under /api/ so an
// unknown API route never answers with the app.
func Handler() http.Handler {
	s, err := loadEmbedded()
	if err != nil {
		// go:embed checked dist at build time and its files are in
		// memory, so this is not expected; still, answer instead of panic.
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "the web app could not be loaded: "+err.Error(), http.StatusInternalServerError)
		})
	}
	return s
}

func loadEmbedded() (*site, error) {
	sub, err := fs.Sub(distFS, "dist")
	if err != nil {
		return nil, err
	}
	return load(sub)
}

// load indexes the build in fsys (names only).
func load(fsys fs.FS) (*site, error) {
	s := &site{files: map[string]*file{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, ".br") || strings.HasSuffix(p, ".gz") {
			return nil
		}
		s.files["/"+p] = &file{
			name:        p,
			contentType: contentType(p),
			content:     sync.OnceValues(func() (*content, error) { return readContent(fsys, p) }),
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.index = s.files["/index.html"]
	return s, nil
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".webmanifest":
		return "application/manifest+json"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "/api" || strings.HasPrefix(p, "/api/") {
		writeAPINotFound(w)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	setSecurityHeaders(w.Header())
	f, ok := s.files[path.Clean("/"+p)]
	switch {
	case ok:
	case looksLikeFile(p):
		// A missing script or image must not be answered with the app's
		// HTML: with nosniff the browser would refuse it anyway, and a
		// 404 says what happened.
		w.Header().Set("Cache-Control", revalidate)
		http.Error(w, "not found", http.StatusNotFound)
		return
	default:
		f = s.index
	}
	if f == nil {
		http.Error(w, "the web app was not built into this binary", http.StatusNotFound)
		return
	}
	s.serveFile(w, r, f)
}

// looksLikeFile says whether the last path segment has an extension.
// Client routes (/w/1/c/2, /invite/abc) have none.
func looksLikeFile(p string) bool {
	return strings.Contains(path.Base(p), ".")
}

func (s *site) serveFile(w http.ResponseWriter, r *http.Request, f *file) {
	c, err := f.content()
	if err != nil {
		http.Error(w, "the web app could not be loaded: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	if strings.HasPrefix(f.name, "assets/") {
		h.Set("Cache-Control", immutableCache)
	} else {
		h.Set("Cache-Control", revalidate)
	}
	if f.name == "sw.js" {
		// Let the worker control the whole origin from /sw.js.
		h.Set("Service-Worker-Allowed", "/")
	}
	h.Set("Content-Type", f.contentType)
	h.Set("Vary", "Accept-Encoding")
	body, etag := c.body, c.etag
	switch enc := acceptEncoding(r.Header.Get("Accept-Encoding")); {
	case enc["br"] && c.br != nil:
		h.Set("Content-Encoding", "br")
		body, etag = c.br, strings.TrimSuffix(c.etag, `"`)+`-br"`
	case enc["gzip"] && c.gz != nil:
		h.Set("Content-Encoding", "gzip")
		body, etag = c.gz, strings.TrimSuffix(c.etag, `"`)+`-gz"`
	}
	h.Set("ETag", etag)
	// ServeContent handles If-None-Match (304), HEAD and Range.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptEncoding lists the codings a client accepts (q=0 excluded).
func acceptEncoding(v string) map[string]bool {
	out := map[string]bool{}
	for _, part := range strings.Split(v, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok && (q == "0" || q == "0.0" || q == "0.00" || q == "0.000") {
			continue
		}
		if name != "" {
			out[name] = true
		}
	}
	return out
}

func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

func writeAPINotFound(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte(`{"error":{"code":"not_found","message":"no such route"}}`))
}
