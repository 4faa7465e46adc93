package chat

// Stress tests for the membership races of issue 14: a user removed from a
// workspace while being put into one of its chats, and two owners stepping
// down at once. Each trial is its own small workspace; both actions are
// released together so that they overlap inside the database. On SQLite the
// single writer serialises them anyway; on Postgres only row locks do.

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// raceTrials is how many trials each race test runs on each engine.
const raceTrials = 100

// rendezvous forces the worst interleaving of two racing use cases, every
// trial: each transaction waits before its first membership write until
// the other has arrived too, so that both have read what they decide on
// before either writes. A transaction arrives at that write, or when it
// asks for LockWorkspace (where it may block on the other, which therefore
// must not wait for it), or when its use case ends without one. Only on
// Postgres: SQLite runs transactions one at a time on its single writer
// (group commit may even run both in one), so the first would wait for
// ever.
type rendezvous struct {
	mu      sync.Mutex
	arrived int
	both    chan struct{}
}

func newRendezvous() *rendezvous { return &rendezvous{both: make(chan struct{})} }

// count counts one arrival and lets everyone go at the second.
func (r *rendezvous) count() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.arrived++
	if r.arrived == 2 {
		close(r.both)
	}
}

// racingStore is a Store whose transactions take part in the current
// rendezvous, if one is set.
type racingStore struct {
	storage.Store
	meet atomic.Pointer[rendezvous]
}

// InTx runs fn in a transaction that meets the other racer's.
func (s *racingStore) InTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	r := s.meet.Load()
	if r == nil {
		return s.Store.InTx(ctx, fn)
	}
	return s.Store.InTx(ctx, func(tx storage.Tx) error { return fn(&racingTx{Tx: tx, r: r}) })
}

// racingTx is one transaction taking part in a rendezvous.
type racingTx struct {
	storage.Tx
	r       *rendezvous
	counted bool
}

// arrive counts this transaction, once.
func (t *racingTx) arrive() {
	if !t.counted {
		t.counted = true
		t.r.count()
	}
}

// beforeWrite counts this transaction and waits for the other.
func (t *racingTx) beforeWrite() {
	t.arrive()
	<-t.r.both
}

// LockWorkspace arrives without waiting: the other racer may hold the lock
// and be waiting at its write for this one.
func (t *racingTx) LockWorkspace(ctx context.Context, workspaceID int64) error {
	t.arrive()
	return t.Tx.LockWorkspace(ctx, workspaceID)
}

// SetMemberRole, RemoveMember, AddChatMembers and CreateChat are the
// membership writes the racers meet before.
func (t *racingTx) SetMemberRole(ctx context.Context, workspaceID, userID int64, role model.Role) error {
	t.beforeWrite()
	return t.Tx.SetMemberRole(ctx, workspaceID, userID, role)
}

func (t *racingTx) RemoveMember(ctx context.Context, workspaceID, userID int64) error {
	t.beforeWrite()
	return t.Tx.RemoveMember(ctx, workspaceID, userID)
}

func (t *racingTx) AddChatMembers(ctx context.Context, chatID int64, members []model.ChatMember) ([]int64, error) {
	t.beforeWrite()
	return t.Tx.AddChatMembers(ctx, chatID, members)
}

func (t *racingTx) CreateChat(ctx context.Context, c *model.Chat, members []model.ChatMember) error {
	t.beforeWrite()
	return t.Tx.CreateChat(ctx, c, members)
}

// raceBoth runs a and b at once (released by one close; on Postgres their
// transactions meet before writing) and returns their errors.
func raceBoth(st *racingStore, a, b func() error) (errA, errB error) {
	r := newRendezvous()
	if st.Dialect() == "postgres" {
		st.meet.Store(r)
		defer st.meet.Store(nil)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { <-start; errA = a(); r.count() })
	wg.Go(func() { <-start; errB = b(); r.count() })
	close(start)
	wg.Wait()
	return errA, errB
}

