package preview

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/netguard"
	"github.com/fechatter/fechatter/storage"
)

const ogPage = `<!doctype html><html><head>
<title>Fallback title</title>
<meta property="og:title" content="  The   Title ">
<meta property="og:description" content="What the page is about.">
<meta property="og:site_name" content="Example">
<meta property="og:image" content="/img/cover.png">
</head><body><meta property="og:title" content="not in the head"></body></html>`

// loopbackOnly allows the test servers (127.0.0.1) and nothing else that
// is not public: not 127.0.0.2, not ::1.
func loopbackOnly() netguard.Policy {
	return netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
}

func newTestFetcher(p netguard.Policy) *fetcher {
	return newFetcher(p, 1<<20, 1<<20, "test")
}

func TestFetchRefusesNonPublicDestinations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, ogPage)
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	f := newTestFetcher(netguard.Policy{}) // loopback NOT allowed
	for _, tc := range []struct{ name, url string }{
		{"loopback", srv.URL},
		{"localhost by name", "http://localhost:" + port + "/"},
		{"IPv6 loopback", "http://[::1]:" + port + "/"},
		{"private", "http://10.0.0.1/"},
		{"private 192.168", "http://192.168.1.1/"},
		{"link-local", "http://169.254.10.10/"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/"},
		{"unspecified", "http://0.0.0.0:" + port + "/"},
		{"not http", "file:///etc/passwd"},
		{"credentials", "http://user:pw@example.org/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.page(context.Background(), tc.url)
			if !errors.Is(err, netguard.ErrForbidden) {
				t.Fatalf("fetch %s: %v, want ErrForbidden", tc.url, err)
			}
		})
	}
}

func TestFetchRechecksRedirects(t *testing.T) {
	var target string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target, http.StatusFound)
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	f := newTestFetcher(loopbackOnly())
	for _, to := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://10.1.2.3/",
		"http://127.0.0.2:" + port + "/", // loopback outside the allowed /32
	} {
		target = to
		_, err := f.page(context.Background(), srv.URL)
		if !errors.Is(err, netguard.ErrForbidden) {
			t.Fatalf("redirect to %s: %v, want ErrForbidden", to, err)
		}
	}
}

func TestFetchReadsOpenGraph(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Cookie") != "" {
			t.Errorf("a cookie was sent: %q", r.Header.Get("Cookie"))
		}
		http.SetCookie(w, &http.Cookie{Name: "track", Value: "1"})
		if r.URL.Path == "/start" {
			http.Redirect(w, r, "/page/", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, ogPage)
	}))
	defer srv.Close()
	pg, err := newTestFetcher(loopbackOnly()).page(context.Background(), srv.URL+"/start")
	if err != nil {
		t.Fatal(err)
	}
	want := page{Title: "The Title", Description: "What the page is about.", SiteName: "Example", Image: srv.URL + "/img/cover.png"}
	if pg != want {
		t.Fatalf("page = %+v, want %+v", pg, want)
	}
}

func TestParseFallbacks(t *testing.T) {
	base, _ := url.Parse("https://example.org/a/")
	for _, tc := range []struct {
		name, html string
		want       page
	}{
		{"title and description", `<title>Plain</title><meta name="description" content="Desc">`, page{Title: "Plain", Description: "Desc"}},
		{"twitter", `<meta name="twitter:title" content="TT"><meta name="twitter:image" content="i.jpg">`, page{Title: "TT", Image: "https://example.org/a/i.jpg"}},
		{"script image refused", `<meta property="og:title" content="T"><meta property="og:image" content="javascript:alert(1)">`, page{Title: "T"}},
		{"long title cut", `<title>` + strings.Repeat("é", 300) + `</title>`, page{Title: strings.Repeat("é", maxTitle-1) + "…"}},
		{"nothing", `<p>hi</p>`, page{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := parsePage([]byte(tc.html), base); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestFetchLimits(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><head><title>x</title></head>"+strings.Repeat("a", 4096))
		case "/slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/text":
			w.Header().Set("Content-Type", "text/plain")
			fmt.Fprint(w, "hello")
		}
	}))
	defer srv.Close()
	defer close(release)
	p := loopbackOnly()
	p.Timeout = 300 * time.Millisecond
	f := newFetcher(p, 1024, 1024, "test")
	if _, err := f.page(context.Background(), srv.URL+"/big"); !errors.Is(err, netguard.ErrTooLarge) {
		t.Fatalf("big page: %v, want ErrTooLarge", err)
	}
	if _, err := f.page(context.Background(), srv.URL+"/slow"); err == nil {
		t.Fatal("a page that never answers was fetched")
	}
	if _, err := f.page(context.Background(), srv.URL+"/text"); !errors.Is(err, ErrNotHTML) {
		t.Fatalf("text page: %v, want ErrNotHTML", err)
	}
}

