package search

import (
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
)

// permToken is in every message of the permission world.
const permToken = "zephyr"

// permWorld is workspace Acme seen by people with different rights, plus
// workspace Other that only alice and mallory belong to.
type permWorld struct {
	general, lounge, secret, dm, group, guestroom, leavers, ops model.ChatSummary
	bchan                                                       model.ChatSummary // in Other
	all                                                         []sent            // every message of Acme
	other                                                       []sent            // every message of Other
}

// setup: alice sets up Acme; bob and carol join it as members, gina as a
// guest; alice also makes Other, which mallory joins (mallory is not in Acme).
func (s *suite) setup(t *testing.T) {
	c := s.srv.client("", "")
	sess, err := c.Setup(s.ctx, client.SetupInput{
		Email: "alice@example.com", Password: password, Username: "alice", DisplayName: "Alice", WorkspaceName: "Acme",
		SetupToken: testproc.SetupToken,
	})
	mustDo(t, err)
	s.alice = &user{c: c, u: sess.User, email: "alice@example.com"}
	s.users = append(s.users, s.alice)
	wss, err := c.Workspaces(s.ctx)
	mustDo(t, err)
	if len(wss) != 1 {
		t.Fatalf("alice's workspaces = %+v", wss)
	}
	s.acme = wss[0]
	inv, err := c.CreateInvite(s.ctx, s.acme.ID, client.InviteOptions{MaxUses: 10})
	mustDo(t, err)
	s.bob = s.signUp(t, "bob", inv.Code)
	s.carol = s.signUp(t, "carol", inv.Code)
	s.gina = s.signUp(t, "gina", inv.Code)
	_, err = c.SetMemberRole(s.ctx, s.acme.ID, s.gina.u.ID, model.RoleGuest)
	mustDo(t, err)

	s.other, err = c.CreateWorkspace(s.ctx, "Other")
	mustDo(t, err)
	inv, err = c.CreateInvite(s.ctx, s.other.ID, client.InviteOptions{})
	mustDo(t, err)
	s.mallory = s.signUp(t, "mallory", inv.Code)
}

// permissionWorld fills Acme and Other, and checks that bob loses a chat's
// messages the moment he leaves it or is removed from it.
func (s *suite) permissionWorld(t *testing.T) {
	w := &s.perm
	a, ws := s.alice, s.acme.ID
	mk := func(typ model.ChatType, name string, members ...*user) model.ChatSummary {
		ids := []int64{}
		for _, m := range members {
			ids = append(ids, m.u.ID)
		}
		return s.newChat(t, a, ws, client.CreateChatInput{Type: typ, Name: name, MemberIDs: ids})
	}
	w.general = mk(model.ChatPublicChannel, "hall")  // #general itself exists in every new workspace
	w.lounge = mk(model.ChatPublicChannel, "lounge") // bob can read it but never joins
	w.secret = mk(model.ChatPrivateChannel, "secret", s.carol)
	w.dm = mk(model.ChatDirect, "", s.carol)
	w.group = mk(model.ChatGroup, "trio", s.bob, s.carol)
	w.guestroom = mk(model.ChatPrivateChannel, "guestroom", s.bob, s.gina)
	w.leavers = mk(model.ChatPublicChannel, "leavers")
	w.ops = mk(model.ChatPrivateChannel, "ops", s.bob)
	for _, c := range []model.ChatSummary{w.general, w.leavers} {
		_, err := s.bob.c.JoinChat(s.ctx, c.ID)
		mustDo(t, err)
	}
	_, err := s.gina.c.JoinChat(s.ctx, w.general.ID)
	wantStatus(t, "guest joins a public channel (not readable to guests)", err, 404)
	s.general = w.general

	say := func(u *user, c model.ChatSummary, text string) {
		w.all = append(w.all, s.send(t, u, c, permToken+" "+text))
	}
	say(a, w.general, "general alpha")
	say(s.bob, w.general, "general bravo")
	say(a, w.lounge, "lounge")
	say(a, w.secret, "secret")
	say(s.carol, w.secret, "secret reply")
	say(s.carol, w.dm, "direct")
	say(s.carol, w.group, "group")
	say(a, w.guestroom, "guestroom")
	say(s.gina, w.guestroom, "guestroom from the guest")
	say(a, w.leavers, "leavers")
	say(s.bob, w.leavers, "leavers from bob")
	say(a, w.ops, "ops")

	w.bchan = s.newChat(t, a, s.other.ID, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "bchan"})
	_, err = s.mallory.c.JoinChat(s.ctx, w.bchan.ID)
	mustDo(t, err)
	w.other = append(w.other, s.send(t, a, w.bchan, permToken+" other workspace"), s.send(t, s.mallory, w.bchan, permToken+" from mallory"))

	q := client.SearchParams{Query: permToken, Limit: 100, Facets: allFacets}
	s.waitExactly(t, a, ws, q, w.all) // everything is indexed
	s.waitExactly(t, a, s.other.ID, q, w.other)

	// While a member, bob finds leavers and ops; the moment he leaves one
	// and is removed from the other, he finds neither (not even his own
	// message): the scope is read at query time, not from the index.
	s.expectExactly(t, s.bob, ws, q, inChats(w.all, w.general, w.group, w.guestroom, w.leavers, w.ops))
	mustDo(t, s.bob.c.RemoveChatMember(s.ctx, w.leavers.ID, s.bob.u.ID))
	mustDo(t, a.c.RemoveChatMember(s.ctx, w.ops.ID, s.bob.u.ID))
	s.expectExactly(t, s.bob, ws, q, inChats(w.all, w.general, w.group, w.guestroom))
}

