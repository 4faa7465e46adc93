package chat

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// record appends one outbox event inside tx. fields are merged into the
// payload next to type, workspace_id and chat_id; they hold the changed
// object in its API JSON shape (model types marshal to that shape).
func (s *Service) record(ctx context.Context, tx storage.Outbox, typ string, workspaceID, chatID, actorID int64, fields map[string]any) error {
	payload := make(map[string]any, len(fields)+4)
	for k, v := range fields {
		payload[k] = v
	}
	payload["type"] = typ
	payload["workspace_id"] = workspaceID
	if chatID != 0 {
		payload["chat_id"] = chatID
	}
	payload["actor_id"] = actorID
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", typ, err)
	}
	e := model.Event{
		ID:          uuid.NewString(),
		Type:        typ,
		WorkspaceID: workspaceID,
		ChatID:      chatID,
		ActorID:     actorID,
		Payload:     body,
	}
	if err := tx.AppendEvent(ctx, &e); err != nil {
		return fmt.Errorf("append %s event: %w", typ, err)
	}
	return nil
}
