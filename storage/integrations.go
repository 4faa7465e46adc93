package storage

import (
	"context"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// Integrations holds what connects a workspace to other programs: bot
// accounts created by its admins and their API tokens, and its incoming
// webhooks, outgoing webhooks and slash-command integrations.
type Integrations interface {
	// AddWorkspaceBot records that bot user b.User.ID is a bot account of
	// workspace b.WorkspaceID; ErrConflict when it is already one.
	AddWorkspaceBot(ctx context.Context, b model.WorkspaceBot) error
	// WorkspaceBots lists a workspace's bot accounts by id, with their
	// tokens (revoked ones included).
	WorkspaceBots(ctx context.Context, workspaceID int64) ([]model.WorkspaceBot, error)
	// DeleteWorkspaceBot forgets a bot account of a workspace and revokes
	// its tokens at; ErrNotFound when it is not one.
	DeleteWorkspaceBot(ctx context.Context, workspaceID, botID int64, at time.Time) error
	// CreateBotToken stores t (with the SHA-256 hex of the token) and sets
	// its ID.
	CreateBotToken(ctx context.Context, t *model.BotToken, tokenHash string) error
	// BotTokenByHash returns the token with that hash, revoked or not.
	BotTokenByHash(ctx context.Context, tokenHash string) (model.BotToken, error)
	// RevokeBotToken revokes one token of a workspace's bot; ErrNotFound
	// when there is no such live token.
	RevokeBotToken(ctx context.Context, workspaceID, botID, tokenID int64, at time.Time) error
	// TouchBotToken sets a token's last-used time.
	TouchBotToken(ctx context.Context, tokenID int64, at time.Time) error

	// CreateIntegration inserts in and sets its ID and CreatedAt;
	// ErrConflict when a command of that name or the secret exists.
	CreateIntegration(ctx context.Context, in *model.Integration) error
	// Integrations lists a workspace's integrations of a kind by id.
	Integrations(ctx context.Context, workspaceID int64, kind model.IntegrationKind) ([]model.Integration, error)
	// IntegrationBySecret returns the integration of a kind with that secret.
	IntegrationBySecret(ctx context.Context, kind model.IntegrationKind, secret string) (model.Integration, error)
	// DeleteIntegration deletes one integration of a workspace and kind.
	DeleteIntegration(ctx context.Context, workspaceID int64, kind model.IntegrationKind, id int64) error
}
