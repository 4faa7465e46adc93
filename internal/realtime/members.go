package realtime

import (
	"context"
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
// user that a leave or removal is about, plus the members a deleted chat
// had. The set may be the cache's own: callers only read it.
func (c *memberCache) audience(ctx context.Context, e events.Envelope) (map[int64]struct{}, error) {
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
	if events.ActorOnly(e.Type) {
		return c.actorOnly(ctx, e)
	}
	set, err := c.current(ctx, e)
	former := formerMembers(e)
	if len(pre) == 0 && len(former) == 0 {
		// The usual event (a message): the cached members as they are,
		// not a copy of them per event.
		return set, err
	}
	out := make(map[int64]struct{}, len(set)+len(pre)+len(former))
	for _, s := range []map[int64]struct{}{set, pre} {
		for uid := range s {
			out[uid] = struct{}{}
		}
	}
	for _, uid := range former {
		out[uid] = struct{}{}
	}
	return out, err
}

// standing tells whether userID receives e in a replay, checked against
// current membership without touching the cache, and whether as a current
// member of e's chat (or workspace). Besides the members, a leave goes to
// the user it is about, and chat.deleted to the members it carries (a
// deleted chat has none left in the database), as they do live.
func (c *memberCache) standing(ctx context.Context, e events.Envelope, userID int64) (receives, asMember bool, err error) {
	if events.ActorOnly(e.Type) {
		if userID != e.ActorID {
			return false, false, nil
		}
		set, err := c.actorOnly(ctx, e)
		_, ok := set[userID]
		return ok, ok, err
	}
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
	return slices.Contains(formerMembers(e), userID), false, nil
}

// actorOnly is the audience of an event only its actor receives (a
// bookmark): the actor, while still a member of the event's workspace;
// the chat's other members never.
func (c *memberCache) actorOnly(ctx context.Context, e events.Envelope) (map[int64]struct{}, error) {
	set, err := c.workspace(ctx, e.WorkspaceID)
	if _, ok := set[e.ActorID]; !ok || e.ActorID == 0 {
		return map[int64]struct{}{}, err
	}
	return map[int64]struct{}{e.ActorID: {}}, err
}

// current is the cached members of e's chat (or workspace); callers only
// read it.
func (c *memberCache) current(ctx context.Context, e events.Envelope) (map[int64]struct{}, error) {
	if e.ChatID != 0 {
		return c.chat(ctx, e.ChatID)
	}
	return c.workspace(ctx, e.WorkspaceID)
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

// formerMembers are the users who receive e although they are no longer
// members: the user a leave (of a chat or a workspace) is about, and the
// members a deleted chat had (the database no longer knows them). Only
// those events' payloads are decoded.
func formerMembers(e events.Envelope) []int64 {
	switch e.Type {
	case model.EventMemberLeft, model.EventWorkspaceMemberLeft, model.EventChatDeleted:
	default:
		return nil
	}
	p, err := e.Typed()
	if err != nil {
		return nil
	}
	switch p := p.(type) {
	case events.MemberEvent:
		return nonZero(p.UserID)
	case events.WorkspaceMemberEvent:
		return nonZero(p.UserID())
	case events.ChatEvent:
		return p.MemberIDs
	}
	return nil
}

func nonZero(id int64) []int64 {
	if id == 0 {
		return nil
	}
	return []int64{id}
}