// lostCleanly reports whether err is nil or of one of kinds: a race may be
// lost cleanly, never with an internal error (a deadlock, a 500).
func lostCleanly(t *testing.T, what string, err error, kinds ...apperr.Kind) bool {
	t.Helper()
	if err != nil && !slices.Contains(kinds, apperr.KindOf(err)) {
		t.Logf("%s: unexpected error %v", what, err)
		return false
	}
	return true
}

// removalTrial is one workspace in which user is removed by owner while
// being put into a chat.
type removalTrial struct {
	ws          model.Workspace
	owner, user model.User
	peers       []int64 // other workspace members, for chats that need them
	chatID      int64   // the chat the user is put into, if it exists already
}

// joinRace is one way of putting a user into a chat, raced against the
// user's removal from the workspace.
type joinRace struct {
	name string
	// setup prepares the trial's chats; put puts the user in.
	setup func(t *testing.T, s *Service, st storage.Store, tr *removalTrial)
	put   func(ctx context.Context, s *Service, tr *removalTrial) error
}

var joinRaces = []joinRace{
	{
		name: "join public channel",
		setup: func(t *testing.T, s *Service, _ storage.Store, tr *removalTrial) {
			tr.chatID = raceChat(t, s, tr, CreateChatInput{Type: model.ChatPublicChannel, Name: "lobby"})
		},
		put: func(ctx context.Context, s *Service, tr *removalTrial) error {
			_, err := s.JoinChat(ctx, tr.user.ID, tr.chatID)
			return err
		},
	},
	{
		name: "added to group",
		setup: func(t *testing.T, s *Service, _ storage.Store, tr *removalTrial) {
			tr.chatID = raceChat(t, s, tr, CreateChatInput{Type: model.ChatGroup, MemberIDs: tr.peers})
		},
		put: func(ctx context.Context, s *Service, tr *removalTrial) error {
			_, err := s.AddChatMembers(ctx, tr.owner.ID, tr.chatID, []int64{tr.user.ID})
			return err
		},
	},
	{
		name: "private channel created with them",
		put: func(ctx context.Context, s *Service, tr *removalTrial) error {
			in := CreateChatInput{Type: model.ChatPrivateChannel, Name: "secret", MemberIDs: append([]int64{tr.user.ID}, tr.peers...)}
			_, _, err := s.CreateChat(ctx, tr.owner.ID, tr.ws.ID, in)
			return err
		},
	},
	{
		name: "direct chat created with them",
		put: func(ctx context.Context, s *Service, tr *removalTrial) error {
			_, _, err := s.CreateChat(ctx, tr.owner.ID, tr.ws.ID, CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{tr.user.ID}})
			return err
		},
	},
	{
		// The user left and came back (accepted an invite): opening the old
		// direct chat puts them back into it.
		name: "direct chat reopened after coming back",
		setup: func(t *testing.T, s *Service, st storage.Store, tr *removalTrial) {
			ctx := context.Background()
			tr.chatID = raceChat(t, s, tr, CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{tr.user.ID}})
			wantOK(t, s.RemoveMember(ctx, tr.user.ID, tr.ws.ID, tr.user.ID))
			fixtureMember(t, st, tr.ws.ID, tr.user.ID, model.RoleMember)
		},
		put: func(ctx context.Context, s *Service, tr *removalTrial) error {
			_, _, err := s.CreateChat(ctx, tr.owner.ID, tr.ws.ID, CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{tr.user.ID}})
			return err
		},
	},
}

// raceChat creates a chat owned by the trial's owner and returns its id.
func raceChat(t *testing.T, s *Service, tr *removalTrial, in CreateChatInput) int64 {
	t.Helper()
	c, _, err := s.CreateChat(context.Background(), tr.owner.ID, tr.ws.ID, in)
	if err != nil {
		t.Fatalf("create %s: %v", in.Type, err)
	}
	return c.ID
}

