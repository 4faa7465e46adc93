package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestStreamAuth: how GET /api/events authenticates. A bearer header
// works; a ticket works once; the session (refresh) cookie works from the
// same origin only; nothing, a bad token, or an access token in the URL is
// 401.
func TestStreamAuth(t *testing.T) { eachEngine(t, testStreamAuth) }

func testStreamAuth(t *testing.T, dbURL string) {
	n := startNode(t, dbURL)
	alice, _ := setup(t, n, "alice", "Acme")
	access, _ := alice.c.Tokens()

	t.Run("bearer", func(t *testing.T) {
		newRawEvents(t, rawGet(t, n, nil, bearer(alice.c))).readyOf(t, alice.id())
		openStream(t, alice.c, "alice", 0).ready(t, alice.id())
	})

	t.Run("ticket once", func(t *testing.T) {
		resp := rawDo(t, n, http.MethodPost, "/api/events/ticket", bearer(alice.c), nil)
		var body struct {
			Ticket    string `json:"ticket"`
			ExpiresIn int    `json:"expires_in"`
		}
		if resp.status != http.StatusCreated || json.Unmarshal(resp.body, &body) != nil || body.Ticket == "" || body.ExpiresIn <= 0 {
			t.Fatalf("POST /api/events/ticket = %d %s, want 201 with ticket and expires_in", resp.status, resp.body)
		}
		if strings.Contains(body.Ticket, access) || strings.Contains(access, body.Ticket) {
			t.Error("the ticket contains the access token or the other way round")
		}
		q := url.Values{"ticket": {body.Ticket}}
		newRawEvents(t, rawGet(t, n, q, nil)).readyOf(t, alice.id())
		wantRefused(t, "second use of a ticket", rawGet(t, n, q, nil), http.StatusUnauthorized)

		other, err := alice.c.EventTicket(context.Background())
		must(t, err)
		newRawEvents(t, rawGet(t, n, url.Values{"ticket": {other}}, nil)).readyOf(t, alice.id())

		wantRefused(t, "made-up ticket", rawGet(t, n, url.Values{"ticket": {strings.Repeat("A", 32)}}, nil), http.StatusUnauthorized)
		if resp := rawDo(t, n, http.MethodPost, "/api/events/ticket", nil, nil); resp.status != http.StatusUnauthorized {
			t.Errorf("a ticket without credentials: %d %s, want 401", resp.status, resp.body)
		}
	})

	t.Run("cookie same origin only", func(t *testing.T) {
		cookie, browserAccess := browserSignIn(t, n, alice.email)
		withCookie := func(site string) http.Header {
			h := http.Header{"Cookie": {cookie.String()}}
			if site != "" {
				h.Set("Sec-Fetch-Site", site)
			}
			return h
		}
		newRawEvents(t, rawGet(t, n, nil, withCookie("same-origin"))).readyOf(t, alice.id())
		// A browser reconnecting sends the same cookie again: it is not spent.
		newRawEvents(t, rawGet(t, n, nil, withCookie("same-origin"))).readyOf(t, alice.id())
		for _, site := range []string{"cross-site", "same-site"} {
			wantRefused(t, "cookie with Sec-Fetch-Site: "+site, rawGet(t, n, nil, withCookie(site)), http.StatusForbidden)
		}
		// The session ends: its cookie opens nothing any more.
		h := withCookie("same-origin")
		h.Set("Authorization", "Bearer "+browserAccess)
		logout := rawDo(t, n, http.MethodPost, "/api/auth/logout", h, nil)
		if logout.status != http.StatusNoContent {
			t.Fatalf("logout with the cookie: %d %s", logout.status, logout.body)
		}
		wantRefused(t, "cookie of an ended session", rawGet(t, n, nil, withCookie("same-origin")), http.StatusUnauthorized)
	})

	t.Run("no or bad credentials", func(t *testing.T) {
		wantRefused(t, "no credentials", rawGet(t, n, nil, nil), http.StatusUnauthorized)
		wantRefused(t, "a bearer token that is not one",
			rawGet(t, n, nil, http.Header{"Authorization": {"Bearer not-a-token"}}), http.StatusUnauthorized)
		for _, param := range []string{"access_token", "token", "bearer", "authorization", "ticket", "jwt"} {
			value := access
			if param == "authorization" {
				value = "Bearer " + access
			}
			wantRefused(t, "access token in the URL as ?"+param, rawGet(t, n, url.Values{param: {value}}, nil), http.StatusUnauthorized)
		}
	})
}

// answer is a whole (non-streaming) response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// rawDo sends one request to n with exactly the given headers and body.
func rawDo(t *testing.T, n *node, method, path string, hdr http.Header, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		must(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, n.url()+path, rd)
	must(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, vs := range hdr {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := httpClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	must(t, err)
	return answer{status: resp.StatusCode, header: resp.Header, body: data}
}

// browserSignIn signs in as a browser does (refresh token in the cookie)
// and returns the cookie and the access token.
func browserSignIn(t *testing.T, n *node, email string) (*http.Cookie, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, n.url()+"/api/auth/signin",
		strings.NewReader(`{"email":`+quote(email)+`,"password":`+quote(password)+`}`))
	must(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&body) != nil {
		t.Fatalf("browser sign-in: %s", resp.Status)
	}
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "fechatter_refresh") && c.Value != "" {
			if !c.HttpOnly {
				t.Errorf("refresh cookie %s is not HttpOnly", c.Name)
			}
			return &http.Cookie{Name: c.Name, Value: c.Value}, body.AccessToken
		}
	}
	t.Fatalf("browser sign-in set no refresh cookie (Set-Cookie: %q)", resp.Header.Values("Set-Cookie"))
	return nil, ""
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// wantRefused checks that a stream request was answered with status and
// the API's error body, not an event stream.
func wantRefused(t *testing.T, what string, resp *http.Response, status int) {
	t.Helper()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != status {
		t.Errorf("%s: %s %.200s, want %d", what, resp.Status, data, status)
		return
	}
	var body struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &body); err != nil || body.Error.Code == "" {
		t.Errorf("%s: %d with body %.200s, want the API's error body", what, status, data)
	}
}
