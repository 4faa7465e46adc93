package chat

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// chatRulesWorld is one workspace with a cast of users standing in every
// relation to a chat:
//
//	creator  workspace member, created the chat (chat admin)
//	peer     workspace member, in the chat
//	guestIn  workspace guest, in the chat (not in direct chats)
//	stranger workspace member, not in the chat
//	guest    workspace guest, not in the chat
//	admin    workspace admin, not in the chat
//	outsider not in the workspace
//
// plus target (a workspace member added by the "add" action) and victim (a
// chat member removed by the "remove" action).
type chatRulesWorld struct {
	s     *Service
	st    storage.Store
	ws    model.Workspace
	users map[string]model.User
	n     int
}

func newChatRulesWorld(t *testing.T, st storage.Store) *chatRulesWorld {
	t.Helper()
	w := &chatRulesWorld{s: newTestService(t, st, Config{FilesDir: t.TempDir()}), st: st, users: map[string]model.User{}}
	for _, name := range []string{"owner", "creator", "peer", "guestin", "stranger", "guest", "admin", "outsider", "target", "victim"} {
		w.users[name] = fixtureUser(t, st, name)
	}
	w.ws = fixtureWorkspace(t, w.s, w.users["owner"].ID, "rules")
	for name, role := range map[string]model.Role{
		"creator": model.RoleMember, "peer": model.RoleMember, "guestin": model.RoleGuest,
		"stranger": model.RoleMember, "guest": model.RoleGuest, "admin": model.RoleAdmin,
		"target": model.RoleMember, "victim": model.RoleMember,
	} {
		fixtureMember(t, st, w.ws.ID, w.users[name].ID, role)
	}
	return w
}

func (w *chatRulesWorld) id(name string) int64 { return w.users[name].ID }

// newChat creates a fresh chat of type typ by creator: direct with peer,
// otherwise with peer, guestin and victim.
func (w *chatRulesWorld) newChat(t *testing.T, typ model.ChatType) model.ChatSummary {
	t.Helper()
	w.n++
	in := CreateChatInput{Type: typ, MemberIDs: []int64{w.id("peer"), w.id("guestin"), w.id("victim")}}
	if typ == model.ChatDirect {
		in.MemberIDs = []int64{w.id("peer")}
	}
	if typ.IsChannel() {
		in.Name = fmt.Sprintf("%s %d", typ, w.n)
	}
	c, _, err := w.s.CreateChat(context.Background(), w.id("creator"), w.ws.ID, in)
	if err != nil {
		t.Fatalf("create %s: %v", typ, err)
	}
	return c
}

// outcome names the result of an action the way the rules table does.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	k := apperr.KindOf(err)
	if k == apperr.KindInternal {
		return "internal: " + err.Error()
	}
	return strconv.Itoa(k.Status())
}