// permissionMatrix: each person, with text and without (browse), finds
// exactly the messages of the chats they are in now, in totals and in every
// facet; client filters only narrow that.
func (s *suite) permissionMatrix(t *testing.T) {
	w := &s.perm
	ws := s.acme.ID
	for _, tc := range []struct {
		who  *user
		ws   int64
		want []sent
	}{
		{s.alice, ws, w.all},
		{s.bob, ws, inChats(w.all, w.general, w.group, w.guestroom)},
		{s.carol, ws, inChats(w.all, w.secret, w.dm, w.group)},
		{s.gina, ws, inChats(w.all, w.guestroom)},
		{s.alice, s.other.ID, w.other},
		{s.mallory, s.other.ID, w.other},
	} {
		for _, text := range []string{permToken, "", "zeph", "zephyt"} {
			s.expectExactly(t, tc.who, tc.ws, client.SearchParams{Query: text, Limit: 100, Facets: allFacets}, tc.want)
		}
	}

	// Filters never widen.
	from := func(u *user) func(sent) bool { return func(m sent) bool { return m.msg.SenderID == u.u.ID } }
	for _, tc := range []struct {
		name string
		who  *user
		p    client.SearchParams
		want []sent
	}{
		{"bob: private channel he is not in", s.bob, client.SearchParams{ChatIDs: []int64{w.secret.ID}}, nil},
		{"bob: public channel he has not joined", s.bob, client.SearchParams{ChatIDs: []int64{w.lounge.ID}}, nil},
		{"bob: chats he left or was removed from", s.bob, client.SearchParams{ChatIDs: []int64{w.leavers.ID, w.ops.ID}}, nil},
		{"bob: direct chat of others", s.bob, client.SearchParams{ChatIDs: []int64{w.dm.ID}}, nil},
		{"bob: chat of another workspace", s.bob, client.SearchParams{ChatIDs: []int64{w.bchan.ID}}, nil},
		{"bob: his chat and a forbidden one", s.bob, client.SearchParams{ChatIDs: []int64{w.secret.ID, w.general.ID}}, inChats(w.all, w.general)},
		{"bob: by carol", s.bob, client.SearchParams{SenderIDs: []int64{s.carol.u.ID}}, inChats(w.all, w.group)},
		{"bob: by mallory", s.bob, client.SearchParams{SenderIDs: []int64{s.mallory.u.ID}}, nil},
		{"bob: by himself", s.bob, client.SearchParams{SenderIDs: []int64{s.bob.u.ID}}, where(inChats(w.all, w.general), from(s.bob))},
		{"bob: private channels", s.bob, client.SearchParams{ChatTypes: []model.ChatType{model.ChatPrivateChannel}}, inChats(w.all, w.guestroom)},
		{"bob: public channels", s.bob, client.SearchParams{ChatTypes: []model.ChatType{model.ChatPublicChannel}}, inChats(w.all, w.general)},
		{"bob: direct chats", s.bob, client.SearchParams{ChatTypes: []model.ChatType{model.ChatDirect}}, nil},
		{"bob: carol in the direct chat", s.bob, client.SearchParams{ChatIDs: []int64{w.dm.ID}, SenderIDs: []int64{s.carol.u.ID}}, nil},
		{"gina: public channel", s.gina, client.SearchParams{ChatIDs: []int64{w.general.ID}}, nil},
		{"gina: public channels", s.gina, client.SearchParams{ChatTypes: []model.ChatType{model.ChatPublicChannel}}, nil},
		{"gina: by alice", s.gina, client.SearchParams{SenderIDs: []int64{s.alice.u.ID}}, where(inChats(w.all, w.guestroom), from(s.alice))},
		{"carol: guestroom", s.carol, client.SearchParams{ChatIDs: []int64{w.guestroom.ID}}, nil},
		{"alice: chat of her other workspace", s.alice, client.SearchParams{ChatIDs: []int64{w.bchan.ID}}, nil},
		{"alice: mallory (of her other workspace)", s.alice, client.SearchParams{SenderIDs: []int64{s.mallory.u.ID}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, text := range []string{permToken, ""} {
				p := tc.p
				p.Query, p.Limit, p.Facets = text, 100, allFacets
				s.expectExactly(t, tc.who, ws, p, tc.want)
			}
		})
	}
}

