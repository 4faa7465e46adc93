package integ

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/netguard"
)

// Response types of a slash command's answer.
const (
	InChannel = "in_channel"
	Ephemeral = "ephemeral"
)

// EphemeralEvent is the SSE event type of an answer shown only to the
// user who ran the command; it is not stored.
const EphemeralEvent = "command.ephemeral"

// CommandPayload is the JSON body POSTed to a slash command's URL.
type CommandPayload struct {
	EventID     string `json:"event_id"`
	Type        string `json:"type"`
	Command     string `json:"command"`
	Text        string `json:"text"`
	CommandID   int64  `json:"command_id"`
	WorkspaceID int64  `json:"workspace_id"`
	ChatID      int64  `json:"chat_id"`
	UserID      int64  `json:"user_id"`
	Username    string `json:"username"`
	Timestamp   int64  `json:"timestamp"`
}

// CommandResult is what running a slash command gave: the answer posted
// in the channel (Message), or a text only the invoker sees.
type CommandResult struct {
	Command      string         `json:"command"`
	ResponseType string         `json:"response_type"`
	Text         string         `json:"text"`
	OK           bool           `json:"ok"`
	Message      *model.Message `json:"message,omitempty"`
	Invocation   *model.Message `json:"-"`
	ChatID       int64          `json:"chat_id"`
}

// command finds a workspace's slash command by name.
func (s *Service) command(ctx context.Context, wsID int64, name string) (model.Integration, bool, error) {
	list, err := s.store.Integrations(ctx, wsID, model.IntegrationCommand)
	if err != nil {
		return model.Integration{}, false, fmt.Errorf("slash commands: %w", err)
	}
	for _, c := range list {
		if c.Name == name {
			return c, true, nil
		}
	}
	return model.Integration{}, false, nil
}

// RunCommand runs content as a slash-command integration when it starts
// with one of the chat's workspace; handled is false otherwise (the
// message is an ordinary one, which the assistant may take). The user
// must be able to post in the chat. The command's URL gets the signed
// payload and CommandTimeout to answer; an in_channel answer is posted as
// the command's bot after the invocation itself (sent as the user with
// clientID), an ephemeral one goes to the user's streams only. A failure
// or timeout is an ephemeral answer saying so, not an error: the
// invocation is not stored then.
func (s *Service) RunCommand(ctx context.Context, userID, chatID int64, content, clientID string) (CommandResult, bool, error) {
	name, text, ok := chat.ParseCommand(content)
	if !ok {
		return CommandResult{}, false, nil
	}
	c, err := s.chat.Chat(ctx, userID, chatID)
	if err != nil || c.MyRole == "" {
		return CommandResult{}, false, nil // the send path answers: 404, or 403 for a reader who has not joined
	}
	cmd, found, err := s.command(ctx, c.WorkspaceID, name)
	if err != nil || !found {
		return CommandResult{}, false, err
	}
	me, err := s.chat.Me(ctx, userID)
	if err != nil {
		return CommandResult{}, true, err
	}
	res := CommandResult{Command: "/" + name, ChatID: chatID, ResponseType: Ephemeral}
	ts := s.now().Unix()
	eventID := "cmd_" + newSecret()[:22]
	body, _ := json.Marshal(CommandPayload{
		EventID: eventID, Type: "slash_command", Command: "/" + name, Text: text, CommandID: cmd.ID,
		WorkspaceID: c.WorkspaceID, ChatID: chatID, UserID: userID, Username: me.Username, Timestamp: ts,
	})
	cctx, cancel := context.WithTimeout(ctx, s.cfg.CommandTimeout)
	defer cancel()
	r, err := s.post(cctx, cmd, eventID, ts, body)
	switch {
	case err != nil && (errors.Is(err, context.DeadlineExceeded) || cctx.Err() != nil):
		res.Text = fmt.Sprintf("/%s did not answer within %s. Nothing was posted.", name, s.cfg.CommandTimeout)
	case err != nil && isForbidden(err):
		res.Text = fmt.Sprintf("/%s points to an address the server may not call. Ask an admin to fix it.", name)
	case err != nil:
		s.log.Info("slash command failed", "command", name, "error", err)
		res.Text = fmt.Sprintf("/%s failed: %s. Nothing was posted.", name, shortReason(err))
	default:
		res.OK, res.Text = true, r.Text
		if r.ResponseType == InChannel {
			res.ResponseType = InChannel
		}
	}
	if res.ResponseType == InChannel && res.Text != "" {
		return s.postInChannel(ctx, userID, chatID, content, clientID, cmd, res)
	}
	if res.Text == "" {
		res.Text = fmt.Sprintf("/%s ran.", name)
	}
	if s.notify != nil {
		if err := s.notify.NotifyUser(ctx, userID, EphemeralEvent, map[string]any{
			"type": EphemeralEvent, "workspace_id": c.WorkspaceID, "chat_id": chatID, "command": res.Command,
			"text": res.Text, "ok": res.OK,
		}); err != nil {
			s.log.Warn("ephemeral command answer", "error", err)
		}
	}
	return res, true, nil
}

// postInChannel stores the invocation as the user's message and the
// answer as the command's bot, replying to it.
func (s *Service) postInChannel(ctx context.Context, userID, chatID int64, content, clientID string, cmd model.Integration, res CommandResult) (CommandResult, bool, error) {
	inv, _, err := s.chat.SendMessage(ctx, userID, chatID, chat.SendMessageInput{Content: content, ClientID: clientID})
	if err != nil {
		return CommandResult{}, true, err
	}
	ans, _, err := s.chat.PostAsBot(ctx, cmd.BotID, chatID, chat.SendMessageInput{
		Content: res.Text, ClientID: fmt.Sprintf("cmd:%d", inv.ID),
	})
	if err != nil {
		return CommandResult{}, true, err
	}
	res.Invocation, res.Message = &inv, &ans
	return res, true, nil
}

// shortReason is an error's reason fit for a user: the status answered,
// or that the service could not be reached.
func shortReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "answered "); i >= 0 {
		return "the service " + msg[i:]
	}
	return "the service could not be reached"
}

func isForbidden(err error) bool { return errors.Is(err, netguard.ErrForbidden) }
