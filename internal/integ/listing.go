package integ

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fechatter/fechatter/internal/model"
)

// CommandInfo is a slash-command integration as any member of its
// workspace sees it, to offer it in the composer: never its URL, secret
// or bot.
type CommandInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Usage is how to call it: the command, then the free text it passes
	// on to the integration.
	Usage string `json:"usage"`
}

// Commands lists a workspace's slash-command integrations for one of its
// members (404 for anyone else), by name.
func (s *Service) Commands(ctx context.Context, actorID, wsID int64) ([]CommandInfo, error) {
	if _, err := s.chat.Workspace(ctx, actorID, wsID); err != nil {
		return nil, err
	}
	list, err := s.store.Integrations(ctx, wsID, model.IntegrationCommand)
	if err != nil {
		return nil, fmt.Errorf("slash commands: %w", err)
	}
	out := make([]CommandInfo, 0, len(list))
	for _, it := range list {
		out = append(out, CommandInfo{Name: it.Name, Description: it.Description, Usage: "/" + it.Name + " [text]"})
	}
	slices.SortFunc(out, func(a, b CommandInfo) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}
