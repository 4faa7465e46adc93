package realtime

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/fechatter/fechatter/internal/events"
)

// directSubject carries events for one user's streams on every node
// (a slash command's ephemeral answer). They are never stored.
const directSubject = events.EphemeralPrefix + ".direct"

// directNote is a direct event between nodes.
type directNote struct {
	UserID int64           `json:"user_id"`
	Event  string          `json:"event"`
	Data   json.RawMessage `json:"data"`
}

// NotifyUser sends an event to every open stream of userID, on every
// node, without an id: it is not stored and not replayed.
func (h *Hub) NotifyUser(_ context.Context, userID int64, event string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode direct event: %w", err)
	}
	body, _ := json.Marshal(directNote{UserID: userID, Event: event, Data: raw})
	if err := h.nc.Publish(directSubject, body); err != nil {
		return fmt.Errorf("publish direct event: %w", err)
	}
	return nil
}

func (h *Hub) subscribeDirect() error {
	sub, err := h.nc.Subscribe(directSubject, func(m *nats.Msg) {
		var n directNote
		if json.Unmarshal(m.Data, &n) != nil || n.UserID == 0 || n.Event == "" {
			return
		}
		h.deliver(map[int64]struct{}{n.UserID: {}}, 0, newFrame(0, n.Event, n.Data))
	})
	if err != nil {
		return fmt.Errorf("realtime: subscribe direct events: %w", err)
	}
	h.subs = append(h.subs, sub)
	return nil
}
