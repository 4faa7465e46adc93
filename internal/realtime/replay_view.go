package realtime

import (
	"context"
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
	about := make([]events.Payload, len(shown))
	for i, s := range shown {
		about[i] = messagePayload(s.e)
	}
	now, err := h.messagesNow(ctx, v.userID, about)
	if err != nil {
		return err
	}
	for i, s := range shown {
		data, ok := currentData(s.e, about[i], now)
		if !ok {
			continue
		}
		if err := newFrame(s.seq, s.e.Type, data).writeTo(w); err != nil {
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
	if e.Type == model.EventCredentialsRevoked {
		return false, nil // a control event, for the hubs only
	}
	receives, asMember, err := h.cache.standing(ctx, e, v.userID)
	if err != nil || !receives {
		return false, err
	}
	return !asMember || v.joined.covers(e), nil
}

// messagesNow looks up, in one call, the current state of the messages the
// payloads are about.
func (h *Hub) messagesNow(ctx context.Context, userID int64, about []events.Payload) (map[int64]model.Message, error) {
	var ids []int64
	for _, p := range about {
		if id := messageIDOf(p); id != 0 {
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

// messagePayload decodes the payload of an event that shows or reacts to
// a message; nil for the others, and for a payload that does not decode
// (it is then replayed as stored).
func messagePayload(e events.Envelope) events.Payload {
	switch e.Type {
	case model.EventMessageCreated, model.EventMessageUpdated, model.EventMessageDeleted,
		model.EventReactionAdded, model.EventReactionRemoved:
	default:
		return nil
	}
	p, err := e.Typed()
	if err != nil {
		return nil
	}
	return p
}

// messageIDOf is the message a payload shows or reacts to; 0 for the others.
func messageIDOf(p events.Payload) int64 {
	switch p := p.(type) {
	case events.MessageEvent:
		return p.Message.ID
	case events.ReactionEvent:
		return p.Reaction.MessageID
	}
	return 0
}

// currentData is the SSE data of a replayed event; false when the event
// is not to be sent: its message is gone for the viewer, or a reaction's
// message has been deleted since.
func currentData(e events.Envelope, p events.Payload, now map[int64]model.Message) ([]byte, bool) {
	id := messageIDOf(p)
	if id == 0 {
		return dataOf(e), true
	}
	cur, ok := now[id]
	if !ok {
		return nil, false
	}
	me, ok := p.(events.MessageEvent)
	if !ok { // a reaction
		return dataOf(e), !cur.Deleted
	}
	data, err := events.Encode(withCurrentMessage(me, cur))
	return data, err == nil
}

// withCurrentMessage gives a message event the message's current content,
// mentions, attachments, edit time and deletion (a tombstone also loses
// its reactions). The other fields stay as the event had them: a client
// counts a thread's replies as their message.created events arrive, so
// reply_count must not be the current one.
func withCurrentMessage(p events.MessageEvent, cur model.Message) events.MessageEvent {
	m := &p.Message
	m.Content = cur.Content
	m.Mentions = nonNil(cur.Mentions)
	m.Attachments = nonNil(cur.Attachments)
	m.Deleted = cur.Deleted
	m.EditedAt = cur.EditedAt
	if cur.Deleted {
		m.Reactions = []model.ReactionCount{}
	}
	return p
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
