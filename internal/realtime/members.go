package realtime

import (
	"context"
	"encoding/json"
	"slices"
	"sync"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
)

// maxCached bounds the membership cache; past it the cache starts over.
const maxCached = 20000

// memberCache holds current chat and workspace memberships, loaded from the
// database on first use and dropped whenever an event says they changed, so
// the next lookup reads the database again.
type memberCache struct {
	src   Membership
	mu    sync.Mutex
	chats map[int64]map[int64]struct{}
	ws    map[int64]map[int64]struct{}
}

func newMemberCache(src Membership) *memberCache {
	return &memberCache{src: src, chats: map[int64]map[int64]struct{}{}, ws: map[int64]map[int64]struct{}{}}
}

// audience applies the membership change e carries (if any) and returns
// who receives e: the current members of its chat (or workspace), plus the
// user that a leave or removal is about.
func (c *memberCache) audience(ctx context.Context, e events.Envelope) (map[int64]struct{}, error) {
	subject := subjectUser(e.Payload)
	var pre map[int64]struct{}
	switch e.Type {
	case model.EventMemberJoined:
		c.dropChat(e.ChatID)
	case model.EventMemberLeft, model.EventChatDeleted:
		pre = c.cachedChat(e.ChatID)
		c.dropChat(e.ChatID)
	case model.EventWorkspaceMemberJoined:
		c.dropWorkspace(e.WorkspaceID, false)
	case model.EventWorkspaceMemberLeft, model.EventWorkspaceDeleted:
		pre = c.cachedWorkspace(e.WorkspaceID)
		c.dropWorkspace(e.WorkspaceID, true)
	}
	set, err := c.current(ctx, e)
	if e.Type == model.EventChatDeleted {
		for _, uid := range memberIDs(e.Payload) {
			set[uid] = struct{}{}
		}
	}
	for uid := range pre {
		set[uid] = struct{}{}
	}
	if subject != 0 && (e.Type == model.EventMemberLeft || e.Type == model.EventWorkspaceMemberLeft) {
		set[subject] = struct{}{}
	}
	return set, err
}

// standing tells whether userID receives e in a replay, checked against
// current membership without touching the cache, and whether as a current
// member of e's chat (or workspace). Besides the members, a leave goes to
// the user it is about, and chat.deleted to the members it carries (a
// deleted chat has none left in the database), as they do live.
func (c *memberCache) standing(ctx context.Context, e events.Envelope, userID int64) (receives, asMember bool, err error) {
	var set map[int64]struct{}
	if e.ChatID != 0 {
		set, err = c.chat(ctx, e.ChatID)
	} else {
		set, err = c.workspace(ctx, e.WorkspaceID)
	}
	if err != nil {
		return false, false, err
	}
	if _, ok := set[userID]; ok {
		return true, true, nil
	}
	switch e.Type {
	case model.EventChatDeleted:
		return slices.Contains(memberIDs(e.Payload), userID), false, nil
	case model.EventMemberLeft, model.EventWorkspaceMemberLeft:
		return subjectUser(e.Payload) == userID, false, nil
	}
	return false, false, nil
}

func (c *memberCache) current(ctx context.Context, e events.Envelope) (map[int64]struct{}, error) {
	var src map[int64]struct{}
	var err error
	if e.ChatID != 0 {
		src, err = c.chat(ctx, e.ChatID)
	} else {
		src, err = c.workspace(ctx, e.WorkspaceID)
	}
	out := make(map[int64]struct{}, len(src)+1)
	for uid := range src {
		out[uid] = struct{}{}
	}
	return out, err
}

func (c *memberCache) chat(ctx context.Context, chatID int64) (map[int64]struct{}, error) {
	if set := c.cachedChat(chatID); set != nil {
		return set, nil
	}
	ids, err := c.src.ChatMemberIDs(ctx, chatID)
	if err != nil {
		return nil, err
	}
	set := toSet(ids)
	c.mu.Lock()
	if len(c.chats) >= maxCached {
		c.chats = map[int64]map[int64]struct{}{}
	}
	c.chats[chatID] = set
	c.mu.Unlock()
	return set, nil
}

func (c *memberCache) workspace(ctx context.Context, wsID int64) (map[int64]struct{}, error) {
	if set := c.cachedWorkspace(wsID); set != nil {
		return set, nil
	}
	ids, err := c.src.WorkspaceMemberIDs(ctx, wsID)
	if err != nil {
		return nil, err
	}
	set := toSet(ids)
	c.mu.Lock()
	if len(c.ws) >= maxCached {
		c.ws = map[int64]map[int64]struct{}{}
	}
	c.ws[wsID] = set
	c.mu.Unlock()
	return set, nil
}

func (c *memberCache) cachedChat(id int64) map[int64]struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.chats[id]
}

func (c *memberCache) cachedWorkspace(id int64) map[int64]struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws[id]
}

func (c *memberCache) dropChat(id int64) {
	c.mu.Lock()
	delete(c.chats, id)
	c.mu.Unlock()
}

// dropWorkspace forgets a workspace's members; when someone left it, they
// also left all of its chats, so every chat entry is dropped too.
func (c *memberCache) dropWorkspace(id int64, chatsToo bool) {
	c.mu.Lock()
	delete(c.ws, id)
	if chatsToo {
		c.chats = map[int64]map[int64]struct{}{}
	}
	c.mu.Unlock()
}

func toSet(ids []int64) map[int64]struct{} {
	set := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		set[id] = struct{}{}
	}
	return set
}

// subjectUser finds the user an event is about: "user_id" at the top of
// the payload, or member.user.id / member.user_id.
func subjectUser(payload []byte) int64 {
	var p struct {
		UserID int64 `json:"user_id"`
		Member struct {
			UserID int64 `json:"user_id"`
			User   struct {
				ID int64 `json:"id"`
			} `json:"user"`
		} `json:"member"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return 0
	}
	switch {
	case p.UserID != 0:
		return p.UserID
	case p.Member.User.ID != 0:
		return p.Member.User.ID
	}
	return p.Member.UserID
}

// memberIDs reads "member_ids" from a payload (chat.deleted carries the
// members it had, since the database no longer knows them).
func memberIDs(payload []byte) []int64 {
	var p struct {
		MemberIDs []int64 `json:"member_ids"`
	}
	_ = json.Unmarshal(payload, &p)
	return p.MemberIDs
}
