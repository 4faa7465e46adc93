package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/telemetry"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// Limits of the test server: small, so oversize cases stay cheap.
const (
	testMaxBody = 4 << 10
	testMaxFile = 64 << 10
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testSetupToken is the setup token of the harness's server.
const testSetupToken = "api-test-setup-token"

// harness is the API wired to real services over a temp-file SQLite store,
// served by httptest.
type harness struct {
	t    *testing.T
	s    *server
	srv  *httptest.Server
	logs *syncBuffer
	// doc is the served OpenAPI document, used to check every answer.
	doc map[string]any
}

// newHarness builds the harness; edit may change the Deps and routes may
// add test-only routes to the engine before the server starts.
func newHarness(t *testing.T, edit func(d *Deps), routes func(s *server)) *harness {
	t.Helper()
	return newHarnessChat(t, nil, edit, routes)
}

// newHarnessChat is newHarness whose chat rules chatCfg may change first.
func newHarnessChat(t *testing.T, chatCfg func(c *chat.Config), edit func(d *Deps), routes func(s *server)) *harness {
	t.Helper()
	return newHarnessStore(t, chatCfg, func(d *Deps, _ storage.Store) {
		if edit != nil {
			edit(d)
		}
	}, routes)
}

// newHarnessStore is newHarnessChat whose edit also gets the store.
func newHarnessStore(t *testing.T, chatCfg func(c *chat.Config), edit func(d *Deps, st storage.Store), routes func(s *server)) *harness {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "fechatter.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	logs := &syncBuffer{}
	log := telemetry.NewLogger(logs, "json", "debug")
	authSvc := auth.New(st, auth.Config{
		SigningKey: []byte("api-test-signing-key-0123456789abcdef"),
		Argon:      auth.ArgonParams{Memory: 64, Time: 1, Threads: 1},
		ReuseGrace: -1,
		Log:        log,
	})
	authSvc.SetBotTokens(st)
	cc := chat.Config{FilesDir: t.TempDir(), MaxFileSize: testMaxFile}
	if chatCfg != nil {
		chatCfg(&cc)
	}
	chatSvc := chat.New(st, authSvc, cc, log)
	d := Deps{
		Chat: chatSvc, Auth: authSvc, Log: log, Setup: auth.NewSetupToken(testSetupToken, nil),
		Config: Config{MaxBodyBytes: testMaxBody, MaxFileSize: testMaxFile, SecureCookies: CookiesAlways, Version: "test"},
	}
	h := &harness{t: t, logs: logs}
	if edit != nil {
		edit(&d, st)
	}
	h.s = newServer(d)
	if routes != nil {
		routes(h.s)
	}
	h.srv = httptest.NewServer(h.s.engine)
	t.Cleanup(h.srv.Close)
	if err := json.Unmarshal(h.s.openapi(), &h.doc); err != nil {
		t.Fatalf("openapi document: %v", err)
	}
	return h
}

// req is one request to the harness.
type req struct {
	method, path string
	token        string
	// body is JSON-encoded unless it is a string or []byte (sent as is).
	body        any
	contentType string
	header      map[string]string
	cookies     []*http.Cookie
}

// resp is an answer, with its body read.
type resp struct {
	status int
	header http.Header
	body   []byte
	res    *http.Response
}

// json decodes the body into a generic value.
func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("answer %d is not a JSON object: %v: %s", r.status, err, r.body)
	}
	return v
}

// errCode returns error.code of an error answer.
func (r resp) errCode(t *testing.T) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	if e == nil {
		t.Fatalf("answer %d has no error object: %s", r.status, r.body)
	}
	code, _ := e["code"].(string)
	return code
}

// do sends rq and checks the answer against the OpenAPI document.
func (h *harness) do(rq req) resp {
	h.t.Helper()
	httpReq := h.build(rq)
	res, err := h.srv.Client().Do(httpReq)
	if err != nil {
		h.t.Fatalf("%s %s: %v", rq.method, rq.path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		h.t.Fatalf("read %s %s: %v", rq.method, rq.path, err)
	}
	r := resp{status: res.StatusCode, header: res.Header, body: body, res: res}
	h.checkAnswer(rq, r)
	return r
}

// build turns rq into an *http.Request.
func (h *harness) build(rq req) *http.Request {
	h.t.Helper()
	var body io.Reader
	ctype := rq.contentType
	switch b := rq.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatalf("encode body: %v", err)
		}
		body = bytes.NewReader(data)
		if ctype == "" {
			ctype = "application/json"
		}
	}
	httpReq, err := http.NewRequest(rq.method, h.srv.URL+rq.path, body)
	if err != nil {
		h.t.Fatalf("build request: %v", err)
	}
	if ctype != "" {
		httpReq.Header.Set("Content-Type", ctype)
	}
	if rq.token != "" {
		httpReq.Header.Set("Authorization", "Bearer "+rq.token)
	}
	for k, v := range rq.header {
		httpReq.Header.Set(k, v)
	}
	for _, c := range rq.cookies {
		httpReq.AddCookie(c)
	}
	return httpReq
}

