package webui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func testSite(t *testing.T) http.Handler {
	t.Helper()
	s, err := load(fstest.MapFS{
		"index.html":                {Data: []byte("<!doctype html><title>app</title>")},
		"index.html.br":             {Data: []byte("BR-INDEX")},
		"index.html.gz":             {Data: []byte("GZ-INDEX")},
		"sw.js":                     {Data: []byte("self.x=1")},
		"assets/index-abc123.js":    {Data: []byte("console.log(1)")},
		"assets/index-abc123.js.gz": {Data: []byte("GZ-JS")},
		"icon.svg":                  {Data: []byte("<svg/>")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, h http.Handler, method, target string, hdr map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRoutes(t *testing.T) {
	h := testSite(t)
	for _, tc := range []struct {
		name, method, path string
		hdr                map[string]string
		status             int
		body, cache, enc   string
		ctype              string
	}{
		{name: "root is the app", method: "GET", path: "/", status: 200, body: "<title>app</title>", cache: "no-cache", ctype: "text/html"},
		{name: "index.html by name (the service worker precaches it)", method: "GET", path: "/index.html", status: 200, body: "<title>app</title>", cache: "no-cache"},
		{name: "client route falls back", method: "GET", path: "/w/1/c/2", status: 200, body: "<title>app</title>", cache: "no-cache"},
		{name: "invite link falls back", method: "GET", path: "/invite/AbC-12", status: 200, body: "<title>app</title>"},
		{name: "hashed asset is immutable", method: "GET", path: "/assets/index-abc123.js", status: 200, body: "console.log(1)", cache: "public, max-age=31536000, immutable", ctype: "text/javascript"},
		{name: "gzip sibling served", method: "GET", path: "/assets/index-abc123.js", hdr: map[string]string{"Accept-Encoding": "gzip, deflate, br"}, status: 200, body: "GZ-JS", enc: "gzip"},
		{name: "brotli preferred", method: "GET", path: "/", hdr: map[string]string{"Accept-Encoding": "gzip, br"}, status: 200, body: "BR-INDEX", enc: "br"},
		{name: "q=0 refuses brotli", method: "GET", path: "/", hdr: map[string]string{"Accept-Encoding": "br;q=0, gzip"}, status: 200, body: "GZ-INDEX", enc: "gzip"},
		{name: "missing file is 404, not the app", method: "GET", path: "/assets/gone-1.js", status: 404},
		{name: "api never falls back", method: "GET", path: "/api/nope", status: 404, body: `"not_found"`, ctype: "application/json"},
		{name: "api root never falls back", method: "GET", path: "/api", status: 404, body: `"not_found"`},
		{name: "service worker revalidates", method: "GET", path: "/sw.js", status: 200, cache: "no-cache"},
		{name: "post refused", method: "POST", path: "/", status: 405},
		{name: "head works", method: "HEAD", path: "/", status: 200},
		{name: "dot segments cleaned", method: "GET", path: "/assets/../icon.svg", status: 200, body: "<svg/>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, h, tc.method, tc.path, tc.hdr)
			if r.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", r.StatusCode, tc.status)
			}
			b := body(t, r)
			if tc.body != "" && !strings.Contains(b, tc.body) {
				t.Errorf("body %q does not contain %q", b, tc.body)
			}
			if tc.cache != "" && r.Header.Get("Cache-Control") != tc.cache {
				t.Errorf("Cache-Control %q, want %q", r.Header.Get("Cache-Control"), tc.cache)
			}
			if r.Header.Get("Content-Encoding") != tc.enc {
				t.Errorf("Content-Encoding %q, want %q", r.Header.Get("Content-Encoding"), tc.enc)
			}
			if tc.ctype != "" && !strings.HasPrefix(r.Header.Get("Content-Type"), tc.ctype) {
				t.Errorf("Content-Type %q, want %q", r.Header.Get("Content-Type"), tc.ctype)
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	r := get(t, testSite(t), "GET", "/", nil)
	if got := r.Header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
		t.Errorf("CSP %q", got)
	}
	for _, want := range []string{"script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(ContentSecurityPolicy, want) {
			t.Errorf("CSP lacks %q", want)
		}
	}
	if r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff")
	}
	if r.Header.Get("Vary") != "Accept-Encoding" {
		t.Error("no Vary: Accept-Encoding")
	}
}

func TestETagRevalidation(t *testing.T) {
	h := testSite(t)
	first := get(t, h, "GET", "/", nil)
	etag := first.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	again := get(t, h, "GET", "/", map[string]string{"If-None-Match": etag})
	if again.StatusCode != http.StatusNotModified {
		t.Fatalf("status %d, want 304", again.StatusCode)
	}
	gz := get(t, h, "GET", "/", map[string]string{"Accept-Encoding": "gzip"})
	if gz.Header.Get("ETag") == etag {
		t.Error("the gzip variant shares the identity ETag")
	}
}

// TestEmbeddedBuild checks the committed build: an index.html with no
// inline script, and every script it loads present in the binary.
func TestEmbeddedBuild(t *testing.T) {
	s, err := loadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	if s.index == nil {
		t.Fatal("dist/index.html is missing: run `npm run build` in webui/")
	}
	c, err := s.index.content()
	if err != nil {
		t.Fatal(err)
	}
	html := string(c.body)
	if strings.Contains(html, "<script>") || strings.Contains(html, "<script type=\"module\">") {
		t.Error("index.html has an inline script, which the CSP blocks")
	}
	for _, part := range strings.Split(html, `src="`)[1:] {
		src, _, _ := strings.Cut(part, `"`)
		if strings.HasPrefix(src, "/") {
			if _, ok := s.files[src]; !ok {
				t.Errorf("index.html loads %s, which is not in the build", src)
			}
		}
	}
	if _, ok := s.files["/sw.js"]; !ok {
		t.Error("no service worker in the build")
	}
	r := get(t, Handler(), "GET", "/w/1/c/1", nil)
	if r.StatusCode != 200 || !strings.Contains(body(t, r), `<div id="root">`) {
		t.Errorf("SPA fallback did not serve index.html (status %d)", r.StatusCode)
	}
}
