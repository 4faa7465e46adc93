package realtime

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
)

// JoinTimes holds when one user's current memberships began, by workspace
// id and by chat id.
type JoinTimes struct {
	Workspaces map[int64]time.Time
	Chats      map[int64]time.Time
}

// covers reports whether e happened during the user's current membership
// of its workspace and, for a chat event, of its chat. Events carry their
// outbox row's time and memberships their row's joined_at, both set by
// the storage engine's clock inside the writing transactions; an event
// written in the joining transaction is not earlier than the join, so the
// join's own member.joined (or chat.created) is covered.
func (j JoinTimes) covers(e events.Envelope) bool {
	since, ok := j.Workspaces[e.WorkspaceID]
	if !ok {
		return false
	}
	if e.ChatID != 0 {
		chat, ok := j.Chats[e.ChatID]
		if !ok {
			return false
		}
		if chat.After(since) {
			since = chat
		}
	}
	return !e.Time.Before(since)
}

// viewer is whom a replay is for.
type viewer struct {
	userID int64
	joined JoinTimes
}

// writePage writes the events of page that v may see now, each as it
// would read now: message events carry the message's current text (a
// deleted one its tombstone), and reactions to a deleted message are left
// out. The current messages are read in one lookup per page.
func (h *Hub) writePage(ctx context.Context, w io.Writer, v viewer, page []storedEvent) error {
	shown := make([]storedEvent, 0, len(page))
	for _, s := range page {
		ok, err := h.replayShows(ctx, v, s.e)
		if err != nil {
			return err
		}
		if ok {
			shown = append(shown, s)
		}
	}
	now, err := h.messagesNow(ctx, v.userID, shown)
	if err != nil {
		return err
	}
	for _, s := range shown {
		data, ok := currentData(s.e, now)
		if !ok {
			continue
		}
		if err := (frame{id: s.seq, event: s.e.Type, data: data}).writeTo(w); err != nil {
			return err
		}
	}
	return nil
}

// replayShows applies current membership (as the live feed does) and, for
// a current member, the cut at the start of that membership: a member
// never gets a chat's or a workspace's events from before they joined it.
// The user a leave is about, and the members of a chat deleted since, get
// those events without the cut: they are no longer members.
func (h *Hub) replayShows(ctx context.Context, v viewer, e events.Envelope) (bool, error) {
	receives, asMember, err := h.cache.standing(ctx, e, v.userID)
	if err != nil || !receives {
		return false, err
	}
	return !asMember || v.joined.covers(e), nil
}

// messagesNow looks up, in one call, the current state of the messages the
// events of page are about.
func (h *Hub) messagesNow(ctx context.Context, userID int64, page []storedEvent) (map[int64]model.Message, error) {
	var ids []int64
	for _, s := range page {
		if id := messageIDOf(s.e); id != 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	msgs, err := h.members.MessagesNow(ctx, userID, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]model.Message, len(msgs))
	for _, m := range msgs {
		out[m.ID] = m
	}
	return out, nil
}

// messageIDOf is the message an event shows or reacts to; 0 for the others.
func messageIDOf(e events.Envelope) int64 {
	switch e.Type {
	case model.EventMessageCreated, model.EventMessageUpdated, model.EventMessageDeleted,
		model.EventReactionAdded, model.EventReactionRemoved:
	default:
		return 0
	}
	var p struct {
		Message struct {
			ID int64 `json:"id"`
		} `json:"message"`
		Reaction struct {
			MessageID int64 `json:"message_id"`
		} `json:"reaction"`
	}
	if json.Unmarshal(e.Payload, &p) != nil {
		return 0
	}
	if p.Message.ID != 0 {
		return p.Message.ID
	}
	return p.Reaction.MessageID
}

// currentData is the SSE data of a replayed event; false when the event
// is not to be sent: its message is gone for the viewer, or a reaction's
// message has been deleted since.
func currentData(e events.Envelope, now map[int64]model.Message) ([]byte, bool) {
	id := messageIDOf(e)
	if id == 0 {
		return dataOf(e), true
	}
	cur, ok := now[id]
	switch {
	case !ok:
		return nil, false
	case e.Type == model.EventReactionAdded || e.Type == model.EventReactionRemoved:
		return dataOf(e), !cur.Deleted
	}
	data, err := withCurrentMessage(e.Payload, cur)
	return data, err == nil
}

// withCurrentMessage rewrites the "message" of a message event's payload
// with the message's current content, mentions, attachments, edit time and
// deletion (a tombstone also loses its reactions). The other fields stay
// as the event had them: a client counts a thread's replies as their
// message.created events arrive, so reply_count must not be the current one.
func withCurrentMessage(payload []byte, cur model.Message) ([]byte, error) {
	var p map[string]json.RawMessage
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, err
	}
	var msg map[string]json.RawMessage
	if err := json.Unmarshal(p["message"], &msg); err != nil {
		return nil, err
	}
	set := func(k string, v any) {
		b, _ := json.Marshal(v)
		msg[k] = b
	}
	set("content", cur.Content)
	set("mentions", nonNil(cur.Mentions))
	set("attachments", nonNil(cur.Attachments))
	set("deleted", cur.Deleted)
	delete(msg, "edited_at")
	if cur.EditedAt != nil {
		set("edited_at", cur.EditedAt)
	}
	if cur.Deleted {
		set("reactions", []model.ReactionCount{})
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	p["message"] = b
	return json.Marshal(p)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
