package appliance

import (
	"context"
	"time"

	"github.com/fechatter/fechatter/internal/bot"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/gateway"
)

// newAssistant builds the assistant over the use cases (not started): the
// API serves its settings at once, assistantComponent runs its consumer.
func (a *Appliance) newAssistant(chatSvc *chat.Service) (*bot.Service, error) {
	b := a.cfg.Bot
	var limiter bot.Limiter
	if b.UserRate > 0 {
		l, err := gateway.NewLimiter(gateway.Config{Classes: map[string]gateway.Class{
			bot.LimitClass: {PerUser: gateway.Policy{Quota: b.UserRate, Window: time.Minute}},
		}})
		if err != nil {
			return nil, err
		}
		limiter = l
	}
	cfg := bot.Config{
		BaseURL: b.BaseURL, Model: b.Model, EmbeddingModel: b.EmbeddingModel, APIKey: b.APIKey, Timeout: b.Timeout,
		KnowledgeDir: layoutOf(a.cfg.DataDir).Knowledge, PublicURL: a.PublicURL,
		MaxOutputTokens: b.MaxOutputTokens, DailyTokenBudget: b.DailyTokenBudget,
		Languages: b.Languages, Replicas: a.cfg.replicas(), Log: a.log.With("component", "assistant"),
	}
	if a.search != nil { // a nil *search.Service must not become a non-nil interface
		cfg.Messages = a.search
	}
	return bot.New(cfg, a.store, chatSvc, a.js, limiter), nil
}

// assistantComponent gives every workspace its assistant and runs the
// consumer that answers triggers.
func (a *Appliance) assistantComponent() Component {
	return Component{
		Name: "assistant",
		Start: func(ctx context.Context) error {
			if _, err := a.buildServices(ctx); err != nil {
				return err
			}
			return a.assistant.Start(ctx)
		},
		Stop: func(ctx context.Context) error { return a.assistant.Stop(ctx) },
	}
}

// integrationsComponent runs the consumers that deliver outgoing webhooks.
func (a *Appliance) integrationsComponent() Component {
	return Component{
		Name: "integrations",
		Start: func(ctx context.Context) error {
			if _, err := a.buildServices(ctx); err != nil {
				return err
			}
			return a.integrations.Start(ctx)
		},
		Stop: func(ctx context.Context) error { return a.integrations.Stop(ctx) },
	}
}
