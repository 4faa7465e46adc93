package api

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/mail"
	"github.com/fechatter/fechatter/internal/mail/smtptest"
	"github.com/fechatter/fechatter/storage"
)

const testPublicURL = "https://chat.example.org/"

// mailHarness is the harness with a real SMTP server on loopback behind
// the mailer, and the email digest over the harness's store.
type mailHarness struct {
	*harness
	smtp   *smtptest.Server
	digest *mail.Digest
	// clock is the digest's now, as unix nanoseconds; online is the user
	// the digest sees in the web app (0: nobody).
	clock  atomic.Int64
	online atomic.Int64
}

func newMailHarness(t *testing.T, withSMTP bool) *mailHarness {
	t.Helper()
	mh := &mailHarness{smtp: smtptest.Start(t, smtptest.Options{})}
	mh.clock.Store(time.Now().UnixNano())
	cfg := mail.Config{From: "Fechatter <chat@example.org>", TLSMode: mail.TLSNone, Timeout: 10 * time.Second}
	if withSMTP {
		cfg.Host, cfg.Port = mh.smtp.Host, mh.smtp.Port
	}
	m := mail.New(cfg)
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop(context.Background()) })
	mh.harness = newHarnessStore(t, nil, func(d *Deps, st storage.Store) {
		mh.digest = mail.NewDigest(st, m, mail.DigestConfig{
			After: 15 * time.Minute, PublicURL: func() string { return testPublicURL }, Key: []byte("digest-test-key"),
			Online: func(uid int64) bool { return uid == mh.online.Load() },
			Now:    func() time.Time { return time.Unix(0, mh.clock.Load()) },
		})
		d.Mail, d.Recovery, d.Digest = m, d.Chat.(*chat.Service), mh.digest
		d.Config.PublicURL = func() string { return testPublicURL }
	}, nil)
	return mh
}