// chatRuleActions run one action by actor on chat c and name the outcome.
var chatRuleActions = map[string]func(ctx context.Context, w *chatRulesWorld, c model.ChatSummary, actor string) string{
	"create": func(ctx context.Context, w *chatRulesWorld, c model.ChatSummary, actor string) string {
		var others []int64
		for _, n := range []string{"peer", "target", "creator"} {
			if n != actor {
				others = append(others, w.id(n))
			}
		}
		in := CreateChatInput{Type: c.Type, MemberIDs: others[:2]}
		switch {
		case c.Type == model.ChatDirect:
			in.MemberIDs = others[:1]
		case c.Type.IsChannel():
			w.n++
			in.Name = fmt.Sprintf("made by %s %d", actor, w.n)
		}
		_, _, err := w.s.CreateChat(ctx, w.id(actor), w.ws.ID, in)
		return outcome(err)
	},
	"read": func(ctx context.Context, w *chatRulesWorld, c model.ChatSummary, actor string) string {
		_, err1 := w.s.Chat(ctx, w.id(actor), c.ID)
		_, err2 := w.s.ChatMembers(ctx, w.id(actor), c.ID)
		_, _, err3 := w.s.Messages(ctx, w.id(actor), c.ID, MessageQuery{})
		if o1, o2, o3 := outcome(err1), outcome(err2), outcome(err3); o1 != o2 || o2 != o3 {
			return fmt.Sprintf("inconsistent: chat %s, members %s, messages %s", o1, o2, o3)
		}
		return outcome(err1)
	},
	"send": func(ctx context.Context, w *chatRulesWorld, c model.ChatSummary, actor string) string {
		_, _, err := w.s.SendMessage(ctx, w.id(actor), c.ID, SendMessageInput{Content: "hi from " + actor})
		return outcome(err)
	},
	"join": func(ctx context.Context, w *chatRulesWorld, c model.ChatSummary, actor string) string {
		_, err := w.s.JoinChat(ctx, w.id(actor), c.ID)
		return outcome(err)
	},
	"leave": func(ctx context.Context, w *chatRulesWorld, c model.ChatSummary, actor string) string {
		return outcome(w.s.RemoveChatMember(ctx, w.id(actor), c.ID, w.id(actor)))
	},
	"add": func(ctx context.Context, w *chatRulesWorld, c model.ChatSummary, actor string) string {
		_, err := w.s.AddChatMembers(ctx, w.id(actor), c.ID, []int64{w.id("target")})
		return outcome(err)
	},
	"remove": func(ctx context.Context, w *chatRulesWorld, c model.ChatSummary, actor string) string {
		victim := "victim"
		if c.Type == model.ChatDirect {
			victim = "peer"
		}
		return outcome(w.s.RemoveChatMember(ctx, w.id(actor), c.ID, w.id(victim)))
	},
	"browse": func(ctx context.Context, w *chatRulesWorld, c model.ChatSummary, actor string) string {
		list, err := w.s.ListChannels(ctx, w.id(actor), w.ws.ID)
		if err != nil {
			return outcome(err)
		}
		if slices.ContainsFunc(list, func(x model.ChatSummary) bool { return x.ID == c.ID }) {
			return "listed"
		}
		return "unlisted"
	},
	"rename": func(ctx context.Context, w *chatRulesWorld, c model.ChatSummary, actor string) string {
		w.n++
		name := fmt.Sprintf("renamed %d", w.n)
		_, err := w.s.UpdateChat(ctx, w.id(actor), c.ID, ChatPatch{Name: &name})
		return outcome(err)
	},
	"delete": func(ctx context.Context, w *chatRulesWorld, c model.ChatSummary, actor string) string {
		return outcome(w.s.DeleteChat(ctx, w.id(actor), c.ID))
	},
}

