package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"

	"github.com/fechatter/fechatter/client"
)

// stateFile is a population saved by --state, so that later runs against
// the same data skip the sign-ups (each one an argon2id hash: minutes for
// thousands of users on two cores). Runs with fewer users and chats use a
// prefix of it: with chats x recipients == users, chat c holds the same
// users in every such layout.
type stateFile struct {
	Run         string      `json:"run"`
	WorkspaceID int64       `json:"workspace_id"`
	Users       []userState `json:"users"`
	Chats       []chatState `json:"chats"`
}

type userState struct {
	ID      int64  `json:"id"`
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
}

type chatState struct {
	ID      int64 `json:"id"`
	Members []int `json:"members"`
}

// loadState reads path and returns the part of its population the options
// ask for; os.ErrNotExist when there is no file yet.
func loadState(path string, o options, base string, hc *http.Client) (*population, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var st stateFile
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("read state %s: %w", path, err)
	}
	if o.Users > len(st.Users) || o.Chats > len(st.Chats) {
		return nil, fmt.Errorf("state %s holds %d users and %d chats; the run wants %d and %d", path, len(st.Users), len(st.Chats), o.Users, o.Chats)
	}
	want := layout(o.Users, o.Chats, o.Recipients)
	p := &population{run: st.Run, workspaceID: st.WorkspaceID}
	for c, members := range want {
		if !slices.Equal(members, st.Chats[c].Members) {
			return nil, fmt.Errorf("state %s: chat %d has other members than --users %d --chats %d --recipients %d give; use another state file", path, c, o.Users, o.Chats, o.Recipients)
		}
		p.chats = append(p.chats, benchChat{id: st.Chats[c].ID, members: members})
	}
	p.memberPos = make([]map[int]int, o.Users)
	for u := range p.memberPos {
		p.memberPos[u] = map[int]int{}
	}
	for c, ch := range p.chats {
		for pos, u := range ch.members {
			p.memberPos[u][c] = pos
		}
	}
	for _, u := range st.Users[:o.Users] {
		p.userIDs = append(p.userIDs, u.ID)
		p.users = append(p.users, client.New(base, client.WithHTTPClient(hc),
			client.WithUserAgent("fechatter-bench"), client.WithTokens(u.Access, u.Refresh)))
	}
	return p, nil
}

// checkState makes sure the saved sessions belong to this server.
func checkState(ctx context.Context, p *population) error {
	me, err := p.users[0].Me(ctx)
	if err != nil {
		return fmt.Errorf("the saved users do not work on this server (%w); remove the state file or point at the server it was made for", err)
	}
	if me.ID != p.userIDs[0] {
		return errors.New("the saved users belong to another server; remove the state file")
	}
	return nil
}

// saveState writes p to path. The tokens are read back from the clients:
// a client that refreshed holds a rotated refresh token, and handing the
// old one to the server again would revoke the session (reuse detection).
// When path holds more users or chats than p (a smaller run), those are kept.
func saveState(path string, p *population) error {
	var st stateFile
	if data, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(data, &st)
	}
	if st.Run != p.run {
		st = stateFile{Run: p.run, WorkspaceID: p.workspaceID}
	}
	for i, c := range p.users {
		access, refresh := c.Tokens()
		u := userState{ID: p.userIDs[i], Access: access, Refresh: refresh}
		if i < len(st.Users) {
			st.Users[i] = u
		} else {
			st.Users = append(st.Users, u)
		}
	}
	for i, c := range p.chats {
		cs := chatState{ID: c.id, Members: c.members}
		if i < len(st.Chats) {
			st.Chats[i] = cs
		} else {
			st.Chats = append(st.Chats, cs)
		}
	}
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