// newRemovalTrial makes trial i's workspace: an owner, the user to remove
// and two peers, all members.
func newRemovalTrial(t *testing.T, s *Service, st storage.Store, i int) *removalTrial {
	t.Helper()
	p := fmt.Sprintf("r%d_", i)
	tr := &removalTrial{owner: fixtureUser(t, st, p+"owner"), user: fixtureUser(t, st, p+"user")}
	tr.ws = fixtureWorkspace(t, s, tr.owner.ID, p+"team")
	fixtureMember(t, st, tr.ws.ID, tr.user.ID, model.RoleMember)
	for _, name := range []string{"peer1", "peer2"} {
		u := fixtureUser(t, st, p+name)
		fixtureMember(t, st, tr.ws.ID, u.ID, model.RoleMember)
		tr.peers = append(tr.peers, u.ID)
	}
	return tr
}

// TestRemovalRacesJoin races removing a user from a workspace against
// putting that user into one of its chats, in every way there is, and
// checks that no chat membership outlives the workspace membership and that
// no chat's audience (the members real-time delivery fans out to) names the
// removed user.
func TestRemovalRacesJoin(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		rs := &racingStore{Store: st}
		s := newTestService(t, rs, Config{})
		ghosts, leaks, bad, lost := 0, 0, 0, 0
		for i := range raceTrials {
			jr := joinRaces[i%len(joinRaces)]
			tr := newRemovalTrial(t, s, st, i)
			if jr.setup != nil {
				jr.setup(t, s, st, tr)
			}
			errPut, errRemove := raceBoth(rs,
				func() error { return jr.put(ctx, s, tr) },
				func() error { return s.RemoveMember(ctx, tr.owner.ID, tr.ws.ID, tr.user.ID) },
			)
			wantOK(t, errRemove)
			if !lostCleanly(t, jr.name, errPut, apperr.KindNotFound, apperr.KindInvalid) {
				bad++
			} else if errPut != nil {
				lost++
			}
			g, l := removedUserTraces(t, st, tr)
			if g > 0 || l > 0 {
				t.Logf("trial %d (%s): %d ghost memberships, %d audiences with the removed user", i, jr.name, g, l)
			}
			ghosts, leaks = ghosts+min(g, 1), leaks+min(l, 1)
		}
		t.Logf("%d trials (%d times the removal came first): %d left a ghost membership, %d an audience naming the removed user, %d failed with an internal error",
			raceTrials, lost, ghosts, leaks, bad)
		if ghosts > 0 || leaks > 0 || bad > 0 {
			t.Fatalf("%d of %d trials left a ghost membership, %d an audience naming the removed user, %d failed with an internal error",
				ghosts, raceTrials, leaks, bad)
		}
	})
}

// removedUserTraces counts the trial workspace's chats in which the removed
// user still has a chat_members row (ghosts; ListChatsForUser reads the rows
// without asking about the workspace) and the chats whose member list, the
// audience of real-time delivery, still names the user (leaks).
func removedUserTraces(t *testing.T, st storage.Store, tr *removalTrial) (ghosts, leaks int) {
	t.Helper()
	ctx := context.Background()
	mine, err := st.ListChatsForUser(ctx, tr.ws.ID, tr.user.ID)
	if err != nil {
		t.Fatalf("list chats of the removed user: %v", err)
	}
	owners, err := st.ListChatsForUser(ctx, tr.ws.ID, tr.owner.ID)
	if err != nil {
		t.Fatalf("list chats of the owner: %v", err)
	}
	for _, c := range owners {
		members, err := st.ListChatMembers(ctx, c.ID)
		if err != nil {
			t.Fatalf("list chat members: %v", err)
		}
		if slices.ContainsFunc(members, func(m model.ChatMember) bool { return m.UserID == tr.user.ID }) {
			leaks++
		}
	}
	return len(mine), leaks
}