// chatRules is the permission table: action x chat type x actor. Outcomes
// are "ok", an HTTP status, or for browse whether the chat is listed.
var chatRules = []struct {
	action string
	typ    model.ChatType
	want   string // "actor:outcome ..."
}{
	{"create", model.ChatDirect, "creator:ok peer:ok guestin:ok stranger:ok guest:ok admin:ok outsider:404"},
	{"create", model.ChatGroup, "creator:ok peer:ok guestin:ok stranger:ok guest:ok admin:ok outsider:404"},
	{"create", model.ChatPrivateChannel, "creator:ok peer:ok guestin:403 stranger:ok guest:403 admin:ok outsider:404"},
	{"create", model.ChatPublicChannel, "creator:ok peer:ok guestin:403 stranger:ok guest:403 admin:ok outsider:404"},

	{"read", model.ChatDirect, "creator:ok peer:ok guestin:404 stranger:404 guest:404 admin:404 outsider:404"},
	{"read", model.ChatGroup, "creator:ok peer:ok guestin:ok stranger:404 guest:404 admin:404 outsider:404"},
	{"read", model.ChatPrivateChannel, "creator:ok peer:ok guestin:ok stranger:404 guest:404 admin:404 outsider:404"},
	{"read", model.ChatPublicChannel, "creator:ok peer:ok guestin:ok stranger:ok guest:404 admin:ok outsider:404"},

	{"send", model.ChatDirect, "creator:ok peer:ok guestin:404 stranger:404 guest:404 admin:404 outsider:404"},
	{"send", model.ChatGroup, "creator:ok peer:ok guestin:ok stranger:404 guest:404 admin:404 outsider:404"},
	{"send", model.ChatPrivateChannel, "creator:ok peer:ok guestin:ok stranger:404 guest:404 admin:404 outsider:404"},
	{"send", model.ChatPublicChannel, "creator:ok peer:ok guestin:ok stranger:403 guest:404 admin:403 outsider:404"},

	{"join", model.ChatDirect, "creator:403 peer:403 guestin:404 stranger:404 guest:404 admin:404 outsider:404"},
	{"join", model.ChatGroup, "creator:403 peer:403 guestin:403 stranger:404 guest:404 admin:404 outsider:404"},
	{"join", model.ChatPrivateChannel, "creator:403 peer:403 guestin:403 stranger:404 guest:404 admin:404 outsider:404"},
	{"join", model.ChatPublicChannel, "creator:ok peer:ok guestin:ok stranger:ok guest:404 admin:ok outsider:404"},

	{"leave", model.ChatDirect, "creator:403 peer:403 guestin:404 stranger:404 guest:404 admin:404 outsider:404"},
	{"leave", model.ChatGroup, "creator:ok peer:ok guestin:ok stranger:404 guest:404 admin:404 outsider:404"},
	{"leave", model.ChatPrivateChannel, "creator:ok peer:ok guestin:ok stranger:404 guest:404 admin:404 outsider:404"},
	{"leave", model.ChatPublicChannel, "creator:ok peer:ok guestin:ok stranger:404 guest:404 admin:404 outsider:404"},

	{"add", model.ChatDirect, "creator:403 peer:403 guestin:404 stranger:404 guest:404 admin:404 outsider:404"},
	{"add", model.ChatGroup, "creator:ok peer:ok guestin:ok stranger:404 guest:404 admin:404 outsider:404"},
	{"add", model.ChatPrivateChannel, "creator:ok peer:403 guestin:403 stranger:404 guest:404 admin:404 outsider:404"},
	{"add", model.ChatPublicChannel, "creator:ok peer:ok guestin:ok stranger:403 guest:404 admin:ok outsider:404"},

	{"remove", model.ChatDirect, "creator:403 peer:403 guestin:404 stranger:404 guest:404 admin:404 outsider:404"},
	{"remove", model.ChatGroup, "creator:ok peer:403 guestin:403 stranger:404 guest:404 admin:404 outsider:404"},
	{"remove", model.ChatPrivateChannel, "creator:ok peer:403 guestin:403 stranger:404 guest:404 admin:404 outsider:404"},
	{"remove", model.ChatPublicChannel, "creator:ok peer:403 guestin:403 stranger:403 guest:404 admin:ok outsider:404"},

	{"browse", model.ChatDirect, "creator:unlisted peer:unlisted guestin:403 stranger:unlisted guest:403 admin:unlisted outsider:404"},
	{"browse", model.ChatGroup, "creator:unlisted peer:unlisted guestin:403 stranger:unlisted guest:403 admin:unlisted outsider:404"},
	{"browse", model.ChatPrivateChannel, "creator:unlisted peer:unlisted guestin:403 stranger:unlisted guest:403 admin:unlisted outsider:404"},
	{"browse", model.ChatPublicChannel, "creator:unlisted peer:unlisted guestin:403 stranger:listed guest:403 admin:listed outsider:404"},

	{"rename", model.ChatDirect, "creator:403 peer:403 guestin:404 stranger:404 guest:404 admin:404 outsider:404"},
	{"rename", model.ChatGroup, "creator:ok peer:ok guestin:ok stranger:404 guest:404 admin:404 outsider:404"},
	{"rename", model.ChatPrivateChannel, "creator:ok peer:403 guestin:403 stranger:404 guest:404 admin:404 outsider:404"},
	{"rename", model.ChatPublicChannel, "creator:ok peer:403 guestin:403 stranger:403 guest:404 admin:ok outsider:404"},

	{"delete", model.ChatDirect, "creator:ok peer:403 guestin:404 stranger:404 guest:404 admin:404 outsider:404"},
	{"delete", model.ChatGroup, "creator:ok peer:403 guestin:403 stranger:404 guest:404 admin:404 outsider:404"},
	{"delete", model.ChatPrivateChannel, "creator:ok peer:403 guestin:403 stranger:404 guest:404 admin:404 outsider:404"},
	{"delete", model.ChatPublicChannel, "creator:ok peer:403 guestin:403 stranger:403 guest:404 admin:ok outsider:404"},
}

func TestChatRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		for _, rule := range chatRules {
			for _, pair := range strings.Fields(rule.want) {
				actor, want, _ := strings.Cut(pair, ":")
				t.Run(rule.action+"/"+string(rule.typ)+"/"+actor, func(t *testing.T) {
					c := w.newChat(t, rule.typ)
					if got := chatRuleActions[rule.action](ctx, w, c, actor); got != want {
						t.Fatalf("%s %s by %s: got %s, want %s", rule.action, rule.typ, actor, got, want)
					}
				})
			}
		}
	})
}
