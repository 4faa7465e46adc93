package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/integ"
	"github.com/fechatter/fechatter/internal/model"
)

// hooksPrefix starts the public URLs of incoming webhooks.
const hooksPrefix = "/hooks/"

// IsHookPath reports whether p is an incoming webhook URL, which the API
// serves outside /api.
func IsHookPath(p string) bool { return strings.HasPrefix(p, hooksPrefix) }

// botCreate is the body of POST /api/workspaces/{ws}/bots.
type botCreate struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
}

// integrationCreate is the body that creates an incoming webhook, an
// outgoing webhook or a slash command; each uses its own fields.
type integrationCreate struct {
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	ChatID       int64    `json:"chat_id"`
	ChatIDs      []int64  `json:"chat_ids"`
	TriggerWords []string `json:"trigger_words"`
	URL          string   `json:"url"`
	BotID        int64    `json:"bot_id"`
}

func (s *server) integrationRoutes() []route {
	const ws = "/api/workspaces/:ws"
	rs := []route{
		{method: http.MethodGet, path: ws + "/bots", handle: s.listBots, doc: doc{
			tag: "integrations", summary: "The workspace's bot accounts and their tokens (admins)",
			status: http.StatusOK, result: "BotList", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodPost, path: ws + "/bots", handle: s.createBot, doc: doc{
			tag: "integrations", summary: "Create a bot account with an API token, shown this once (admins)",
			body: "BotCreate", status: http.StatusCreated, result: "BotCreated", errors: []int{http.StatusForbidden, http.StatusConflict},
		}},
		{method: http.MethodDelete, path: ws + "/bots/:bot", handle: s.deleteBot, doc: doc{
			tag: "integrations", summary: "Revoke every token of a bot and remove it from the bot list (admins)",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodPost, path: ws + "/bots/:bot/tokens", handle: s.createBotToken, doc: doc{
			tag: "integrations", summary: "Give a bot another API token, shown this once (admins)",
			status: http.StatusCreated, result: "BotTokenCreated", errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodDelete, path: ws + "/bots/:bot/tokens/:token", handle: s.revokeBotToken, doc: doc{
			tag: "integrations", summary: "Revoke one bot token; its requests and event streams stop at once (admins)",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden},
		}},
		{method: http.MethodPost, path: hooksPrefix + ":secret", public: true, handle: s.postIncoming, doc: doc{
			tag: "integrations", summary: "Post into a channel through an incoming webhook: {text, username?, icon_url?} or a Slack-style payload",
			body: "IncomingWebhookPayload", status: http.StatusCreated, result: "Message", errors: []int{http.StatusTooManyRequests},
		}},
	}
	for _, k := range []struct {
		kind         model.IntegrationKind
		path, what   string
		schema, list string
	}{
		{model.IntegrationIncoming, ws + "/webhooks/incoming", "incoming webhooks", "IncomingWebhookCreate", "IntegrationList"},
		{model.IntegrationOutgoing, ws + "/webhooks/outgoing", "outgoing webhooks", "OutgoingWebhookCreate", "IntegrationList"},
		{model.IntegrationCommand, ws + "/slash-commands", "slash-command integrations", "SlashCommandCreate", "IntegrationList"},
	} {
		kind := k.kind
		rs = append(rs,
			route{method: http.MethodGet, path: k.path, handle: func(c *gin.Context) error { return s.listIntegrations(c, kind) }, doc: doc{
				tag: "integrations", summary: "The workspace's " + k.what + " (admins)",
				status: http.StatusOK, result: k.list, errors: []int{http.StatusForbidden, http.StatusServiceUnavailable},
			}},
			route{method: http.MethodPost, path: k.path, handle: func(c *gin.Context) error { return s.createIntegration(c, kind) }, doc: doc{
				tag: "integrations", summary: "Add one of the workspace's " + k.what + " (admins)",
				body: k.schema, status: http.StatusCreated, result: "Integration",
				errors: []int{http.StatusForbidden, http.StatusConflict, http.StatusServiceUnavailable},
			}},
			route{method: http.MethodDelete, path: k.path + "/:id", handle: func(c *gin.Context) error { return s.deleteIntegration(c, kind) }, doc: doc{
				tag: "integrations", summary: "Delete one of the workspace's " + k.what + " (admins)",
				status: http.StatusNoContent, errors: []int{http.StatusForbidden, http.StatusServiceUnavailable},
			}},
		)
	}
	return rs
}

func (s *server) listBots(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	bots, err := s.chat.WorkspaceBots(c.Request.Context(), userID(c), ws)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"bots": bots})
	return nil
}

func (s *server) createBot(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	var in botCreate
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	b, err := s.chat.CreateWorkspaceBot(c.Request.Context(), userID(c), ws, in.Username, in.DisplayName)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusCreated, gin.H{"bot": b.Bot, "token": b.Token})
	return nil
}

