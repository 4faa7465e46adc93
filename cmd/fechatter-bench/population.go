package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// benchPassword is every generated user's password.
const benchPassword = "bench-password-1"

// population is the users and chats one run creates.
type population struct {
	// run tags every name, client id and message of this run, so several
	// runs can share one server.
	run         string
	workspaceID int64
	users       []*client.Client
	userIDs     []int64
	chats       []benchChat
	// memberPos[u][c] is user u's position in chats[c].members.
	memberPos []map[int]int
}

// benchChat is one chat of the run and its members (user indexes); the
// first member created it and sends in it.
type benchChat struct {
	id      int64
	members []int
}

// layout returns the members of each chat: chat c takes users c*r .. c*r+r-1
// modulo n, so with chats*r == n every user is in exactly one chat, and with
// more seats than users the users are reused evenly.
func layout(n, chats, r int) [][]int {
	out := make([][]int, chats)
	for c := range out {
		out[c] = make([]int, r)
		for j := range out[c] {
			out[c][j] = (c*r + j) % n
		}
	}
	return out
}

// populate signs the admin in (or runs first-run setup), signs up the users
// with invites and creates the chats.
func populate(ctx context.Context, o options, base string, hc *http.Client, log io.Writer) (*population, error) {
	newClient := func() *client.Client {
		return client.New(base, client.WithHTTPClient(hc), client.WithUserAgent("fechatter-bench"))
	}
	admin := newClient()
	wsID, err := adminSession(ctx, o, admin)
	if err != nil {
		return nil, err
	}
	codes, err := benchInvites(ctx, admin, wsID, o.Users)
	if err != nil {
		return nil, err
	}
	p := &population{run: randomTag(), workspaceID: wsID}
	p.users = make([]*client.Client, o.Users)
	p.userIDs = make([]int64, o.Users)
	start := time.Now()
	err = parallel(ctx, o.Users, o.SignupWorkers, func(ctx context.Context, i int) error {
		c := newClient()
		s, err := c.SignUp(ctx, client.SignUpInput{
			Email:       fmt.Sprintf("b%s-%d@example.test", p.run, i),
			Password:    benchPassword,
			Username:    fmt.Sprintf("b%su%d", p.run, i),
			DisplayName: fmt.Sprintf("Bench %d", i),
			InviteCode:  codes[i/maxInviteUses],
		})
		if client.StatusOf(err) == http.StatusTooManyRequests {
			return fmt.Errorf("sign up user %d: %w (the server limits sign-ups per client IP: run it with FECHATTER_AUTH__SIGNUPS_PER_HOUR=0 FECHATTER_LIMITS__ENABLED=false)", i, err)
		}
		if err != nil {
			return fmt.Errorf("sign up user %d: %w", i, err)
		}
		p.users[i], p.userIDs[i] = c, s.User.ID
		return nil
	}, progress(log, "signed up", o.Users))
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "signed up %d users in %v\n", o.Users, time.Since(start).Round(time.Millisecond))
	if err := p.createChats(ctx, o); err != nil {
		return nil, err
	}
	return p, nil
}

// maxInviteUses is the most uses the server grants one invite.
const maxInviteUses = 1000

// benchInvites makes enough invites for n sign-ups: user i uses code
// i/maxInviteUses.
func benchInvites(ctx context.Context, admin *client.Client, wsID int64, n int) ([]string, error) {
	var codes []string
	for left := n; left > 0; left -= maxInviteUses {
		inv, err := admin.CreateInvite(ctx, wsID, client.InviteOptions{MaxUses: min(left, maxInviteUses), ExpiresInHours: 24})
		if err != nil {
			return nil, fmt.Errorf("create invite: %w", err)
		}
		codes = append(codes, inv.Code)
	}
	return codes, nil
}

// adminSession starts the admin's session and picks the workspace.
func adminSession(ctx context.Context, o options, admin *client.Client) (int64, error) {
	if o.Setup {
		needed, err := admin.SetupNeeded(ctx)
		if err != nil {
			return 0, fmt.Errorf("setup status: %w", err)
		}
		if needed {
			if _, err := admin.Setup(ctx, client.SetupInput{
				Email: o.AdminEmail, Password: o.AdminPassword, Username: "benchadmin",
				DisplayName: "Bench admin", WorkspaceName: "bench", SetupToken: o.SetupToken,
			}); err != nil {
				return 0, fmt.Errorf("setup: %w", err)
			}
		}
	}
	if _, tok := admin.Tokens(); tok == "" {
		if _, err := admin.SignIn(ctx, o.AdminEmail, o.AdminPassword); err != nil {
			return 0, fmt.Errorf("sign in as %s: %w", o.AdminEmail, err)
		}
	}
	wss, err := admin.Workspaces(ctx)
	if err != nil {
		return 0, fmt.Errorf("list workspaces: %w", err)
	}
	for _, w := range wss {
		if o.WorkspaceID != 0 && w.ID != o.WorkspaceID {
			continue
		}
		if w.Role == model.RoleOwner || w.Role == model.RoleAdmin {
			return w.ID, nil
		}
	}
	return 0, fmt.Errorf("%s administers no workspace (--workspace %d) to invite users into", o.AdminEmail, o.WorkspaceID)
}

// createChats creates the private channels; each is created by its first
// member, so that nobody outside the run is a member.
func (p *population) createChats(ctx context.Context, o options) error {
	seats := layout(o.Users, o.Chats, o.Recipients)
	p.chats = make([]benchChat, o.Chats)
	p.memberPos = make([]map[int]int, o.Users)
	for u := range p.memberPos {
		p.memberPos[u] = map[int]int{}
	}
	for c, members := range seats {
		p.chats[c].members = members
		for pos, u := range members {
			p.memberPos[u][c] = pos
		}
	}
	return parallel(ctx, o.Chats, o.SignupWorkers, func(ctx context.Context, c int) error {
		members := p.chats[c].members
		others := make([]int64, 0, len(members)-1)
		for _, u := range members[1:] {
			others = append(others, p.userIDs[u])
		}
		chat, _, err := p.users[members[0]].CreateChat(ctx, p.workspaceID, client.CreateChatInput{
			Type: model.ChatPrivateChannel, Name: fmt.Sprintf("bench-%s-%d", p.run, c), MemberIDs: others,
		})
		if err != nil {
			return fmt.Errorf("create chat %d: %w", c, err)
		}
		p.chats[c].id = chat.ID
		return nil
	}, nil)
}

// parallel runs fn(0..n-1) on workers goroutines and returns the first
// error (the others are cancelled). tick, if not nil, is called after each
// success.
func parallel(ctx context.Context, n, workers int, fn func(context.Context, int) error, tick func()) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
				if tick != nil {
					tick()
				}
			}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// progress returns a tick that prints every tenth of the way to total.
func progress(w io.Writer, what string, total int) func() {
	var done atomic.Int64
	step := int64(max(total/10, 1))
	return func() {
		if n := done.Add(1); n%step == 0 && total >= 100 {
			fmt.Fprintf(w, "%s %d/%d\n", what, n, total)
		}
	}
}

// randomTag is a short random hex tag.
func randomTag() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newSetupToken is a random setup token for a spawned server.
func newSetupToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b)
}
