package appliance

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/hkdf"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/push"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

const previewSetupToken = "preview-test-setup-token"

// team is a started appliance with two people in one workspace: ann (the
// admin, who set it up) and bob (invited).
type team struct {
	a        *Appliance
	base     string
	ann, bob *client.Client
	annID    int64
	bobID    int64
	ws       int64
}

func startTeam(t *testing.T, dbURL string) team {
	t.Helper()
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.Database.URL = dbURL
	cfg.SetupToken = previewSetupToken
	cfg.Outbound.AllowCIDRs = []string{"127.0.0.1"} // the test's pages and push service
	logs := &syncBuffer{}
	a := startAppliance(t, cfg, logs)
	t.Cleanup(func() {
		if t.Failed() {
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "preview") || strings.Contains(l, "push") || strings.Contains(l, "consumer") || strings.Contains(l, "message") || strings.Contains(l, "ERROR") || strings.Contains(l, "WARN") {
					t.Log(l)
				}
			}
		}
	})
	base := "http://" + a.Addr()
	ann := client.New(base)
	s, err := ann.Setup(ctx, client.SetupInput{Email: "ann@example.com", Password: "correct horse battery",
		Username: "ann", DisplayName: "Ann", WorkspaceName: "Acme", SetupToken: previewSetupToken})
	if err != nil {
		t.Fatal(err)
	}
	wss, err := ann.Workspaces(ctx)
	if err != nil || len(wss) != 1 {
		t.Fatalf("workspaces %v, %v", wss, err)
	}
	inv, err := ann.CreateInvite(ctx, wss[0].ID, client.InviteOptions{MaxUses: 1})
	if err != nil {
		t.Fatal(err)
	}
	bob := client.New(base)
	bs, err := bob.SignUp(ctx, client.SignUpInput{Email: "bob@example.com", Password: "correct horse battery",
		Username: "bob", DisplayName: "Bob", InviteCode: inv.Code})
	if err != nil {
		t.Fatal(err)
	}
	return team{a: a, base: base, ann: ann, bob: bob, annID: s.User.ID, bobID: bs.User.ID, ws: wss[0].ID}
}

// waitEvent reads s until an event satisfies ok, failing after a minute.
func waitEvent(t *testing.T, s *client.EventStream, ok func(client.Event) bool) client.Event {
	t.Helper()
	found := make(chan client.Event, 1)
	go func() {
		for {
			ev, err := s.Next()
			if err != nil {
				close(found)
				return
			}
			if ok(ev) {
				found <- ev
				return
			}
		}
	}()
	select {
	case ev, open := <-found:
		if !open {
			t.Fatal("the event stream ended")
		}
		return ev
	case <-time.After(time.Minute):
		t.Fatal("no such event within a minute")
	}
	return client.Event{}
}