// png is the smallest PNG header http.DetectContentType recognises.
var png = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)

func TestImageProxy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(png)
		case "/big.png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(append(png, make([]byte, 4096)...))
		case "/page.html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, ogPage)
		case "/lying.png":
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, "<html><script>alert(1)</script></html>")
		case "/a.svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			fmt.Fprint(w, `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
		}
	}))
	defer srv.Close()
	s := New(Config{Policy: loopbackOnly(), Secret: []byte("secret"), MaxImageBytes: 1024}, nil, nil, nil)
	ctx := context.Background()
	sigOf := func(raw string) string {
		u, _ := url.Parse(s.sign.path(raw))
		return u.Query().Get("sig")
	}
	ct, body, err := s.Image(ctx, srv.URL+"/a.png", sigOf(srv.URL+"/a.png"))
	if err != nil || ct != "image/png" || len(body) != len(png) {
		t.Fatalf("signed png: %q, %d bytes, %v", ct, len(body), err)
	}
	for _, tc := range []struct {
		name, url, sig string
		kind           apperr.Kind
	}{
		{"unsigned", srv.URL + "/a.png", "", apperr.KindForbidden},
		{"forged", srv.URL + "/a.png", strings.Repeat("0", 64), apperr.KindForbidden},
		{"signature of another URL", srv.URL + "/a.png?x", sigOf(srv.URL + "/a.png"), apperr.KindForbidden},
		{"html", srv.URL + "/page.html", sigOf(srv.URL + "/page.html"), apperr.KindUnavailable},
		{"html labelled png", srv.URL + "/lying.png", sigOf(srv.URL + "/lying.png"), apperr.KindUnavailable},
		{"svg", srv.URL + "/a.svg", sigOf(srv.URL + "/a.svg"), apperr.KindUnavailable},
		{"too large", srv.URL + "/big.png", sigOf(srv.URL + "/big.png"), apperr.KindUnavailable},
		{"signed but private", "http://169.254.169.254/x.png", sigOf("http://169.254.169.254/x.png"), apperr.KindUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.Image(ctx, tc.url, tc.sig)
			if apperr.KindOf(err) != tc.kind {
				t.Fatalf("err = %v (kind %v), want kind %v", err, apperr.KindOf(err), tc.kind)
			}
		})
	}
}

// memStore is the preview cache and switches in memory.
type memStore struct {
	mu       sync.Mutex
	cache    map[string]model.CachedPreview
	settings model.PreviewSettings
}

func (m *memStore) CachedPreview(_ context.Context, u string) (model.CachedPreview, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.cache[u]
	if !ok {
		return p, storage.ErrNotFound
	}
	return p, nil
}

func (m *memStore) PutCachedPreview(_ context.Context, p model.CachedPreview) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.cache[p.URL] = p
	return nil
}

func (m *memStore) PreviewSettings(context.Context, int64) (model.PreviewSettings, error) {
	return m.settings, nil
}

type attachCall struct {
	chatID, msgID int64
	link          string
}

