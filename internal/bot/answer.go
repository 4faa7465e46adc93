package bot

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// Streaming rhythm and shape of a reply.
const (
	// editInterval spaces the reply's updates while tokens stream (at
	// most 4 message.updated events a second).
	editInterval = 250 * time.Millisecond
	// placeholder is the reply's text until the first tokens arrive.
	placeholder = "Thinking…"
	// cursor marks a reply that is still growing.
	cursor = " ▍"
	// maxReplyRunes is the longest message the chat takes.
	maxReplyRunes = 10000
)

// clientIDPrefix makes the reply's idempotency key from the trigger's id:
// a redelivered trigger finds its reply instead of posting another.
const clientIDPrefix = "assistant-reply-"

// onMessage answers a new message when it asks something of the assistant.
func (s *Service) onMessage(ctx context.Context, m model.Message) error {
	if m.Sender.IsBot || m.Deleted || m.SenderID == 0 && m.Sender.ID == 0 {
		return nil
	}
	userID := m.Sender.ID
	if userID == 0 {
		userID = m.SenderID
	}
	bot, err := s.Bot(ctx, m.WorkspaceID)
	if err != nil {
		if isGone(err) {
			return nil
		}
		return err
	}
	tr, ok, err := s.triggerOf(ctx, userID, bot, m)
	if err != nil || !ok {
		if isGone(err) {
			return nil // the chat or the asker's access went away meanwhile
		}
		return err
	}
	st, err := s.settings(ctx, m.WorkspaceID)
	if err != nil {
		return err
	}
	if !st.Enabled {
		return nil // the workspace turned the assistant off: it stays silent
	}
	return s.answer(ctx, bot, userID, m, tr, st)
}

// triggerOf reads what m asks of the assistant, if anything: a slash
// command at its start, a mention of the assistant, or any message in a
// direct chat with it.
func (s *Service) triggerOf(ctx context.Context, userID int64, bot model.User, m model.Message) (trigger, bool, error) {
	if name, input, ok := chat.ParseCommand(m.Content); ok {
		if isBuiltin(name) {
			return trigger{command: name, input: input}, true, nil
		}
		if s.hasCommand(ctx, m.WorkspaceID, name) {
			return trigger{command: name, input: input}, true, nil
		}
	}
	if ok, rest := mentions(m.Content, bot.Username); ok {
		return trigger{input: rest}, true, nil
	}
	direct, err := s.directWithBot(ctx, userID, bot.ID, m.ChatID)
	if err != nil || !direct {
		return trigger{}, false, err
	}
	if name, input, ok := chat.ParseCommand(m.Content); ok {
		return trigger{command: name, input: input}, true, nil // unknown: answered with help
	}
	return trigger{input: m.Content}, true, nil
}

// directWithBot reports whether chatID is a direct chat between userID
// and the bot. It runs for every message sent, so it reads the chat record
// only, not the summary of Chat (which lists all of the user's chats).
func (s *Service) directWithBot(ctx context.Context, userID, botID, chatID int64) (bool, error) {
	c, err := s.chat.ChatRecord(ctx, userID, chatID)
	if err != nil || c.Type != model.ChatDirect {
		return false, err
	}
	members, err := s.chat.ChatMembers(ctx, userID, chatID)
	if err != nil {
		return false, err
	}
	for _, cm := range members {
		if cm.UserID == botID {
			return true, nil
		}
	}
	return false, nil
}

// reply is the assistant's message answering one trigger.
type reply struct {
	s      *Service
	bot    model.User
	chatID int64
	id     int64
	last   time.Time
	gone   bool // deleted by someone: stop writing to it
}

// answer posts the reply at once (or finds it, on redelivery), then fills
// it: with the help text, a refusal, or the model's streamed answer.
func (s *Service) answer(ctx context.Context, bot model.User, userID int64, m model.Message, tr trigger, st model.AssistantSettings) error {
	in := chat.SendMessageInput{Content: placeholder, ClientID: clientIDPrefix + itoa(m.ID)}
	if m.ReplyTo != nil {
		in.ReplyTo = *m.ReplyTo
	}
	msg, _, err := s.chat.PostAsBot(ctx, bot.ID, m.ChatID, in)
	if err != nil {
		if isGone(err) {
			return nil
		}
		return fmt.Errorf("post reply: %w", err)
	}
	r := &reply{s: s, bot: bot, chatID: m.ChatID, id: msg.ID}
	text, err := s.compose(ctx, r, userID, m, tr, st)
	if err != nil {
		return err
	}
	return r.settle(ctx, text)
}

