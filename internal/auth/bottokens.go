package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// BotTokenStore is what bot-token authentication reads and touches.
// storage.Store satisfies it.
type BotTokenStore interface {
	BotTokenByHash(ctx context.Context, tokenHash string) (model.BotToken, error)
	TouchBotToken(ctx context.Context, tokenID int64, at time.Time) error
}

// touchEvery is how stale a token's last-used time may get: a bot calling
// many times a second writes it about once a minute, not per request.
const touchEvery = time.Minute

// NewBotToken returns a new API token (model.BotTokenPrefix and 43
// characters of base64url from 32 random bytes), the hash the store keeps
// (HashBotToken) and the hint shown in lists.
func NewBotToken() (token, hash, hint string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	token = model.BotTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashBotToken(token), token[:len(model.BotTokenPrefix)+6]
}

// HashBotToken is what the store keeps of a bot token: its SHA-256 in hex.
// The token has 256 bits of entropy, so a fast hash is enough.
func HashBotToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// IsBotToken reports whether a bearer credential is a bot API token.
func IsBotToken(token string) bool { return strings.HasPrefix(token, model.BotTokenPrefix) }

// authenticateBot checks a bot API token: it exists, is not revoked, and
// its bot is not disabled. The principal is scoped to the token's
// workspace.
func (s *Service) authenticateBot(ctx context.Context, token string) (Principal, error) {
	if s.botTokens == nil {
		return Principal{}, errInvalidAccess(errors.New("bot tokens are not served"))
	}
	t, err := s.botTokens.BotTokenByHash(ctx, HashBotToken(token))
	if errors.Is(err, storage.ErrNotFound) {
		return Principal{}, errInvalidAccess(err)
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate bot: %w", err)
	}
	if t.RevokedAt != nil {
		return Principal{}, errInvalidAccess(errors.New("bot token revoked"))
	}
	u, err := s.store.UserByID(ctx, t.BotID)
	if err != nil || u.Disabled() || !u.IsBot {
		return Principal{}, errInvalidAccess(errors.New("bot account gone or disabled"))
	}
	now := s.now()
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= touchEvery {
		if err := s.botTokens.TouchBotToken(ctx, t.ID, now); err != nil {
			s.log.WarnContext(ctx, "touch bot token", "token_id", t.ID, "error", err)
		}
	}
	return Principal{UserID: t.BotID, WorkspaceID: t.WorkspaceID, BotTokenID: t.ID, IssuedAt: t.CreatedAt}, nil
}

// SetBotTokens lets Authenticate accept bot API tokens read from st; nil
// (the default) refuses them. Call it before serving requests.
func (s *Service) SetBotTokens(st BotTokenStore) { s.botTokens = st }

// BotTokensRevoked ends at once every stream a bot opened with a token,
// on every node, after its tokens were revoked. Its other tokens'
// streams end too; their clients reconnect.
func (s *Service) BotTokensRevoked(ctx context.Context, botID int64) { s.revoked(ctx, botID, 0) }

// errBotTicket refuses what a bot cannot do with its token.
var errBotTicket = apperr.Forbidden("bot tokens use the Authorization header, not tickets or sessions")

// RequireSession refuses a bot principal where only a person's session
// makes sense (tickets, sessions, password).
func RequireSession(p Principal) error {
	if p.BotTokenID != 0 {
		return errBotTicket
	}
	return nil
}
