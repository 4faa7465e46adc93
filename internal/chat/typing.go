package chat

import (
	"context"
	"fmt"
	"sync"
)

// TypingNotifier delivers the ephemeral "is typing" signal to the other
// members of a chat. The real-time layer implements it; nothing is stored.
type TypingNotifier interface {
	NotifyTyping(ctx context.Context, workspaceID, chatID, userID int64) error
}

// typingSlot holds the optional TypingNotifier; its zero value holds none.
type typingSlot struct {
	mu sync.RWMutex
	n  TypingNotifier
}

func (t *typingSlot) get() TypingNotifier {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.n
}

func (t *typingSlot) set(n TypingNotifier) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n = n
}

// SetTypingNotifier sets where Typing delivers its signal; nil delivers
// nothing. It may be called while the service is in use.
func (s *Service) SetTypingNotifier(n TypingNotifier) { s.typing.set(n) }

// Typing tells the other members of a chat that userID is typing. Only
// members may (403 for a reader of a public channel who has not joined).
func (s *Service) Typing(ctx context.Context, userID, chatID int64) error {
	a, err := memberChat(ctx, s.store, chatID, userID)
	if err != nil {
		return err
	}
	n := s.typing.get()
	if n == nil {
		return nil
	}
	if err := n.NotifyTyping(ctx, a.Chat.WorkspaceID, chatID, userID); err != nil {
		return fmt.Errorf("notify typing: %w", err)
	}
	return nil
}