type memMessages struct{ attached, detached []attachCall }

func (m *memMessages) AttachPreview(_ context.Context, _, chatID, msgID int64, link string) error {
	m.attached = append(m.attached, attachCall{chatID, msgID, link})
	return nil
}

func (m *memMessages) DetachPreview(_ context.Context, _, chatID, msgID int64) error {
	m.detached = append(m.detached, attachCall{chatID, msgID, ""})
	return nil
}

func messageEnvelope(t *testing.T, m model.Message) events.Envelope {
	t.Helper()
	body, err := events.Encode(events.MessageEvent{Header: events.ChatHeader(model.EventMessageCreated, m.WorkspaceID, m.ChatID, 1), Message: m})
	if err != nil {
		t.Fatal(err)
	}
	return events.FromModel(model.Event{ID: "e1", Type: model.EventMessageCreated, WorkspaceID: m.WorkspaceID, ChatID: m.ChatID, Payload: body})
}

func TestHandleHonoursTheWorkspaceSwitchAndCaches(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, ogPage)
	}))
	defer srv.Close()
	st := &memStore{cache: map[string]model.CachedPreview{}}
	msgs := &memMessages{}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(Config{Policy: loopbackOnly(), Secret: []byte("k"), Now: func() time.Time { return now }}, st, msgs, nil)
	ctx := context.Background()
	m := model.Message{ID: 7, ChatID: 3, WorkspaceID: 2, Sender: model.User{ID: 1}, Content: "look " + srv.URL + "/p. ok", Attachments: []model.File{}, Reactions: []model.ReactionCount{}, Mentions: []int64{}}

	st.settings = model.PreviewSettings{WorkspaceID: 2, LinkPreviews: false}
	if err := s.handle(ctx, messageEnvelope(t, m)); err != nil {
		t.Fatal(err)
	}
	if hits != 0 || len(msgs.attached) != 0 {
		t.Fatalf("previews off: %d fetches, attached %v", hits, msgs.attached)
	}

	st.settings.LinkPreviews = true
	for range 2 {
		if err := s.handle(ctx, messageEnvelope(t, m)); err != nil {
			t.Fatal(err)
		}
	}
	if hits != 1 {
		t.Fatalf("%d fetches for one URL, want 1 (cached)", hits)
	}
	want := attachCall{3, 7, srv.URL + "/p"}
	if len(msgs.attached) != 2 || msgs.attached[0] != want {
		t.Fatalf("attached %v, want %v", msgs.attached, want)
	}
	c := st.cache[srv.URL+"/p"]
	if !c.OK || c.Title != "The Title" || !strings.HasPrefix(c.ImageURL, ImagePath+"?") {
		t.Fatalf("cached %+v", c)
	}

	// A message already showing its link's preview (the worker's own
	// message.updated) is left alone.
	m.Preview = &c.LinkPreview
	msgs.attached = nil
	if err := s.handle(ctx, messageEnvelope(t, m)); err != nil || len(msgs.attached) != 0 {
		t.Fatalf("own update: attached %v, %v", msgs.attached, err)
	}
	// An edit that removed the link detaches the preview.
	m.Content = "no link now"
	if err := s.handle(ctx, messageEnvelope(t, m)); err != nil || len(msgs.detached) != 1 {
		t.Fatalf("edited away: detached %v, %v", msgs.detached, err)
	}
}

func TestFailuresAreCachedBriefly(t *testing.T) {
	st := &memStore{cache: map[string]model.CachedPreview{}, settings: model.PreviewSettings{LinkPreviews: true}}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(Config{Secret: []byte("k"), FailureTTL: time.Minute, Now: func() time.Time { return now }}, st, &memMessages{}, nil)
	c, err := s.Preview(context.Background(), "http://127.0.0.1:1/")
	if err != nil || c.OK || !c.ExpiresAt.Equal(now.Add(time.Minute)) {
		t.Fatalf("failure = %+v, %v", c, err)
	}
}
