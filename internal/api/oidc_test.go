package api

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/chat"
)

// idp is a real OpenID provider on loopback (mockoidc) whose requests a
// test can tamper with.
type idp struct {
	*mockoidc.MockOIDC
	// evilNonce replaces the nonce of the next authorization request.
	evilNonce atomic.Bool
	// badVerifier replaces the PKCE verifier of the next token request.
	badVerifier atomic.Bool
	// lastAuthorize is the query of the last authorization request.
	lastAuthorize atomic.Value
}

func startIDP(t *testing.T) *idp {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &idp{MockOIDC: m}
	_ = m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			switch r.URL.Path {
			case mockoidc.AuthorizationEndpoint:
				p.lastAuthorize.Store(r.Form)
				if p.evilNonce.Swap(false) {
					r.Form.Set("nonce", "not-the-flow-nonce")
				}
			case mockoidc.TokenEndpoint:
				if p.badVerifier.Swap(false) {
					r.Form.Set("code_verifier", strings.Repeat("x", 50))
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return p
}

// ssoHarness is the API with two providers at one in-test OpenID
// provider: "corp" (only example.com, existing accounts only) and
// "open" (any verified email, creates accounts).
func ssoHarness(t *testing.T) (*harness, *idp) {
	h := newHarness(t, nil, nil)
	p := startIDP(t)
	cfg := p.Config()
	h.s.auth.(*auth.Service).SetOIDC(auth.OIDCConfig{
		CallbackBase: h.srv.URL + "/",
		CreateUser:   h.s.chat.(*chat.Service).CreateSSOUser,
		Providers: []auth.OIDCProvider{
			{ID: "corp", Name: "Corp", Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, AllowedDomains: []string{"example.com"}},
			{ID: "open", Name: "Open", Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, AutoCreate: true},
		},
	})
	return h, p
}

// noFollow is a client that shows redirects instead of following them.
var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// ssoResult is where a sign-in ended: the callback's redirect and the
// cookies it set.
type ssoResult struct {
	location string
	cookies  []*http.Cookie
}

// ssoError is the sso_error of a refused sign-in, "" on success.
func (r ssoResult) ssoError() string {
	u, _ := url.Parse(r.location)
	return u.Query().Get("sso_error")
}

// signInSSO runs a browser's single sign-on with provider; tamper may
// change the callback URL and the flow cookie before they are sent.
func signInSSO(t *testing.T, h *harness, provider string, tamper func(cb *url.URL, flow *http.Cookie) *http.Cookie) ssoResult {
	t.Helper()
	res, err := noFollow.Get(h.srv.URL + "/api/auth/oidc/" + provider + "/start")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("start: %d", res.StatusCode)
	}
	var flow *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == secureFlowCookie {
			flow = c
		}
	}
	if flow == nil || !flow.HttpOnly || flow.SameSite != http.SameSiteLaxMode || flow.MaxAge <= 0 {
		t.Fatalf("flow cookie = %+v", flow)
	}
	res, err = noFollow.Get(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cb, err := url.Parse(res.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(cb.String(), h.srv.URL+"/api/auth/oidc/"+provider+"/callback?") {
		t.Fatalf("provider redirected to %q (%d)", cb, res.StatusCode)
	}
	if tamper != nil {
		flow = tamper(cb, flow)
	}
	rq, _ := http.NewRequest(http.MethodGet, cb.String(), nil)
	if flow != nil {
		rq.AddCookie(flow)
	}
	res, err = noFollow.Do(rq)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("callback: %d", res.StatusCode)
	}
	return ssoResult{location: res.Header.Get("Location"), cookies: res.Cookies()}
}

// sessionFrom exchanges the refresh cookie of a good sign-in for a session.
func sessionFrom(t *testing.T, h *harness, r ssoResult) session {
	t.Helper()
	if r.location != "/" {
		t.Fatalf("sign-in refused: %s", r.location)
	}
	for _, c := range r.cookies {
		if c.Name == secureRefreshCookie && c.Value != "" {
			return sessionOf(t, h.do(req{method: "POST", path: "/api/auth/refresh", cookies: []*http.Cookie{c}}))
		}
	}
	t.Fatalf("no refresh cookie in %v", r.cookies)
	return session{}
}

func TestOIDCProvidersList(t *testing.T) {
	h, _ := ssoHarness(t)
	v := h.do(req{method: "GET", path: "/api/auth/oidc/providers"}).json(t)
	list := v["providers"].([]any)
	if len(list) != 2 || list[0].(map[string]any)["name"] != "Corp" || v["sso_only"] != false {
		t.Fatalf("providers = %v", v)
	}
	if r := h.do(req{method: "GET", path: "/api/auth/oidc/nope/start"}); r.status != http.StatusNotFound {
		t.Fatalf("unknown provider: %d", r.status)
	}
}

func TestOIDCLinkByEmailThenBySubject(t *testing.T) {
	h, p := ssoHarness(t)
	admin, _ := h.setup()
	p.QueueUser(&mockoidc.MockUser{Subject: "corp-1", Email: "Admin@Example.com", EmailVerified: true})
	s := sessionFrom(t, h, signInSSO(t, h, "corp", nil))
	if s.id != admin.id {
		t.Fatalf("signed in as %d, want the account with that email (%d)", s.id, admin.id)
	}
	q := p.lastAuthorize.Load().(url.Values)
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" {
		t.Fatalf("authorization request lacks PKCE or nonce: %v", q)
	}
	// Linked: the same subject signs in whatever email it has now.
	p.QueueUser(&mockoidc.MockUser{Subject: "corp-1", Email: "renamed@example.com", EmailVerified: true})
	if s := sessionFrom(t, h, signInSSO(t, h, "corp", nil)); s.id != admin.id {
		t.Fatalf("linked subject signed in as %d, want %d", s.id, admin.id)
	}
}