// botPath reads the workspace and bot of the path.
func botPath(c *gin.Context) (ws, bot int64, err error) {
	if ws, err = pathID(c, "ws", "workspace"); err != nil {
		return 0, 0, err
	}
	bot, err = pathID(c, "bot", "bot")
	return ws, bot, err
}

func (s *server) deleteBot(c *gin.Context) error {
	ws, bot, err := botPath(c)
	if err != nil {
		return err
	}
	if err := s.chat.DeleteWorkspaceBot(c.Request.Context(), userID(c), ws, bot); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *server) createBotToken(c *gin.Context) error {
	ws, bot, err := botPath(c)
	if err != nil {
		return err
	}
	tok, t, err := s.chat.CreateBotToken(c.Request.Context(), userID(c), ws, bot)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusCreated, gin.H{"token": tok, "info": t})
	return nil
}

func (s *server) revokeBotToken(c *gin.Context) error {
	ws, bot, err := botPath(c)
	if err != nil {
		return err
	}
	tid, err := pathID(c, "token", "token")
	if err != nil {
		return err
	}
	if err := s.chat.RevokeBotToken(c.Request.Context(), userID(c), ws, bot, tid); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// integrationsFor returns the workspace of the path, or 503 while the
// integrations are off.
func (s *server) integrationsFor(c *gin.Context) (int64, error) {
	if s.integrations == nil {
		return 0, apperr.Unavailable("integrations are not running")
	}
	return pathID(c, "ws", "workspace")
}

func (s *server) listIntegrations(c *gin.Context, kind model.IntegrationKind) error {
	ws, err := s.integrationsFor(c)
	if err != nil {
		return err
	}
	list, err := s.integrations.List(c.Request.Context(), userID(c), ws, kind)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"integrations": list})
	return nil
}

func (s *server) createIntegration(c *gin.Context, kind model.IntegrationKind) error {
	ws, err := s.integrationsFor(c)
	if err != nil {
		return err
	}
	var in integrationCreate
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	chats := in.ChatIDs
	if in.ChatID != 0 {
		chats = append([]int64{in.ChatID}, chats...)
	}
	it, err := s.integrations.Create(c.Request.Context(), userID(c), ws, kind, integ.Input{
		Name: in.Name, Description: in.Description, ChatIDs: chats, TriggerWords: in.TriggerWords, URL: in.URL, BotID: in.BotID,
	})
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusCreated, it)
	return nil
}

func (s *server) deleteIntegration(c *gin.Context, kind model.IntegrationKind) error {
	ws, err := s.integrationsFor(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id", "integration")
	if err != nil {
		return err
	}
	if err := s.integrations.Delete(c.Request.Context(), userID(c), ws, kind, id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// postIncoming answers POST /hooks/{secret}.
func (s *server) postIncoming(c *gin.Context) error {
	if s.integrations == nil {
		return apperr.Unavailable("integrations are not running")
	}
	var in integ.IncomingPayload
	if err := decodeJSONLoose(c.Request, &in); err != nil {
		return err
	}
	m, err := s.integrations.PostIncoming(c.Request.Context(), c.Param("secret"), in)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusCreated, normMessage(m))
	return nil
}

// runCommand runs a message that starts with a slash-command integration
// of the chat's workspace: handled is false for any other message.
func (s *server) runCommand(c *gin.Context, chatID int64, in messageCreate) (bool, error) {
	if s.integrations == nil || in.ReplyTo != nil || len(in.AttachmentIDs) > 0 {
		return false, nil
	}
	res, handled, err := s.integrations.RunCommand(c.Request.Context(), userID(c), chatID, in.Content, in.ClientID)
	if !handled || err != nil {
		return handled, err
	}
	if res.Invocation != nil {
		writeJSON(c, http.StatusCreated, normMessage(*res.Invocation))
		return true, nil
	}
	writeJSON(c, http.StatusAccepted, res)
	return true, nil
}

// decodeJSONLoose decodes a JSON object like decodeJSON but ignores
// fields it does not know: Slack-style senders add many (channel,
// icon_emoji, mrkdwn, ...).
func decodeJSONLoose(r *http.Request, dst any) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		if isMaxBytes(err) {
			return errTooLarge
		}
		return &apperr.Error{Kind: apperr.KindInvalid, Message: "could not read request body", Err: err}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return apperr.Invalid("request body must be a JSON object", nil)
	}
	if !isJSONType(r.Header.Get("Content-Type")) {
		return errUnsupportedJSON
	}
	if err := json.Unmarshal(trimmed, dst); err != nil {
		return jsonError(err)
	}
	return nil
}

// commandNameFree refuses an assistant command named like one of the
// workspace's slash-command integrations (409), so that one message
// never fires both.
func (s *server) commandNameFree(c *gin.Context, ws int64, name string) error {
	if s.integrations == nil {
		return nil
	}
	n := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "/"))
	taken, err := s.integrations.IsCommand(c.Request.Context(), ws, n)
	if err != nil {
		return err
	}
	if taken {
		return apperr.Conflict("/" + n + " is a slash-command integration of this workspace")
	}
	return nil
}
