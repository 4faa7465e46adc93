package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
)

// seen is one request as the test server received it.
type seen struct {
	Method, Path, Query, Auth, ContentType, UserAgent string
	Body                                              []byte
}

// recorder is a test server that records requests and answers each with
// the reply set by the test.
type recorder struct {
	mu     sync.Mutex
	reqs   []seen
	status int
	reply  string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, seen{req.Method, req.URL.EscapedPath(), req.URL.RawQuery, req.Header.Get("Authorization"),
		req.Header.Get("Content-Type"), req.Header.Get("User-Agent"), body})
	status, reply := r.status, r.reply
	r.mu.Unlock()
	if reply != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, reply)
}

func (r *recorder) last(t *testing.T) seen {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.reqs) == 0 {
		t.Fatal("server saw no request")
	}
	return r.reqs[len(r.reqs)-1]
}

func newRecorder(t *testing.T) (*recorder, *Client) {
	t.Helper()
	rec := &recorder{status: http.StatusOK}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, New(srv.URL+"/", WithUserAgent("test-agent"), WithTokens("acc", "ref"))
}

// TestRequestShapes checks method, path, query, body and auth of each typed method.
func TestRequestShapes(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		status int
		reply  string
		call   func(c *Client) (any, error)
		method string
		path   string
		query  string
		body   string // JSON, compared as a value; "" means no body
		public bool
		check  func(t *testing.T, got any)
	}{
		{name: "setup needed", reply: `{"needed":true}`, public: true,
			call:   func(c *Client) (any, error) { return c.SetupNeeded(ctx) },
			method: "GET", path: "/api/setup",
			check: func(t *testing.T, got any) { expect(t, got, true) }},
		{name: "setup", status: 201, reply: `{"user":{"id":1},"access_token":"a2","refresh_token":"r2","expires_in":900}`, public: true,
			call: func(c *Client) (any, error) {
				return c.Setup(ctx, SetupInput{Email: "e@x", Password: "pw", Username: "u", DisplayName: "U", WorkspaceName: "W", SetupToken: "st"})
			},
			method: "POST", path: "/api/setup",
			body: `{"email":"e@x","password":"pw","username":"u","display_name":"U","workspace_name":"W","setup_token":"st","refresh_in_body":true}`},
		{name: "signup", status: 201, reply: `{"access_token":"a2","refresh_token":"r2"}`, public: true,
			call: func(c *Client) (any, error) {
				return c.SignUp(ctx, SignUpInput{Email: "e@x", Password: "pw", Username: "u", DisplayName: "U", InviteCode: "c"})
			},
			method: "POST", path: "/api/auth/signup",
			body: `{"email":"e@x","password":"pw","username":"u","display_name":"U","invite_code":"c","refresh_in_body":true}`},
		{name: "signin", reply: `{"access_token":"a2","refresh_token":"r2"}`, public: true,
			call:   func(c *Client) (any, error) { return c.SignIn(ctx, "e@x", "pw") },
			method: "POST", path: "/api/auth/signin", body: `{"email":"e@x","password":"pw","refresh_in_body":true}`},
		{name: "refresh", reply: `{"access_token":"a2","refresh_token":"r2"}`, public: true,
			call:   func(c *Client) (any, error) { return c.Refresh(ctx) },
			method: "POST", path: "/api/auth/refresh", body: `{"refresh_token":"ref","refresh_in_body":true}`},
		{name: "logout", status: 204, call: func(c *Client) (any, error) { return nil, c.Logout(ctx) },
			method: "POST", path: "/api/auth/logout"},
		{name: "logout all", status: 204, call: func(c *Client) (any, error) { return nil, c.LogoutAll(ctx) },
			method: "POST", path: "/api/auth/logout-all"},
		{name: "sessions", reply: `{"sessions":[{"id":4,"user_agent":"ua","current":true}]}`,
			call:   func(c *Client) (any, error) { return c.Sessions(ctx) },
			method: "GET", path: "/api/auth/sessions",
			check: func(t *testing.T, got any) {
				s := got.([]SessionInfo)[0]
				expect(t, [2]any{s.ID, s.Current}, [2]any{int64(4), true})
			}},
		{name: "revoke session", status: 204, call: func(c *Client) (any, error) { return nil, c.RevokeSession(ctx, 4) },
			method: "DELETE", path: "/api/auth/sessions/4"},
		{name: "me", reply: `{"id":7,"username":"u"}`, call: func(c *Client) (any, error) { return c.Me(ctx) },
			method: "GET", path: "/api/me",
			check: func(t *testing.T, got any) { expect(t, got.(model.User).ID, int64(7)) }},
		{name: "update me", reply: `{"id":7}`,
			call:   func(c *Client) (any, error) { return c.UpdateMe(ctx, ProfilePatch{DisplayName: Ptr("D")}) },
			method: "PATCH", path: "/api/me", body: `{"display_name":"D"}`},
		{name: "drafts", reply: `{"drafts":[{"chat_id":5,"thread_id":0,"text":"hi"}]}`,
			call:   func(c *Client) (any, error) { return c.Drafts(ctx) },
			method: "GET", path: "/api/me/drafts",
			check: func(t *testing.T, got any) { expect(t, got.([]model.Draft)[0].Text, "hi") }},
		{name: "save draft", status: 204, call: func(c *Client) (any, error) { return nil, c.SaveDraft(ctx, 5, 9, "hi") },
			method: "PUT", path: "/api/chats/5/draft", body: `{"text":"hi","thread_id":9}`},
		{name: "mute chat", reply: `{"muted":true}`, call: func(c *Client) (any, error) { return nil, c.MuteChat(ctx, 5, true) },
			method: "PUT", path: "/api/chats/5/notifications", body: `{"muted":true}`},
		{name: "notification settings", reply: `{"sound":true,"dnd_until":null,"muted_chat_ids":[5]}`,
			call:   func(c *Client) (any, error) { return c.NotificationSettings(ctx) },
			method: "GET", path: "/api/me/notifications",
			check: func(t *testing.T, got any) { expect(t, got.(NotificationSettings).MutedChatIDs, []int64{5}) }},
		{name: "update notification settings", reply: `{"sound":false}`,
			call: func(c *Client) (any, error) {
				return c.UpdateNotificationSettings(ctx, NotificationPatch{Sound: Ptr(false), ScheduleStart: Ptr("22:00")})
			},
			method: "PATCH", path: "/api/me/notifications", body: `{"sound":false,"schedule_start":"22:00"}`},
		{name: "resume notifications", reply: `{"sound":true}`,
			call:   func(c *Client) (any, error) { return c.ResumeNotifications(ctx) },
			method: "PATCH", path: "/api/me/notifications", body: `{"dnd_until":null}`},
		{name: "change password", status: 204, call: func(c *Client) (any, error) { return nil, c.ChangePassword(ctx, "old", "new") },
			method: "POST", path: "/api/me/password", body: `{"current_password":"old","new_password":"new"}`},
		{name: "workspaces", reply: `{"workspaces":[{"id":3,"name":"W","role":"owner"}]}`,
			call:   func(c *Client) (any, error) { return c.Workspaces(ctx) },
			method: "GET", path: "/api/workspaces",
			check: func(t *testing.T, got any) { expect(t, got.([]Workspace)[0].Role, model.RoleOwner) }},
		{name: "create workspace", status: 201, reply: `{"id":3}`,
			call:   func(c *Client) (any, error) { return c.CreateWorkspace(ctx, "W") },
			method: "POST", path: "/api/workspaces", body: `{"name":"W"}`},
		{name: "workspace", reply: `{"id":3}`, call: func(c *Client) (any, error) { return c.Workspace(ctx, 3) },
			method: "GET", path: "/api/workspaces/3"},
		{name: "rename workspace", reply: `{"id":3}`, call: func(c *Client) (any, error) { return c.RenameWorkspace(ctx, 3, "N") },
			method: "PATCH", path: "/api/workspaces/3", body: `{"name":"N"}`},
		{name: "delete workspace", status: 204, call: func(c *Client) (any, error) { return nil, c.DeleteWorkspace(ctx, 3) },
			method: "DELETE", path: "/api/workspaces/3"},
		{name: "members", reply: `{"members":[{"user":{"id":9},"role":"guest"}]}`,
			call:   func(c *Client) (any, error) { return c.Members(ctx, 3) },
			method: "GET", path: "/api/workspaces/3/members",
			check: func(t *testing.T, got any) {
				m := got.([]model.Member)[0]
				expect(t, [3]any{m.UserID, m.WorkspaceID, m.Role}, [3]any{int64(9), int64(3), model.RoleGuest})
			}},
		{name: "set member role", reply: `{"user":{"id":9},"role":"admin"}`,
			call:   func(c *Client) (any, error) { return c.SetMemberRole(ctx, 3, 9, model.RoleAdmin) },
			method: "PATCH", path: "/api/workspaces/3/members/9", body: `{"role":"admin"}`},
		{name: "remove member", status: 204, call: func(c *Client) (any, error) { return nil, c.RemoveMember(ctx, 3, 9) },
			method: "DELETE", path: "/api/workspaces/3/members/9"},
		{name: "create invite", status: 201, reply: `{"code":"abc","expires_at":"2030-01-01T00:00:00Z"}`,
			call:   func(c *Client) (any, error) { return c.CreateInvite(ctx, 3, InviteOptions{MaxUses: 2}) },
			method: "POST", path: "/api/workspaces/3/invites", body: `{"max_uses":2}`,
			check: func(t *testing.T, got any) { expect(t, got.(Invite).Code, "abc") }},
		{name: "lookup invite", reply: `{"workspace":{"id":3,"name":"W"}}`, public: true,
			call:   func(c *Client) (any, error) { return c.LookupInvite(ctx, "a/b c") },
			method: "GET", path: "/api/invites/a%2Fb%20c",
			check: func(t *testing.T, got any) { expect(t, got.(model.Workspace).Name, "W") }},
		{name: "accept invite", reply: `{"id":3,"role":"member"}`,
			call:   func(c *Client) (any, error) { return c.AcceptInvite(ctx, "abc") },
			method: "POST", path: "/api/invites/abc/accept"},
		{name: "chats", reply: `{"chats":[{"id":5,"unread_count":2,"last_message":{"id":1,"sender":{"id":7}}}]}`,
			call:   func(c *Client) (any, error) { return c.Chats(ctx, 3) },
			method: "GET", path: "/api/workspaces/3/chats",
			check: func(t *testing.T, got any) {
				ch := got.([]model.ChatSummary)[0]
				expect(t, [2]int64{ch.UnreadCount, ch.LastMessage.SenderID}, [2]int64{2, 7})
			}},
		{name: "channels", reply: `{"chats":[]}`, call: func(c *Client) (any, error) { return c.Channels(ctx, 3) },
			method: "GET", path: "/api/workspaces/3/channels"},
		{name: "create chat", status: 201, reply: `{"id":5,"type":"direct"}`,
			call: func(c *Client) (any, error) {
				ch, created, err := c.CreateChat(ctx, 3, CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{9}})
				return [2]any{ch.ID, created}, err
			},
			method: "POST", path: "/api/workspaces/3/chats", body: `{"type":"direct","member_ids":[9]}`,
			check: func(t *testing.T, got any) { expect(t, got, [2]any{int64(5), true}) }},
		{name: "create chat existing", status: 200, reply: `{"id":5}`,
			call: func(c *Client) (any, error) {
				_, created, err := c.CreateChat(ctx, 3, CreateChatInput{Type: model.ChatPublicChannel, Name: "general"})
				return created, err
			},
			method: "POST", path: "/api/workspaces/3/chats", body: `{"type":"public_channel","name":"general","member_ids":[]}`,
			check: func(t *testing.T, got any) { expect(t, got, false) }},
		{name: "chat", reply: `{"id":5}`, call: func(c *Client) (any, error) { return c.Chat(ctx, 5) },
			method: "GET", path: "/api/chats/5"},
		{name: "update chat", reply: `{"id":5}`,
			call:   func(c *Client) (any, error) { return c.UpdateChat(ctx, 5, ChatPatch{Topic: Ptr("")}) },
			method: "PATCH", path: "/api/chats/5", body: `{"topic":""}`},
		{name: "delete chat", status: 204, call: func(c *Client) (any, error) { return nil, c.DeleteChat(ctx, 5) },
			method: "DELETE", path: "/api/chats/5"},
		{name: "chat members", reply: `{"members":[{"user":{"id":9},"role":"admin","last_read_seq":4}]}`,
			call:   func(c *Client) (any, error) { return c.ChatMembers(ctx, 5) },
			method: "GET", path: "/api/chats/5/members",
			check: func(t *testing.T, got any) {
				m := got.([]model.ChatMember)[0]
				expect(t, [3]int64{m.UserID, m.ChatID, m.LastReadSeq}, [3]int64{9, 5, 4})
			}},
		{name: "add chat members", reply: `{"members":[]}`,
			call:   func(c *Client) (any, error) { return c.AddChatMembers(ctx, 5, []int64{9, 10}) },
			method: "POST", path: "/api/chats/5/members", body: `{"user_ids":[9,10]}`},
		{name: "remove chat member", status: 204, call: func(c *Client) (any, error) { return nil, c.RemoveChatMember(ctx, 5, 9) },
			method: "DELETE", path: "/api/chats/5/members/9"},
		{name: "join chat", reply: `{"id":5}`, call: func(c *Client) (any, error) { return c.JoinChat(ctx, 5) },
			method: "POST", path: "/api/chats/5/join"},
		{name: "mark read", status: 204, call: func(c *Client) (any, error) { return nil, c.MarkRead(ctx, 5, 12) },
			method: "POST", path: "/api/chats/5/read", body: `{"seq":12}`},
		{name: "typing", status: 204, call: func(c *Client) (any, error) { return nil, c.Typing(ctx, 5) },
			method: "POST", path: "/api/chats/5/typing"},
		{name: "send message", status: 201, reply: `{"id":11,"seq":1,"sender":{"id":7}}`,
			call: func(c *Client) (any, error) {
				m, created, err := c.SendMessage(ctx, 5, SendMessageInput{Content: "hi", ClientID: "c1", ReplyTo: 10, AttachmentIDs: []int64{2}})
				return [2]any{m.SenderID, created}, err
			},
			method: "POST", path: "/api/chats/5/messages",
			body:  `{"content":"hi","client_id":"c1","reply_to":10,"attachment_ids":[2]}`,
			check: func(t *testing.T, got any) { expect(t, got, [2]any{int64(7), true}) }},
		{name: "send message again", status: 200, reply: `{"id":11}`,
			call: func(c *Client) (any, error) {
				_, created, err := c.SendMessage(ctx, 5, SendMessageInput{Content: "hi"})
				return created, err
			},
			method: "POST", path: "/api/chats/5/messages", body: `{"content":"hi"}`,
			check: func(t *testing.T, got any) { expect(t, got, false) }},
		{name: "messages", reply: `{"messages":[{"id":11,"seq":3}],"has_more":true}`,
			call: func(c *Client) (any, error) {
				return c.Messages(ctx, 5, MessageQuery{BeforeSeq: 4, Limit: 1, Thread: 10})
			},
			method: "GET", path: "/api/chats/5/messages", query: "before_seq=4&limit=1&thread=10",
			check: func(t *testing.T, got any) { expect(t, got.(MessagePage).HasMore, true) }},
		{name: "messages from the start", reply: `{"messages":[{"id":1,"seq":1}],"has_more":true}`,
			call:   func(c *Client) (any, error) { return c.Messages(ctx, 5, MessageQuery{FromStart: true, Limit: 1}) },
			method: "GET", path: "/api/chats/5/messages", query: "after_seq=0&limit=1"},
		{name: "message", reply: `{"id":11}`, call: func(c *Client) (any, error) { return c.Message(ctx, 5, 11) },
			method: "GET", path: "/api/chats/5/messages/11"},
		{name: "edit message", reply: `{"id":11}`, call: func(c *Client) (any, error) { return c.EditMessage(ctx, 5, 11, "new") },
			method: "PATCH", path: "/api/chats/5/messages/11", body: `{"content":"new"}`},
		{name: "delete message", status: 204, call: func(c *Client) (any, error) { return nil, c.DeleteMessage(ctx, 5, 11) },
			method: "DELETE", path: "/api/chats/5/messages/11"},
		{name: "react", status: 204, call: func(c *Client) (any, error) { return nil, c.React(ctx, 5, 11, "👍") },
			method: "PUT", path: "/api/chats/5/messages/11/reactions/%F0%9F%91%8D"},
		{name: "unreact", status: 204, call: func(c *Client) (any, error) { return nil, c.Unreact(ctx, 5, 11, "+1") },
			method: "DELETE", path: "/api/chats/5/messages/11/reactions/+1"},
		{name: "mentions unread", reply: `{"messages":[]}`, call: func(c *Client) (any, error) { return c.Mentions(ctx, true) },
			method: "GET", path: "/api/mentions", query: "unread=true"},
		{name: "mentions all", reply: `{"messages":[]}`, call: func(c *Client) (any, error) { return c.Mentions(ctx, false) },
			method: "GET", path: "/api/mentions"},
		{name: "do raw", reply: `{"x":1}`,
			call: func(c *Client) (any, error) {
				var out map[string]int
				err := c.Do(ctx, "POST", "/api/anything?a=1", []byte(`{"raw":true}`), &out)
				return out["x"], err
			},
			method: "POST", path: "/api/anything", query: "a=1", body: `{"raw":true}`,
			check: func(t *testing.T, got any) { expect(t, got, 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, c := newRecorder(t)
			if tc.status != 0 {
				rec.status = tc.status
			}
			rec.reply = tc.reply
			got, err := tc.call(c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			r := rec.last(t)
			if r.Method != tc.method || r.Path != tc.path || r.Query != tc.query {
				t.Errorf("request = %s %s?%s, want %s %s?%s", r.Method, r.Path, r.Query, tc.method, tc.path, tc.query)
			}
			checkAuth(t, r, tc.public)
			checkBody(t, r, tc.body)
			if r.UserAgent != "test-agent" {
				t.Errorf("User-Agent = %q", r.UserAgent)
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

func checkAuth(t *testing.T, r seen, public bool) {
	t.Helper()
	want := "Bearer acc"
	if public {
		want = ""
	}
	if r.Auth != want {
		t.Errorf("Authorization = %q, want %q", r.Auth, want)
	}
}

func checkBody(t *testing.T, r seen, want string) {
	t.Helper()
	if want == "" {
		if len(r.Body) != 0 {
			t.Errorf("body = %s, want none", r.Body)
		}
		return
	}
	if r.ContentType != "application/json" {
		t.Errorf("Content-Type = %q", r.ContentType)
	}
	var got, exp any
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("want %s: %v", want, err)
	}
	if fmt.Sprint(got) != fmt.Sprint(exp) {
		t.Errorf("body = %s, want %s", r.Body, want)
	}
}

func expect(t *testing.T, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestTokensKept checks which calls store and forget tokens.
func TestTokensKept(t *testing.T) {
	ctx := context.Background()
	rec, c := newRecorder(t)
	rec.reply = `{"access_token":"a2","refresh_token":"r2"}`
	if _, err := c.SignIn(ctx, "e", "p"); err != nil {
		t.Fatal(err)
	}
	if a, r := c.Tokens(); a != "a2" || r != "r2" {
		t.Fatalf("tokens after sign-in = %q %q", a, r)
	}
	rec.status, rec.reply = http.StatusNoContent, ""
	if err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if a, r := c.Tokens(); a != "" || r != "" {
		t.Fatalf("tokens after logout = %q %q", a, r)
	}
	if _, err := c.Refresh(ctx); err != ErrNoRefreshToken {
		t.Fatalf("refresh without token: %v", err)
	}
}