// ownerRace is one way two owners step down at once; a and b are the two
// owners' actions.
type ownerRace struct {
	name string
	a, b func(ctx context.Context, s *Service, ws, a, b int64) error
}

// setRole and removeMember adapt the use cases to ownerRace.
func setRole(ctx context.Context, s *Service, ws, actor, target int64) error {
	_, err := s.SetMemberRole(ctx, actor, ws, target, model.RoleAdmin)
	return err
}

func removeMember(ctx context.Context, s *Service, ws, actor, target int64) error {
	return s.RemoveMember(ctx, actor, ws, target)
}

var ownerRaces = []ownerRace{
	{"demote each other",
		func(ctx context.Context, s *Service, ws, a, b int64) error { return setRole(ctx, s, ws, a, b) },
		func(ctx context.Context, s *Service, ws, a, b int64) error { return setRole(ctx, s, ws, b, a) }},
	{"remove each other",
		func(ctx context.Context, s *Service, ws, a, b int64) error { return removeMember(ctx, s, ws, a, b) },
		func(ctx context.Context, s *Service, ws, a, b int64) error { return removeMember(ctx, s, ws, b, a) }},
	{"both leave",
		func(ctx context.Context, s *Service, ws, a, b int64) error { return removeMember(ctx, s, ws, a, a) },
		func(ctx context.Context, s *Service, ws, a, b int64) error { return removeMember(ctx, s, ws, b, b) }},
	{"both demote themselves",
		func(ctx context.Context, s *Service, ws, a, b int64) error { return setRole(ctx, s, ws, a, a) },
		func(ctx context.Context, s *Service, ws, a, b int64) error { return setRole(ctx, s, ws, b, b) }},
	{"one demotes the other, who leaves",
		func(ctx context.Context, s *Service, ws, a, b int64) error { return setRole(ctx, s, ws, a, b) },
		func(ctx context.Context, s *Service, ws, a, b int64) error { return removeMember(ctx, s, ws, b, b) }},
}

// TestOwnersStepDownAtOnce races two owners demoting or removing each other
// or themselves and checks that the workspace always keeps an owner, and
// that one of the two always succeeds.
func TestOwnersStepDownAtOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		rs := &racingStore{Store: st}
		s := newTestService(t, rs, Config{})
		ownerless, bad := 0, 0
		for i := range raceTrials {
			r := ownerRaces[i%len(ownerRaces)]
			p := fmt.Sprintf("o%d_", i)
			a, b := fixtureUser(t, st, p+"a"), fixtureUser(t, st, p+"b")
			ws := fixtureWorkspace(t, s, a.ID, p+"team")
			fixtureMember(t, st, ws.ID, b.ID, model.RoleOwner)
			errA, errB := raceBoth(rs,
				func() error { return r.a(ctx, s, ws.ID, a.ID, b.ID) },
				func() error { return r.b(ctx, s, ws.ID, a.ID, b.ID) },
			)
			lost := []apperr.Kind{apperr.KindConflict, apperr.KindForbidden, apperr.KindNotFound}
			okA, okB := lostCleanly(t, r.name+" (a)", errA, lost...), lostCleanly(t, r.name+" (b)", errB, lost...)
			if !okA || !okB {
				bad++
			}
			if errA != nil && errB != nil {
				t.Fatalf("trial %d (%s): both lost: %v; %v", i, r.name, errA, errB)
			}
			n, err := st.CountOwners(ctx, ws.ID)
			if err != nil {
				t.Fatalf("count owners: %v", err)
			}
			if n < 1 {
				ownerless++
				t.Logf("trial %d (%s): no owner left", i, r.name)
			}
		}
		t.Logf("%d trials: %d left the workspace without an owner, %d failed with an internal error", raceTrials, ownerless, bad)
		if ownerless > 0 || bad > 0 {
			t.Fatalf("%d of %d trials left the workspace without an owner, %d failed with an internal error", ownerless, raceTrials, bad)
		}
	})
}