// checkAnswer fails the test when an answer breaks the API's promises: a
// 5xx to a request the test did not mean to break, an error body of the
// wrong shape, or a JSON body that the OpenAPI document does not describe.
func (h *harness) checkAnswer(rq req, r resp) {
	h.t.Helper()
	if r.status >= 400 && rq.path != readyPath {
		e, _ := r.json(h.t)["error"].(map[string]any)
		if e == nil || e["code"] == "" || e["message"] == "" || e["request_id"] != r.header.Get("X-Request-ID") {
			h.t.Fatalf("%s %s: error answer %d of the wrong shape: %s", rq.method, rq.path, r.status, r.body)
		}
	}
	schema := h.responseSchema(rq.method, rq.path, r.status)
	if schema == nil || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		return
	}
	var v any
	if err := json.Unmarshal(r.body, &v); err != nil {
		h.t.Fatalf("%s %s: answer %d is not JSON: %s", rq.method, rq.path, r.status, r.body)
	}
	if err := validate(h.doc, schema, v, "$"); err != nil {
		h.t.Fatalf("%s %s: answer %d does not match the OpenAPI document: %v\n%s", rq.method, rq.path, r.status, err, r.body)
	}
}

// responseSchema finds the documented JSON schema of an answer, or nil
// when the path is not documented (test-only routes).
func (h *harness) responseSchema(method, path string, status int) map[string]any {
	tmpl := matchDocPath(h.doc, strings.SplitN(path, "?", 2)[0])
	if tmpl == "" {
		return nil
	}
	paths := h.doc["paths"].(map[string]any)
	op, _ := paths[tmpl].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if op == nil {
		return nil // 405: the error shape is checked above
	}
	responses := op["responses"].(map[string]any)
	rsp, ok := responses[fmt.Sprint(status)].(map[string]any)
	if !ok {
		if status < 400 {
			h.t.Fatalf("%s %s: status %d is not documented", method, path, status)
		}
		rsp = responses["default"].(map[string]any)
	}
	content, _ := rsp["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	if media == nil {
		return nil
	}
	return media["schema"].(map[string]any)
}

// matchDocPath returns the documented path template matching path, the
// one with the most literal segments when several do.
func matchDocPath(doc map[string]any, path string) string {
	segs := strings.Split(path, "/")
	best, bestScore := "", -1
	for tmpl := range doc["paths"].(map[string]any) {
		ts := strings.Split(tmpl, "/")
		if len(ts) != len(segs) {
			continue
		}
		score := 0
		for i := range ts {
			if strings.HasPrefix(ts[i], "{") {
				continue
			}
			if ts[i] != segs[i] {
				score = -1
				break
			}
			score++
		}
		if score > bestScore {
			best, bestScore = tmpl, score
		}
	}
	return best
}

// session is a signed-in test user.
type session struct {
	token string
	user  map[string]any
	id    int64
}

// sessionOf reads a session answer.
func sessionOf(t *testing.T, r resp) session {
	t.Helper()
	v := r.json(t)
	tok, _ := v["access_token"].(string)
	u, _ := v["user"].(map[string]any)
	if tok == "" || u == nil {
		t.Fatalf("not a session (%d): %s", r.status, r.body)
	}
	return session{token: tok, user: u, id: int64(u["id"].(float64))}
}

// setup runs first-run setup and returns the admin's session and the
// first workspace id.
func (h *harness) setup() (session, int64) {
	h.t.Helper()
	r := h.do(req{method: "POST", path: "/api/setup", body: map[string]any{
		"email": "admin@example.com", "password": "correct horse battery", "username": "admin",
		"display_name": "Admin", "workspace_name": "Acme", "refresh_in_body": true,
		"setup_token": testSetupToken,
	}})
	if r.status != http.StatusCreated {
		h.t.Fatalf("setup: %d %s", r.status, r.body)
	}
	s := sessionOf(h.t, r)
	ws := h.do(req{method: "GET", path: "/api/workspaces", token: s.token}).json(h.t)
	list := ws["workspaces"].([]any)
	return s, int64(list[0].(map[string]any)["id"].(float64))
}

// join signs up a second user through an invite of ws.
func (h *harness) join(admin session, ws int64, name string) session {
	h.t.Helper()
	inv := h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/invites", ws), token: admin.token})
	if inv.status != http.StatusCreated {
		h.t.Fatalf("invite: %d %s", inv.status, inv.body)
	}
	r := h.do(req{method: "POST", path: "/api/auth/signup", body: map[string]any{
		"email": name + "@example.com", "password": "correct horse battery", "username": name,
		"display_name": name, "invite_code": inv.json(h.t)["code"], "refresh_in_body": true,
	}})
	if r.status != http.StatusCreated {
		h.t.Fatalf("signup %s: %d %s", name, r.status, r.body)
	}
	return sessionOf(h.t, r)
}