func TestOIDCRefusals(t *testing.T) {
	h, p := ssoHarness(t)
	h.setup()
	good := func() { p.QueueUser(&mockoidc.MockUser{Subject: "s", Email: "admin@example.com", EmailVerified: true}) }
	for _, tc := range []struct {
		name, provider, want string
		before               func()
		tamper               func(cb *url.URL, flow *http.Cookie) *http.Cookie
	}{
		{name: "tampered state", provider: "corp", want: "state", before: good, tamper: func(cb *url.URL, f *http.Cookie) *http.Cookie {
			q := cb.Query()
			q.Set("state", q.Get("state")+"x")
			cb.RawQuery = q.Encode()
			return f
		}},
		{name: "no flow cookie", provider: "corp", want: "state", before: good, tamper: func(*url.URL, *http.Cookie) *http.Cookie { return nil }},
		{name: "forged flow cookie", provider: "corp", want: "state", before: good, tamper: func(_ *url.URL, f *http.Cookie) *http.Cookie {
			return &http.Cookie{Name: f.Name, Value: f.Value[:len(f.Value)-4] + "AAAA"}
		}},
		{name: "flow of another provider", provider: "corp", want: "state", before: good, tamper: func(cb *url.URL, f *http.Cookie) *http.Cookie {
			cb.Path = strings.Replace(cb.Path, "/corp/", "/open/", 1)
			return f
		}},
		{name: "wrong nonce", provider: "corp", want: "nonce", before: func() { good(); p.evilNonce.Store(true) }},
		{name: "wrong PKCE verifier", provider: "corp", want: "exchange", before: func() { good(); p.badVerifier.Store(true) }},
		{name: "unverified email", provider: "corp", want: "email_unverified", before: func() {
			p.QueueUser(&mockoidc.MockUser{Subject: "u", Email: "admin@example.com", EmailVerified: false})
		}},
		{name: "unverified email, any domain", provider: "open", want: "email_unverified", before: func() {
			p.QueueUser(&mockoidc.MockUser{Subject: "u2", Email: "admin@example.com", EmailVerified: false})
		}},
		{name: "disallowed domain", provider: "corp", want: "domain_not_allowed", before: func() {
			p.QueueUser(&mockoidc.MockUser{Subject: "d", Email: "admin@example.org", EmailVerified: true})
		}},
		{name: "no account, invite only", provider: "corp", want: "no_account", before: func() {
			p.QueueUser(&mockoidc.MockUser{Subject: "n", Email: "stranger@example.com", EmailVerified: true})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.before()
			r := signInSSO(t, h, tc.provider, tc.tamper)
			if got := r.ssoError(); got != tc.want {
				t.Fatalf("sso_error = %q (location %s), want %q", got, r.location, tc.want)
			}
			for _, c := range r.cookies {
				if c.Name == secureRefreshCookie && c.Value != "" {
					t.Fatal("a refused sign-in set a refresh cookie")
				}
			}
		})
	}
}

func TestOIDCAutoCreate(t *testing.T) {
	h, p := ssoHarness(t)
	h.setup()
	p.QueueUser(&mockoidc.MockUser{Subject: "new-1", Email: "newbie@elsewhere.org", EmailVerified: true, PreferredUsername: "admin"})
	s := sessionFrom(t, h, signInSSO(t, h, "open", nil))
	if s.user["email"] != "newbie@elsewhere.org" || s.user["username"] == "admin" || s.user["is_admin"] != false {
		t.Fatalf("created account = %v", s.user)
	}
	// No password: password sign-in does not work for it.
	r := h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{"email": "newbie@elsewhere.org", "password": ""}})
	if r.status != http.StatusUnauthorized {
		t.Fatalf("password sign-in of an SSO account: %d", r.status)
	}
}