// compose returns the reply's final text, streaming the model's answer
// into r as it comes.
func (s *Service) compose(ctx context.Context, r *reply, userID int64, m model.Message, tr trigger, st model.AssistantSettings) (string, error) {
	if tr.command == cmdHelp {
		return s.helpText(ctx, m.WorkspaceID)
	}
	if tr.command != "" && !isBuiltin(tr.command) && !s.hasCommand(ctx, m.WorkspaceID, tr.command) {
		return "I don't know the command /" + tr.command + ". Send /help to see the commands.", nil
	}
	if s.model == nil {
		return "I can't answer: no model is configured for the assistant on this server. An operator can set bot.base_url and bot.model (see docs/assistant.md).", nil
	}
	if s.limiter != nil {
		if wait, ok := s.limiter.AdmitUser(http.Header{}, LimitClass, userID); !ok {
			return fmt.Sprintf("You are asking the assistant too often. Please try again in %d seconds.", int(wait.Seconds())+1), nil
		}
	}
	if s.cfg.DailyTokenBudget > 0 {
		used, err := s.store.AssistantTokens(ctx, m.WorkspaceID, s.day())
		if err != nil {
			return "", err
		}
		if used >= s.cfg.DailyTokenBudget {
			telemetry.AssistantRequests.WithLabelValues(outcomeBudget).Inc()
			return "I can't answer: this workspace has used its assistant budget for today. It renews at midnight UTC.", nil
		}
	}
	if q := strings.TrimSpace(tr.input); q != "" && (tr.command == "" || tr.command == cmdAsk) {
		tr.sources = s.retrieve(ctx, userID, m, q)
	}
	turns, refusal, err := s.prompt(ctx, userID, m, tr, st)
	if err != nil || refusal != "" {
		return refusal, err
	}
	text, ok := s.ask(ctx, r, m.WorkspaceID, turns)
	if ok {
		text += citations(text, tr.sources)
	}
	return text, nil
}

func (s *Service) hasCommand(ctx context.Context, wsID int64, name string) bool {
	_, ok := s.customCommand(ctx, wsID, name)
	return ok
}

// ask streams the model's answer into r and returns the final text: the
// answer (ok), or what went wrong.
func (s *Service) ask(ctx context.Context, r *reply, wsID int64, turns []turn) (string, bool) {
	mctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	text, use, err := s.model.stream(mctx, turns, func(sofar string) { r.grow(ctx, sofar) })
	s.spend(ctx, wsID, use)
	if err != nil {
		outcome, sentence := explain(err, mctx.Err())
		if ctx.Err() != nil {
			outcome = outcomeError // stopping: the redelivery answers again
		}
		telemetry.AssistantRequests.WithLabelValues(outcome).Inc()
		s.log.Warn("assistant model request failed", "outcome", outcome, "error", err)
		if text != "" {
			return text + "\n\n" + sentence, false
		}
		return sentence, false
	}
	telemetry.AssistantRequests.WithLabelValues(outcomeOK).Inc()
	if strings.TrimSpace(text) == "" {
		return "The model returned an empty answer.", false
	}
	return text, true
}

// spend records the tokens of one request against the workspace's day.
func (s *Service) spend(ctx context.Context, wsID int64, u usage) {
	if u.prompt+u.completion == 0 {
		return
	}
	telemetry.AssistantTokens.WithLabelValues("prompt").Add(float64(u.prompt))
	telemetry.AssistantTokens.WithLabelValues("completion").Add(float64(u.completion))
	if _, err := s.store.AddAssistantTokens(context.WithoutCancel(ctx), wsID, s.day(), u.prompt+u.completion); err != nil {
		s.log.Warn("record assistant tokens", "error", err)
	}
}

func (s *Service) day() string { return s.now().Format("2006-01-02") }

// grow shows the answer so far, at most every editInterval.
func (r *reply) grow(ctx context.Context, sofar string) {
	if r.gone || time.Since(r.last) < editInterval {
		return
	}
	r.last = time.Now()
	r.edit(ctx, clip(sofar, maxReplyRunes-utf8.RuneCountInString(cursor))+cursor)
}

// settle writes the final text. A failure to write it is returned, so
// the trigger is redelivered and the same reply finished then.
func (r *reply) settle(ctx context.Context, text string) error {
	if r.gone {
		return nil
	}
	_, err := r.s.chat.EditAsBot(ctx, r.bot.ID, r.chatID, r.id, clip(text, maxReplyRunes))
	if err != nil && isGone(err) {
		return nil // deleted meanwhile
	}
	return err
}

func (r *reply) edit(ctx context.Context, text string) {
	if _, err := r.s.chat.EditAsBot(ctx, r.bot.ID, r.chatID, r.id, text); err != nil {
		if isGone(err) {
			r.gone = true
			return
		}
		r.s.log.Warn("update assistant reply", "error", err)
	}
}

// clip cuts s to at most n runes.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