func TestLinkPreviewsEndToEnd(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	hits := map[string]int{}
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		if r.URL.Path == "/cover.png" {
			w.Header().Set("Content-Type", "image/png")
			w.Write(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 32)...))
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><head><meta property="og:title" content="Page %s">
			<meta property="og:description" content="About it"><meta property="og:image" content="/cover.png"></head></html>`, r.URL.Path)
	}))
	defer site.Close()
	tm := startTeam(t, "")
	ch, _, err := tm.ann.CreateChat(ctx, tm.ws, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "links", MemberIDs: []int64{tm.bobID}})
	if err != nil {
		t.Fatal(err)
	}
	// A second workspace with previews off; one consumer handles the
	// events in order, so once a later message of the first workspace
	// has its preview, the earlier one here was handled.
	ws2, err := tm.ann.CreateWorkspace(ctx, "Quiet")
	if err != nil {
		t.Fatal(err)
	}
	off := false
	if _, err := tm.bob.SetPreviewSettings(ctx, tm.ws, client.PreviewSettingsPatch{LinkPreviews: &off}); client.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("a member changed the settings: %v", err)
	}
	if set, err := tm.ann.SetPreviewSettings(ctx, ws2.ID, client.PreviewSettingsPatch{LinkPreviews: &off}); err != nil || set.LinkPreviews || !set.NotificationPreviews {
		t.Fatalf("settings %+v, %v", set, err)
	}
	quiet, _, err := tm.ann.CreateChat(ctx, ws2.ID, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "quiet"})
	if err != nil {
		t.Fatal(err)
	}
	stream, err := tm.bob.Events(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	waitEvent(t, stream, func(ev client.Event) bool { return ev.Type == "ready" })

	quietMsg, _, err := tm.ann.SendMessage(ctx, quiet.ID, client.SendMessageInput{Content: "not previewed: " + site.URL + "/quiet"})
	if err != nil {
		t.Fatal(err)
	}
	msg, _, err := tm.ann.SendMessage(ctx, ch.ID, client.SendMessageInput{Content: "look at " + site.URL + "/page."})
	if err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, stream, func(ev client.Event) bool {
		var p struct{ Message model.Message }
		return ev.Type == "message.updated" && ev.Decode(&p) == nil && p.Message.ID == msg.ID && p.Message.Preview != nil
	})
	var upd struct{ Message model.Message }
	_ = ev.Decode(&upd)
	p := upd.Message.Preview
	if p.URL != site.URL+"/page" || p.Title != "Page /page" || p.Description != "About it" || !strings.HasPrefix(p.ImageURL, "/api/link-previews/image?") {
		t.Fatalf("preview %+v", p)
	}
	if got, err := tm.bob.Message(ctx, ch.ID, msg.ID); err != nil || got.Preview == nil || *got.Preview != *p {
		t.Fatalf("message over REST: %+v, %v", got.Preview, err)
	}
	if got, _ := tm.ann.Message(ctx, quiet.ID, quietMsg.ID); got.Preview != nil {
		t.Fatalf("previews off, yet %+v", got.Preview)
	}
	mu.Lock()
	if hits["/quiet"] != 0 {
		t.Fatalf("the page of a workspace with previews off was fetched %d times", hits["/quiet"])
	}
	mu.Unlock()

	// The image comes through the server, signed; no signature, no proxy.
	resp, body := get(t, tm.base+p.ImageURL)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "max-age=") || !strings.HasPrefix(body, "\x89PNG") {
		t.Fatalf("image: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := get(t, tm.base+"/api/link-previews/image?url="+site.URL+"/cover.png"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unsigned image: %d", resp.StatusCode)
	}

	// Only the author removes it; it stays removed.
	if err := tm.bob.RemovePreview(ctx, ch.ID, msg.ID); client.StatusOf(err) != http.StatusForbidden {
		t.Fatalf("bob removed ann's preview: %v", err)
	}
	if err := tm.ann.RemovePreview(ctx, ch.ID, msg.ID); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, stream, func(ev client.Event) bool {
		var p struct{ Message model.Message }
		return ev.Type == "message.updated" && ev.Decode(&p) == nil && p.Message.ID == msg.ID && p.Message.Preview == nil
	})
	if got, _ := tm.bob.Message(ctx, ch.ID, msg.ID); got.Preview != nil {
		t.Fatalf("removed preview still shown: %+v", got.Preview)
	}
}

// pushService is a test push service: it records what it receives and
// answers 201, or 410 for the endpoints marked gone.
type pushService struct {
	*httptest.Server
	mu       sync.Mutex
	received map[string][]*http.Request
	bodies   map[string][][]byte
	gone     map[string]bool
}

func newPushService(t *testing.T) *pushService {
	ps := &pushService{received: map[string][]*http.Request{}, bodies: map[string][][]byte{}, gone: map[string]bool{}}
	ps.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ps.mu.Lock()
		ps.received[r.URL.Path] = append(ps.received[r.URL.Path], r)
		ps.bodies[r.URL.Path] = append(ps.bodies[r.URL.Path], b)
		gone := ps.gone[r.URL.Path]
		ps.mu.Unlock()
		if gone {
			w.WriteHeader(http.StatusGone)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	t.Cleanup(ps.Close)
	return ps
}

func (ps *pushService) count(path string) int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return len(ps.received[path])
}

// waitPush waits for the n-th push to path and returns its request and body.
func (ps *pushService) waitPush(t *testing.T, path string, n int) (*http.Request, []byte) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		ps.mu.Lock()
		if len(ps.received[path]) >= n {
			r, b := ps.received[path][n-1], ps.bodies[path][n-1]
			ps.mu.Unlock()
			return r, b
		}
		ps.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no push %d to %s within a minute", n, path)
	return nil, nil
}

// browser is a push subscription's private side, as a browser keeps it.
type browser struct {
	key  *ecdh.PrivateKey
	auth []byte
}

func newBrowser(t *testing.T) browser {
	key, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	return browser{key: key, auth: auth}
}

func (b browser) subscription(endpoint string) client.PushSubscriptionInput {
	var in client.PushSubscriptionInput
	in.Endpoint = endpoint
	in.Keys.P256dh = base64.RawURLEncoding.EncodeToString(b.key.PublicKey().Bytes())
	in.Keys.Auth = base64.RawURLEncoding.EncodeToString(b.auth)
	return in
}

// decrypt opens an aes128gcm push body (RFC 8188 with the RFC 8291 key
// derivation), as the browser does.
func (b browser) decrypt(t *testing.T, body []byte) []byte {
	t.Helper()
	if len(body) < 21 {
		t.Fatalf("push body of %d bytes", len(body))
	}
	salt, idLen := body[:16], int(body[20])
	_ = binary.BigEndian.Uint32(body[16:20])
	asPublic, ciphertext := body[21:21+idLen], body[21+idLen:]
	pub, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		t.Fatalf("key id is not the server's public key: %v", err)
	}
	shared, err := b.key.ECDH(pub)
	if err != nil {
		t.Fatal(err)
	}
	info := append(append([]byte("WebPush: info\x00"), b.key.PublicKey().Bytes()...), asPublic...)
	ikm := make([]byte, 32)
	io.ReadFull(hkdf.New(sha256.New, shared, b.auth, info), ikm)
	cek, nonce := make([]byte, 16), make([]byte, 12)
	io.ReadFull(hkdf.New(sha256.New, ikm, salt, []byte("Content-Encoding: aes128gcm\x00")), cek)
	io.ReadFull(hkdf.New(sha256.New, ikm, salt, []byte("Content-Encoding: nonce\x00")), nonce)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, ciphertext, nil)
	if err != nil {
		t.Fatalf("decrypt push: %v", err)
	}
	end := strings.LastIndexByte(string(plain), 2) // padding delimiter of the last record
	if end < 0 {
		t.Fatal("no padding delimiter")
	}
	return plain[:end]
}

// checkVAPID checks the Authorization header against the server's key.
func checkVAPID(t *testing.T, r *http.Request, publicKey, origin string) {
	t.Helper()
	h := r.Header.Get("Authorization")
	tok, k, ok := strings.Cut(strings.TrimPrefix(h, "vapid t="), ", k=")
	if !ok || k != strings.TrimRight(publicKey, "=") {
		t.Fatalf("Authorization %q (key %q)", h, publicKey)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(k)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		t.Fatalf("VAPID key: %v", err)
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return pub, nil },
		jwt.WithValidMethods([]string{"ES256"}), jwt.WithExpirationRequired()); err != nil {
		t.Fatalf("VAPID JWT: %v", err)
	}
	if claims["aud"] != origin {
		t.Fatalf("aud %v, want %s", claims["aud"], origin)
	}
	if r.Header.Get("Content-Encoding") != "aes128gcm" {
		t.Fatalf("Content-Encoding %q", r.Header.Get("Content-Encoding"))
	}
}

func TestWebPush(t *testing.T) {
	for _, engine := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) { testWebPush(t, engine.dbURL(t)) })
	}
}

func testWebPush(t *testing.T, dbURL string) {
	ctx := context.Background()
	ps := newPushService(t)
	tm := startTeam(t, dbURL)
	key, err := tm.bob.VAPIDPublicKey(ctx)
	if err != nil || key == "" {
		t.Fatalf("VAPID key %q, %v", key, err)
	}
	bobPhone, bobOld, annLaptop := newBrowser(t), newBrowser(t), newBrowser(t)
	if _, err := tm.bob.SubscribePush(ctx, bobPhone.subscription(ps.URL+"/bob-phone")); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.bob.SubscribePush(ctx, bobOld.subscription(ps.URL+"/bob-old")); err != nil {
		t.Fatal(err)
	}
	if _, err := tm.ann.SubscribePush(ctx, annLaptop.subscription(ps.URL+"/ann")); err != nil {
		t.Fatal(err)
	}
	bad := bobPhone.subscription("http://169.254.169.254/push")
	if _, err := tm.bob.SubscribePush(ctx, bad); client.StatusOf(err) != http.StatusBadRequest {
		t.Fatalf("metadata endpoint: %v", err)
	}
	bad = bobPhone.subscription(ps.URL + "/x")
	bad.Keys.P256dh = "AAAA"
	if _, err := tm.bob.SubscribePush(ctx, bad); client.StatusOf(err) != http.StatusBadRequest {
		t.Fatalf("bad key: %v", err)
	}
	ps.mu.Lock()
	ps.gone["/bob-old"] = true
	ps.mu.Unlock()

	dm, _, err := tm.ann.CreateChat(ctx, tm.ws, client.CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{tm.bobID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := tm.ann.SendMessage(ctx, dm.ID, client.SendMessageInput{Content: "lunch at noon?"}); err != nil {
		t.Fatal(err)
	}
	r, body := ps.waitPush(t, "/bob-phone", 1)
	checkVAPID(t, r, key, ps.URL)
	var n push.Notification
	if err := json.Unmarshal(bobPhone.decrypt(t, body), &n); err != nil {
		t.Fatal(err)
	}
	if n.Title != "Ann" || n.Body != "lunch at noon?" || n.ChatID != dm.ID || n.WorkspaceID != tm.ws {
		t.Fatalf("notification %+v", n)
	}
	ps.waitPush(t, "/bob-old", 1)
	// The gone subscription was deleted (after the push service said so).
	deadline := time.Now().Add(time.Minute)
	for {
		err := tm.bob.UnsubscribePush(ctx, ps.URL+"/bob-old")
		if client.StatusOf(err) == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the 410 subscription is still there: %v", err)
		}
		if err == nil {
			t.Fatal("deleted the gone subscription by hand: the server did not")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Bob looks at the app: no push; ann's push (bob answering) shows
	// the first message was handled by then.
	if err := tm.bob.ReportVisibility(ctx, "tab-1", true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tm.ann.SendMessage(ctx, dm.ID, client.SendMessageInput{Content: "are you there?"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tm.bob.SendMessage(ctx, dm.ID, client.SendMessageInput{Content: "yes"}); err != nil {
		t.Fatal(err)
	}
	ps.waitPush(t, "/ann", 1)
	if got := ps.count("/bob-phone"); got != 1 {
		t.Fatalf("%d pushes to bob while his tab was in view, want 1 (the earlier one)", got)
	}

	// Notification previews off: the push says only that there is a message.
	off := false
	if _, err := tm.ann.SetPreviewSettings(ctx, tm.ws, client.PreviewSettingsPatch{NotificationPreviews: &off}); err != nil {
		t.Fatal(err)
	}
	if err := tm.bob.ReportVisibility(ctx, "tab-1", false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := tm.ann.SendMessage(ctx, dm.ID, client.SendMessageInput{Content: "the secret plan"}); err != nil {
		t.Fatal(err)
	}
	_, body = ps.waitPush(t, "/bob-phone", 2)
	plain := bobPhone.decrypt(t, body)
	if strings.Contains(string(plain), "secret") || strings.Contains(string(plain), "Ann") {
		t.Fatalf("push with previews off carries text: %s", plain)
	}
	n = push.Notification{}
	if err := json.Unmarshal(plain, &n); err != nil || n.Title != "New direct message" || n.Body != "" || n.ChatID != dm.ID {
		t.Fatalf("notification %+v, %v", n, err)
	}
	if err := tm.bob.UnsubscribePush(ctx, ps.URL+"/bob-phone"); err != nil {
		t.Fatal(err)
	}
}