// linkIn finds the link to page in a mail body and returns its token.
func linkIn(t *testing.T, body, page string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(testPublicURL+page) + `\?token=(\S+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s link in mail:\n%s", page, body)
	}
	tok, err := url.QueryUnescape(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestPasswordResetByMail: the reset mail arrives for a known address
// only, with one answer for both; its link works once and ends every
// session of the account.
func TestPasswordResetByMail(t *testing.T) {
	h := newMailHarness(t, true)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	if v := want(t, h.do(req{method: "GET", path: "/api/setup"}), 200).json(t); v["mail_enabled"] != true {
		t.Fatalf("setup status %v", v)
	}
	unknown := want(t, h.do(req{method: "POST", path: "/api/auth/password-reset", body: map[string]any{"email": "nobody@example.com"}}), 202)
	known := want(t, h.do(req{method: "POST", path: "/api/auth/password-reset", body: map[string]any{"email": "Bob@Example.com"}}), 202)
	if string(unknown.body) != string(known.body) {
		t.Fatalf("answers differ: %s vs %s", unknown.body, known.body)
	}
	want(t, h.do(req{method: "POST", path: "/api/auth/password-reset", body: map[string]any{"email": ""}}), 400)
	// The mailer sends in order: had the unknown address got a mail, it
	// would be the first.
	got := h.smtp.Wait(t, 1)[0]
	if got.To[0] != "bob@example.com" || !strings.Contains(got.Header.Get("Subject"), "Reset") {
		t.Fatalf("first mail to %v: %s", got.To, got.Header.Get("Subject"))
	}
	token := linkIn(t, got.Body, "reset-password")
	confirm := "/api/auth/password-reset/confirm"
	want(t, h.do(req{method: "GET", path: "/api/me", token: bob.token}), 200)
	want(t, h.do(req{method: "POST", path: confirm, body: map[string]any{"token": token, "password": "short"}}), 400)
	want(t, h.do(req{method: "POST", path: confirm, body: map[string]any{"token": token, "password": "bob's brand new pw"}}), 204)
	want(t, h.do(req{method: "GET", path: "/api/me", token: bob.token}), 401)
	r := want(t, h.do(req{method: "POST", path: confirm, body: map[string]any{"token": token, "password": "yet another one"}}), 400)
	if r.errCode(t) != "invalid_request" || !strings.Contains(string(r.body), `"token"`) {
		t.Fatalf("used link: %s", r.body)
	}
	want(t, h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{"email": "bob@example.com", "password": "correct horse battery"}}), 401)
	want(t, h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{"email": "bob@example.com", "password": "bob's brand new pw"}}), 200)
	if n := len(h.smtp.Mails()); n != 1 {
		t.Fatalf("%d mails, want 1", n)
	}
}

// TestEmailChangeByMail: the link goes to the new address, and the email
// changes only when it is used.
func TestEmailChangeByMail(t *testing.T) {
	h := newMailHarness(t, true)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	path := "/api/me/email"
	want(t, h.do(req{method: "POST", path: path, token: bob.token, body: map[string]any{"email": "bob@new.example", "password": "wrong password"}}), 400)
	want(t, h.do(req{method: "POST", path: path, token: bob.token, body: map[string]any{"email": "admin@example.com", "password": "correct horse battery"}}), 202)
	want(t, h.do(req{method: "POST", path: path, token: bob.token, body: map[string]any{"email": "bob@new.example", "password": "correct horse battery"}}), 202)
	got := h.smtp.Wait(t, 1)[0]
	if got.To[0] != "bob@new.example" {
		t.Fatalf("confirmation went to %v (a taken address must get none)", got.To)
	}
	token := linkIn(t, got.Body, "confirm-email")
	if v := want(t, h.do(req{method: "GET", path: "/api/me", token: bob.token}), 200).json(t); v["email"] != "bob@example.com" {
		t.Fatalf("email changed before confirmation: %v", v["email"])
	}
	want(t, h.do(req{method: "POST", path: path + "/confirm", token: admin.token, body: map[string]any{"token": token}}), 400)
	v := want(t, h.do(req{method: "POST", path: path + "/confirm", token: bob.token, body: map[string]any{"token": token}}), 200).json(t)
	if v["email"] != "bob@new.example" {
		t.Fatalf("confirmed user %v", v)
	}
	want(t, h.do(req{method: "POST", path: path + "/confirm", token: bob.token, body: map[string]any{"token": token}}), 400)
	want(t, h.do(req{method: "POST", path: "/api/auth/signin", body: map[string]any{"email": "bob@new.example", "password": "correct horse battery"}}), 200)
}

// TestAdminResetLink: members get 403; an instance administrator gets a
// link under the public URL that works once, and the action is audited.
// Without SMTP, forgot-password still answers 202 and the server says
// mail is off; email changes answer 503.
func TestAdminResetLink(t *testing.T) {
	h := newMailHarness(t, false)
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	if v := want(t, h.do(req{method: "GET", path: "/api/setup"}), 200).json(t); v["mail_enabled"] != false {
		t.Fatalf("setup status %v", v)
	}
	want(t, h.do(req{method: "POST", path: "/api/auth/password-reset", body: map[string]any{"email": "bob@example.com"}}), 202)
	want(t, h.do(req{method: "POST", path: "/api/me/email", token: bob.token, body: map[string]any{"email": "b@new.example", "password": "correct horse battery"}}), 503)
	path := fmt.Sprintf("/api/admin/users/%d/reset-link", bob.id)
	want(t, h.do(req{method: "POST", path: path, token: bob.token}), 403)
	want(t, h.do(req{method: "POST", path: fmt.Sprintf("/api/admin/users/%d/reset-link", bob.id+100), token: admin.token}), 404)
	v := want(t, h.do(req{method: "POST", path: path, token: admin.token}), 201).json(t)
	link, _ := v["url"].(string)
	if !strings.HasPrefix(link, testPublicURL+"reset-password?token=") || v["expires_at"] == nil {
		t.Fatalf("reset link %v", v)
	}
	token := linkIn(t, link, "reset-password")
	want(t, h.do(req{method: "POST", path: "/api/auth/password-reset/confirm", body: map[string]any{"token": token, "password": "set by the link"}}), 204)
	want(t, h.do(req{method: "GET", path: "/api/me", token: bob.token}), 401)
	audit := want(t, h.do(req{method: "GET", path: "/api/admin/audit?action=user.reset_link", token: admin.token}), 200).json(t)
	if entries, _ := audit["entries"].([]any); len(entries) != 1 {
		t.Fatalf("audit %v", audit)
	}
	if n := len(h.smtp.Mails()); n != 0 {
		t.Fatalf("%d mails without SMTP configured", n)
	}
	if c := LimitClass("POST", "/api/auth/password-reset"); c != limitAuth {
		t.Fatalf("reset request in limit class %q", c)
	}
}

// TestEmailDigest: an unread direct message is mailed once, after the
// delay, to a user who is away; the unsubscribe link turns digests off
// without signing in.
func TestEmailDigest(t *testing.T) {
	h := newMailHarness(t, true)
	ctx := context.Background()
	admin, ws := h.setup()
	bob := h.join(admin, ws, "bob")
	dm := want(t, h.do(req{method: "POST", path: fmt.Sprintf("/api/workspaces/%d/chats", ws), token: admin.token,
		body: map[string]any{"type": "direct", "member_ids": []int64{bob.id}}}), 201)
	msgs := "/api/chats/" + itoa(idOf(t, dm)) + "/messages"
	say := func(text string) {
		want(t, h.do(req{method: "POST", path: msgs, token: admin.token, body: map[string]any{"content": text}}), 201)
	}
	round := func(wantSent int) {
		t.Helper()
		n, err := h.digest.Round(ctx)
		if err != nil || n != wantSent {
			t.Fatalf("digest round sent %d (%v), want %d", n, err, wantSent)
		}
	}
	later := func() { h.clock.Add(int64(20 * time.Minute)) }

	say("hello bob")
	round(0) // too recent
	later()
	h.online.Store(bob.id)
	round(0) // bob has the app open
	h.online.Store(0)
	later()
	round(1)
	round(0) // at most one digest per batch
	got := h.smtp.Wait(t, 1)[0]
	if got.To[0] != "bob@example.com" || !strings.Contains(got.Body, "hello bob") || !strings.Contains(got.Body, "Admin") {
		t.Fatalf("digest to %v:\n%s", got.To, got.Body)
	}
	unsub := got.Header.Get("List-Unsubscribe")
	if !strings.HasPrefix(unsub, "<"+testPublicURL+mail.UnsubscribePath+"?token=") {
		t.Fatalf("List-Unsubscribe %q", unsub)
	}

	say("second batch")
	later()
	round(1)
	second := h.smtp.Wait(t, 2)[1]
	if !strings.Contains(second.Body, "second batch") || strings.Contains(second.Body, "hello bob") {
		t.Fatalf("second digest:\n%s", second.Body)
	}

	if got.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("List-Unsubscribe-Post %q", got.Header.Get("List-Unsubscribe-Post"))
	}
	forged := "/api/notifications/unsubscribe?token=" + url.QueryEscape(fmt.Sprintf("%d.forged", bob.id))
	want(t, h.do(req{method: "GET", path: forged}), 400)
	want(t, h.do(req{method: "POST", path: forged}), 400)
	want(t, h.do(req{method: "GET", path: "/api/notifications/unsubscribe"}), 400)
	want(t, h.do(req{method: "POST", path: "/api/notifications/unsubscribe"}), 400)
	link := "/" + strings.TrimPrefix(strings.Trim(unsub, "<>"), testPublicURL)
	// Opening the link (as a mail scanner does) only shows a button.
	page := want(t, h.do(req{method: "GET", path: link}), 200)
	if !strings.Contains(string(page.body), `<form method="post">`) {
		t.Fatalf("unsubscribe page: %s", page.body)
	}
	if v := want(t, h.do(req{method: "GET", path: "/api/me/email-digest", token: bob.token}), 200).json(t); v["enabled"] != true {
		t.Fatalf("digest setting after opening the link: %v", v)
	}
	off := want(t, h.do(req{method: "POST", path: link}), 200)
	if !strings.Contains(string(off.body), "off") {
		t.Fatalf("unsubscribe answer: %s", off.body)
	}
	if v := want(t, h.do(req{method: "GET", path: "/api/me/email-digest", token: bob.token}), 200).json(t); v["enabled"] != false || v["active"] != true {
		t.Fatalf("digest setting after unsubscribe: %v", v)
	}
	say("after unsubscribing")
	later()
	round(0)
	want(t, h.do(req{method: "PUT", path: "/api/me/email-digest", token: bob.token, body: map[string]any{"enabled": true}}), 200)
	later()
	round(1)
	if third := h.smtp.Wait(t, 3)[2]; !strings.Contains(third.Body, "after unsubscribing") {
		t.Fatalf("third digest:\n%s", third.Body)
	}
}