// permissionNotFound: a workspace the caller is not in answers 404, for
// searches and settings alike, as does a removed member.
func (s *suite) permissionNotFound(t *testing.T) {
	q := client.SearchParams{Query: permToken}
	for _, tc := range []struct {
		name string
		who  *user
		ws   int64
	}{
		{"mallory in Acme", s.mallory, s.acme.ID},
		{"bob in Other", s.bob, s.other.ID},
		{"gina in Other", s.gina, s.other.ID},
		{"alice in a workspace that does not exist", s.alice, s.other.ID + 1000},
	} {
		_, err := tc.who.c.Search(s.ctx, tc.ws, q)
		wantStatus(t, tc.name+": search", err, 404)
		_, err = tc.who.c.Search(s.ctx, tc.ws, client.SearchParams{ChatIDs: []int64{s.perm.general.ID}})
		wantStatus(t, tc.name+": browse a chat", err, 404)
		_, err = tc.who.c.SearchSettings(s.ctx, tc.ws)
		wantStatus(t, tc.name+": settings", err, 404)
		_, err = tc.who.c.SetSearchSettings(s.ctx, tc.ws, defaultSettings())
		wantStatus(t, tc.name+": change settings", err, 404)
	}
	_, err := s.srv.client("", "").Search(s.ctx, s.acme.ID, q)
	wantStatus(t, "no session", err, 401)
}

// deletedAndEdited: a deleted message leaves the results (hits, total,
// facets); an edited one is found by its new text only.
func (s *suite) deletedAndEdited(t *testing.T) {
	ws, general := s.acme.ID, s.perm.general
	doomed := s.send(t, s.alice, general, "quokka doomed words")
	q := client.SearchParams{Query: "quokka", Limit: 100, Facets: allFacets}
	s.waitExactly(t, s.bob, ws, q, []sent{doomed})
	mustDo(t, s.alice.c.DeleteMessage(s.ctx, general.ID, doomed.msg.ID))
	s.deletedID = doomed.msg.ID
	for _, u := range []*user{s.bob, s.alice} {
		s.waitExactly(t, u, ws, q, nil)
		s.waitExactly(t, u, ws, client.SearchParams{Query: "doomed", Limit: 100, Facets: allFacets}, nil)
	}
	browse := s.search(t, s.bob, ws, client.SearchParams{ChatIDs: []int64{general.ID}, Limit: 100})
	for _, h := range browse.Hits {
		if h.Message.ID == doomed.msg.ID {
			t.Errorf("deleted message %d still browsable: %+v", doomed.msg.ID, h)
		}
	}

	orig := s.send(t, s.bob, general, "wombat original wording")
	s.waitExactly(t, s.alice, ws, client.SearchParams{Query: "wombat", Limit: 100, Facets: allFacets}, []sent{orig})
	m, err := s.bob.c.EditMessage(s.ctx, general.ID, orig.msg.ID, "platypus revised wording")
	mustDo(t, err)
	s.editedID = m.ID
	edited := sent{msg: m, chat: general}
	edited.msg.SenderID = s.bob.u.ID
	s.waitExactly(t, s.alice, ws, client.SearchParams{Query: "platypus", Limit: 100, Facets: allFacets}, []sent{edited})
	for _, u := range []*user{s.alice, s.bob} {
		s.expectExactly(t, u, ws, client.SearchParams{Query: "wombat", Limit: 100, Facets: allFacets}, nil)
		s.expectExactly(t, u, ws, client.SearchParams{Query: "original", Limit: 100, Facets: allFacets}, nil)
		res := s.expectExactly(t, u, ws, client.SearchParams{Query: "wording", Limit: 100, Facets: allFacets}, []sent{edited})
		for _, h := range res.Hits {
			if h.Message.Content != "platypus revised wording" || h.Highlight != "platypus revised <mark>wording</mark>" {
				t.Errorf("hit of the edited message = content %q, highlight %q", h.Message.Content, h.Highlight)
			}
		}
	}
}

// removedFromWorkspace: carol, removed from Acme, gets 404 at once.
func (s *suite) removedFromWorkspace(t *testing.T) {
	mustDo(t, s.alice.c.RemoveMember(s.ctx, s.acme.ID, s.carol.u.ID))
	_, err := s.carol.c.Search(s.ctx, s.acme.ID, client.SearchParams{Query: permToken})
	wantStatus(t, "carol after removal from Acme", err, 404)
	_, err = s.carol.c.Search(s.ctx, s.acme.ID, client.SearchParams{ChatIDs: []int64{s.perm.secret.ID}})
	wantStatus(t, "carol browses her former private channel", err, 404)
	// The others are unaffected.
	s.expectExactly(t, s.gina, s.acme.ID, client.SearchParams{Query: permToken, Limit: 100, Facets: allFacets}, inChats(s.perm.all, s.perm.guestroom))
}

// defaultSettings are the server's documented defaults.
func defaultSettings() client.SearchSettings {
	return client.SearchSettings{
		RecencyWeight: 0.3, RecencyHalfLifeHours: 30 * 24, DirectChatBoost: 1.2, FrequentChatBoost: 1.3,
		StopWords: []string{}, Synonyms: map[string][]string{},
	}
}
