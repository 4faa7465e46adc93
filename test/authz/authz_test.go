// Package authz checks who may do what over HTTP against a fully wired
// appliance: every endpoint of API.md's "Me and workspaces", "Chats",
// "Messages" and "Files" sections, for every kind of caller, as tables that
// read like the spec. The rules come from API.md: no token is 401; a
// workspace the caller is not in, or a chat the caller cannot see, is 404
// (its existence is not revealed); a visible resource whose action needs a
// higher role is 403.
package authz

import (
	"os"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// row is one endpoint and the status each actor gets.
type row struct {
	method string
	// path and body may hold placeholders: {ws}, {chat}, {msg} (the
	// member's message), {file} (attached in the chat), {code} (an invite
	// to {ws}), {extra} (a plain member, in both channels), {self} (the
	// caller), {emoji}, {n} (a unique number). body "@upload" is a multipart
	// upload.
	path, body string
	want       statuses
	// mutates says a success changes the fixture: the next cell gets a new one.
	mutates bool
	// after runs after a successful cell (e.g. to refresh a token the
	// request ended).
	after func(t *testing.T, w *world, a actor)
}

// statuses is one status per actor, in column order:
// anonymous, outsider, guest, non-member, member, chat-admin, ws-admin, owner.
type statuses [actorCount]int

// s builds a statuses row; it reads like the table's columns.
func s(anon, outs, guest, nonMem, mem, chatAdm, wsAdm, own int) statuses {
	return statuses{anon, outs, guest, nonMem, mem, chatAdm, wsAdm, own}
}

// refreshAfterPasswordChange gets the actor a new access token: a password
// change ends every access token, the current session's refresh token lives on.
func refreshAfterPasswordChange(t *testing.T, w *world, a actor) {
	if _, err := w.acct[a].c.Refresh(w.ctx); err != nil {
		t.Fatalf("%s refreshes after changing the password: %v", a, err)
	}
}

// workspaceRows covers "Me and workspaces", the workspace-level routes of
// "Chats", "Files" uploads and mentions. Non-chat actors see the fixture
// workspace the same way; the ws-admin and owner columns are the ones that
// differ.
var workspaceRows = []row{
	//                                                                              anon outs guest non-m mem  c-adm ws-adm owner
	{method: "GET", path: "/api/me", want: s(401, 200, 200, 200, 200, 200, 200, 200)},
	{method: "PATCH", path: "/api/me", body: `{"display_name":"New name"}`, want: s(401, 200, 200, 200, 200, 200, 200, 200)},
	{method: "POST", path: "/api/me/password", body: `{"current_password":"` + password + `","new_password":"` + password + `"}`,
		want: s(401, 204, 204, 204, 204, 204, 204, 204), after: refreshAfterPasswordChange},
	{method: "GET", path: "/api/workspaces", want: s(401, 200, 200, 200, 200, 200, 200, 200)},
	{method: "POST", path: "/api/workspaces", body: `{"name":"Another {n}"}`, want: s(401, 201, 201, 201, 201, 201, 201, 201)},
	{method: "GET", path: "/api/workspaces/{ws}", want: s(401, 404, 200, 200, 200, 200, 200, 200)},
	{method: "PATCH", path: "/api/workspaces/{ws}", body: `{"name":"Renamed {n}"}`, want: s(401, 404, 403, 403, 403, 403, 200, 200)},
	{method: "DELETE", path: "/api/workspaces/{ws}", want: s(401, 404, 403, 403, 403, 403, 403, 204), mutates: true},
	{method: "GET", path: "/api/workspaces/{ws}/members", want: s(401, 404, 200, 200, 200, 200, 200, 200)},
	{method: "PATCH", path: "/api/workspaces/{ws}/members/{extra}", body: `{"role":"member"}`, want: s(401, 404, 403, 403, 403, 403, 200, 200)},
	{method: "DELETE", path: "/api/workspaces/{ws}/members/{extra}", want: s(401, 404, 403, 403, 403, 403, 204, 204), mutates: true},
	{method: "DELETE", path: "/api/workspaces/{ws}/members/{self}", want: s(401, 404, 204, 204, 204, 204, 204, 409), mutates: true},
	{method: "POST", path: "/api/workspaces/{ws}/invites", body: `{}`, want: s(401, 404, 403, 403, 403, 403, 201, 201)},
	{method: "GET", path: "/api/invites/{code}", want: s(200, 200, 200, 200, 200, 200, 200, 200)},
	{method: "POST", path: "/api/invites/{code}/accept", want: s(401, 200, 200, 200, 200, 200, 200, 200), mutates: true},
	{method: "GET", path: "/api/workspaces/{ws}/chats", want: s(401, 404, 200, 200, 200, 200, 200, 200)},
	{method: "GET", path: "/api/workspaces/{ws}/commands", want: s(401, 404, 200, 200, 200, 200, 200, 200)},
	// Guests cannot join public channels, so they may not browse them either.
	{method: "GET", path: "/api/workspaces/{ws}/channels", want: s(401, 404, 403, 200, 200, 200, 200, 200)},
	{method: "POST", path: "/api/workspaces/{ws}/chats", body: `{"type":"public_channel","name":"new-{n}","member_ids":[]}`,
		want: s(401, 404, 403, 201, 201, 201, 201, 201)},
	{method: "POST", path: "/api/workspaces/{ws}/chats", body: `{"type":"private_channel","name":"new-{n}","member_ids":[]}`,
		want: s(401, 404, 403, 201, 201, 201, 201, 201)},
	{method: "POST", path: "/api/workspaces/{ws}/files", body: uploadBody, want: s(401, 404, 201, 201, 201, 201, 201, 201)},
	{method: "GET", path: "/api/mentions", want: s(401, 200, 200, 200, 200, 200, 200, 200)},
}

// privateChannelRows: only its members (the member and the chat admin who
// created it) can see a private channel; for everyone else it does not exist.
var privateChannelRows = []row{
	//                                                                              anon outs guest non-m mem  c-adm ws-adm owner
	{method: "GET", path: "/api/chats/{chat}", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "PATCH", path: "/api/chats/{chat}", body: `{"topic":"new topic {n}"}`, want: s(401, 404, 404, 404, 403, 200, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}", want: s(401, 404, 404, 404, 403, 204, 404, 404), mutates: true},
	{method: "GET", path: "/api/chats/{chat}/members", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/members", body: `{"user_ids":[{extra}]}`, want: s(401, 404, 404, 404, 403, 200, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}/members/{extra}", want: s(401, 404, 404, 404, 403, 204, 404, 404), mutates: true},
	{method: "DELETE", path: "/api/chats/{chat}/members/{self}", want: s(401, 404, 404, 404, 204, 204, 404, 404), mutates: true},
	{method: "POST", path: "/api/chats/{chat}/join", want: s(401, 404, 404, 404, 403, 403, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/read", body: `{"seq":1}`, want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/typing", want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/messages", body: `{"content":"hi {n}"}`, want: s(401, 404, 404, 404, 201, 201, 404, 404)},
	{method: "GET", path: "/api/chats/{chat}/messages", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "GET", path: "/api/chats/{chat}/messages/{msg}", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "PATCH", path: "/api/chats/{chat}/messages/{msg}", body: `{"content":"edited {n}"}`, want: s(401, 404, 404, 404, 200, 403, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}/messages/{msg}", want: s(401, 404, 404, 404, 204, 204, 404, 404), mutates: true},
	{method: "PUT", path: "/api/chats/{chat}/messages/{msg}/reactions/{emoji}", want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}/messages/{msg}/reactions/{emoji}", want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "GET", path: "/api/files/{file}", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
}

// publicChannelRows: every non-guest workspace member can see and read a
// public channel; writing needs membership (403 "join first"); channel
// admins are its creator and the workspace's admins and owners.
var publicChannelRows = []row{
	//                                                                              anon outs guest non-m mem  c-adm ws-adm owner
	{method: "GET", path: "/api/chats/{chat}", want: s(401, 404, 404, 200, 200, 200, 200, 200)},
	{method: "PATCH", path: "/api/chats/{chat}", body: `{"topic":"new topic {n}"}`, want: s(401, 404, 404, 403, 403, 200, 200, 200)},
	{method: "DELETE", path: "/api/chats/{chat}", want: s(401, 404, 404, 403, 403, 204, 204, 204), mutates: true},
	{method: "GET", path: "/api/chats/{chat}/members", want: s(401, 404, 404, 200, 200, 200, 200, 200)},
	{method: "POST", path: "/api/chats/{chat}/members", body: `{"user_ids":[{extra}]}`, want: s(401, 404, 404, 403, 200, 200, 200, 200)},
	{method: "DELETE", path: "/api/chats/{chat}/members/{extra}", want: s(401, 404, 404, 403, 403, 204, 204, 204), mutates: true},
	{method: "DELETE", path: "/api/chats/{chat}/members/{self}", want: s(401, 404, 404, 404, 204, 204, 404, 404), mutates: true},
	{method: "POST", path: "/api/chats/{chat}/join", want: s(401, 404, 404, 200, 200, 200, 200, 200), mutates: true},
	{method: "POST", path: "/api/chats/{chat}/read", body: `{"seq":1}`, want: s(401, 404, 404, 403, 204, 204, 403, 403)},
	{method: "POST", path: "/api/chats/{chat}/typing", want: s(401, 404, 404, 403, 204, 204, 403, 403)},
	{method: "POST", path: "/api/chats/{chat}/messages", body: `{"content":"hi {n}"}`, want: s(401, 404, 404, 403, 201, 201, 403, 403)},
	{method: "GET", path: "/api/chats/{chat}/messages", want: s(401, 404, 404, 200, 200, 200, 200, 200)},
	{method: "GET", path: "/api/chats/{chat}/messages/{msg}", want: s(401, 404, 404, 200, 200, 200, 200, 200)},
	{method: "PATCH", path: "/api/chats/{chat}/messages/{msg}", body: `{"content":"edited {n}"}`, want: s(401, 404, 404, 403, 200, 403, 403, 403)},
	{method: "DELETE", path: "/api/chats/{chat}/messages/{msg}", want: s(401, 404, 404, 403, 204, 204, 204, 204), mutates: true},
	{method: "PUT", path: "/api/chats/{chat}/messages/{msg}/reactions/{emoji}", want: s(401, 404, 404, 403, 204, 204, 403, 403)},
	{method: "DELETE", path: "/api/chats/{chat}/messages/{msg}/reactions/{emoji}", want: s(401, 404, 404, 403, 204, 204, 403, 403)},
	// Files go to the uploader and the members of chats where they are
	// attached; reading the channel is not enough.
	{method: "GET", path: "/api/files/{file}", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
}

// groupRows: a group is visible to its members only; any member may rename
// it or add people; removing others and deleting it is for its creator (the
// chat admin) and workspace admins who are in it.
var groupRows = []row{
	//                                                                              anon outs guest non-m mem  c-adm ws-adm owner
	{method: "GET", path: "/api/chats/{chat}", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "PATCH", path: "/api/chats/{chat}", body: `{"topic":"new topic {n}"}`, want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}", want: s(401, 404, 404, 404, 403, 204, 404, 404), mutates: true},
	{method: "GET", path: "/api/chats/{chat}/members", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/members", body: `{"user_ids":[{extra}]}`, want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}/members/{extra}", want: s(401, 404, 404, 404, 403, 204, 404, 404), mutates: true},
	{method: "DELETE", path: "/api/chats/{chat}/members/{self}", want: s(401, 404, 404, 404, 204, 204, 404, 404), mutates: true},
	{method: "POST", path: "/api/chats/{chat}/join", want: s(401, 404, 404, 404, 403, 403, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/read", body: `{"seq":1}`, want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/typing", want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/messages", body: `{"content":"hi {n}"}`, want: s(401, 404, 404, 404, 201, 201, 404, 404)},
	{method: "GET", path: "/api/chats/{chat}/messages", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "GET", path: "/api/chats/{chat}/messages/{msg}", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "PATCH", path: "/api/chats/{chat}/messages/{msg}", body: `{"content":"edited {n}"}`, want: s(401, 404, 404, 404, 200, 403, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}/messages/{msg}", want: s(401, 404, 404, 404, 204, 204, 404, 404), mutates: true},
	{method: "PUT", path: "/api/chats/{chat}/messages/{msg}/reactions/{emoji}", want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}/messages/{msg}/reactions/{emoji}", want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "GET", path: "/api/files/{file}", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
}

// directRows: a direct chat is the two people in it (the chat-admin column
// is the one who started it, a plain member of it); its membership and name
// never change; nobody but the sender deletes a message.
var directRows = []row{
	//                                                                              anon outs guest non-m mem  c-adm ws-adm owner
	{method: "GET", path: "/api/chats/{chat}", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "PATCH", path: "/api/chats/{chat}", body: `{"topic":"new topic {n}"}`, want: s(401, 404, 404, 404, 403, 403, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}", want: s(401, 404, 404, 404, 403, 204, 404, 404), mutates: true},
	{method: "GET", path: "/api/chats/{chat}/members", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/members", body: `{"user_ids":[{extra}]}`, want: s(401, 404, 404, 404, 403, 403, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}/members/{extra}", want: s(401, 404, 404, 404, 403, 403, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}/members/{self}", want: s(401, 404, 404, 404, 403, 403, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/join", want: s(401, 404, 404, 404, 403, 403, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/read", body: `{"seq":1}`, want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/typing", want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "POST", path: "/api/chats/{chat}/messages", body: `{"content":"hi {n}"}`, want: s(401, 404, 404, 404, 201, 201, 404, 404)},
	{method: "GET", path: "/api/chats/{chat}/messages", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "GET", path: "/api/chats/{chat}/messages/{msg}", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
	{method: "PATCH", path: "/api/chats/{chat}/messages/{msg}", body: `{"content":"edited {n}"}`, want: s(401, 404, 404, 404, 200, 403, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}/messages/{msg}", want: s(401, 404, 404, 404, 204, 403, 404, 404), mutates: true},
	{method: "PUT", path: "/api/chats/{chat}/messages/{msg}/reactions/{emoji}", want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "DELETE", path: "/api/chats/{chat}/messages/{msg}/reactions/{emoji}", want: s(401, 404, 404, 404, 204, 204, 404, 404)},
	{method: "GET", path: "/api/files/{file}", want: s(401, 404, 404, 404, 200, 200, 404, 404)},
}

// TestMatrix runs every table on every engine.
func TestMatrix(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel() // each engine has its own appliance
			w := newWorld(t, engine.dbURL(t))
			for _, table := range []struct {
				name string
				rows []row
				chat func(*fixture) chatFixture
			}{
				{"workspace", workspaceRows, func(f *fixture) chatFixture { return f.priv }},
				{"private channel", privateChannelRows, func(f *fixture) chatFixture { return f.priv }},
				{"public channel", publicChannelRows, func(f *fixture) chatFixture { return f.pub }},
				{"group", groupRows, func(f *fixture) chatFixture { return f.group }},
				{"direct chat", directRows, func(f *fixture) chatFixture { return f.dm }},
			} {
				t.Run(table.name, func(t *testing.T) {
					w.fx = nil
					for _, r := range table.rows {
						t.Run(r.method+" "+r.path, func(t *testing.T) { w.runRow(t, r, table.chat) })
					}
				})
			}
		})
	}
}

// runRow sends the row's request as every actor and compares the statuses.
func (w *world) runRow(t *testing.T, r row, chat func(*fixture) chatFixture) {
	for a := anonymous; a < actorCount; a++ {
		f := w.fixture(t)
		path := w.fill(r.path, f, chat(f), a)
		body := r.body
		if body != uploadBody {
			body = w.fill(body, f, chat(f), a)
		}
		got, answer := w.request(t, a, r.method, path, body)
		if got != r.want[a] {
			t.Errorf("%s %s as %s: got %d, want %d; answer: %s", r.method, path, a, got, r.want[a], snippet(answer))
		}
		if got >= 500 || (got >= 400 && !strings.Contains(string(answer), `"error"`)) {
			t.Errorf("%s %s as %s: %d without the API's error body: %s", r.method, path, a, got, snippet(answer))
		}
		if got >= 200 && got < 300 {
			if r.mutates {
				w.fx = nil
			}
			if r.after != nil {
				r.after(t, w, a)
			}
		}
	}
}

func snippet(b []byte) string {
	const max = 300
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// engines are the stores every matrix runs on.
var engines = []struct {
	name  string
	dbURL func(t *testing.T) string
}{
	{"sqlite", func(*testing.T) string { return "" }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}
