package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// targetPattern is a language as a caller may name it: an ISO code
// ("de", "pt-br") or a name ("german", "brazilian portuguese").
var targetPattern = regexp.MustCompile(`^[a-z][a-z -]{1,31}$`)

// translateInstruction is the system prompt of a translation.
const translateInstruction = "You translate chat messages. Translate the user's message into %s. " +
	"Reply with the translation only: no quotes, notes or explanations. Keep names, @mentions, " +
	"#channels, code, links and emoji as they are."

// Translate returns message msgID of chatID translated into target, as
// userID may read it: from the cache when the message has not changed
// since, else from the model (one request, counted against the
// workspace's daily budget and the user's rate like any question).
func (s *Service) Translate(ctx context.Context, userID, chatID, msgID int64, target string) (model.Translation, error) {
	target = strings.ToLower(strings.TrimSpace(target))
	if !targetPattern.MatchString(target) {
		return model.Translation{}, invalid("target", "a language code or name: 2 to 32 of a-z, space and -")
	}
	m, err := s.chat.Message(ctx, userID, chatID, msgID)
	if err != nil {
		return model.Translation{}, err
	}
	if m.Deleted || strings.TrimSpace(m.Content) == "" {
		return model.Translation{}, &Error{Kind: KindConflict, Message: "the message has no text to translate"}
	}
	hash := contentHash(m.Content)
	cached, err := s.store.MessageTranslation(ctx, m.ID, target)
	switch {
	case err == nil && cached.SourceHash == hash:
		return cached, nil
	case err != nil && !chat.IsNotFound(err):
		return model.Translation{}, err
	}
	if err := s.admitTranslation(ctx, userID, m.WorkspaceID); err != nil {
		return model.Translation{}, err
	}
	text, err := s.translateText(ctx, m.WorkspaceID, m.Content, target)
	if err != nil {
		return model.Translation{}, err
	}
	source := m.Lang
	if source == "" {
		source = s.detector.Detect(m.Content)
	}
	t := model.Translation{
		MessageID: m.ID, Target: target, SourceHash: hash, SourceLanguage: source,
		Text: text, CreatedAt: s.now().Truncate(time.Microsecond),
	}
	if err := s.store.PutMessageTranslation(ctx, t); err != nil {
		return model.Translation{}, err
	}
	return t, nil
}

// admitTranslation refuses a translation the assistant may not make now:
// no model, the workspace turned it off, the user asks too often, or the
// workspace's budget for the day is spent.
func (s *Service) admitTranslation(ctx context.Context, userID, wsID int64) error {
	if s.model == nil {
		return &Error{Kind: KindUnavailable, Message: "no model is configured for the assistant on this server (bot.base_url, bot.model)"}
	}
	st, err := s.settings(ctx, wsID)
	if err != nil {
		return err
	}
	if !st.Enabled {
		return &Error{Kind: KindForbidden, Message: "the workspace turned the assistant off"}
	}
	if s.limiter != nil {
		if wait, ok := s.limiter.AdmitUser(http.Header{}, LimitClass, userID); !ok {
			return &Error{Kind: KindRateLimited, Message: "too many requests to the assistant", RetryAfter: wait}
		}
	}
	if s.cfg.DailyTokenBudget > 0 {
		used, err := s.store.AssistantTokens(ctx, wsID, s.day())
		if err != nil {
			return err
		}
		if used >= s.cfg.DailyTokenBudget {
			telemetry.AssistantRequests.WithLabelValues(outcomeBudget).Inc()
			return &Error{Kind: KindRateLimited, Message: "the workspace has used its assistant budget for today", RetryAfter: s.untilMidnight()}
		}
	}
	return nil
}

// translateText asks the model for the translation.
func (s *Service) translateText(ctx context.Context, wsID int64, content, target string) (string, error) {
	name := target
	if KnownLanguage(target) {
		name = LanguageName(target) + " (" + target + ")"
	}
	turns := []turn{
		{role: "system", content: strings.Replace(translateInstruction, "%s", name, 1)},
		{role: "user", content: content},
	}
	mctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	text, use, err := s.model.stream(mctx, turns, func(string) {})
	s.spend(ctx, wsID, use)
	if err != nil {
		outcome, sentence := explain(err, mctx.Err())
		telemetry.AssistantRequests.WithLabelValues(outcome).Inc()
		s.log.Warn("translation request failed", "outcome", outcome, "error", err)
		return "", &Error{Kind: KindUnavailable, Message: strings.Replace(sentence, "I could not answer", "no translation", 1)}
	}
	telemetry.AssistantRequests.WithLabelValues(outcomeOK).Inc()
	text = strings.TrimSpace(text)
	if text == "" {
		return "", &Error{Kind: KindUnavailable, Message: "no translation: the model returned an empty answer"}
	}
	return clip(text, maxReplyRunes), nil
}

// untilMidnight is how long until the daily budget renews.
func (s *Service) untilMidnight() time.Duration {
	now := s.now()
	return now.Truncate(24 * time.Hour).Add(24 * time.Hour).Sub(now)
}

// contentHash identifies a version of a message's text.
func contentHash(content string) string {
	sum := sha256.Sum256([]byte(content))
	return hex.EncodeToString(sum[:])
}

// UserLanguage returns userID's language setting (unset when never saved).
func (s *Service) UserLanguage(ctx context.Context, userID int64) (model.UserLanguage, error) {
	l, err := s.store.UserLanguage(ctx, userID)
	if err != nil {
		if chat.IsNotFound(err) {
			return model.UserLanguage{UserID: userID}, nil
		}
		return model.UserLanguage{}, err
	}
	return l, nil
}

// LanguagePatch changes a user's language setting; nil leaves a field.
type LanguagePatch struct {
	Language      *string
	AutoTranslate *bool
}

// SetUserLanguage changes userID's language setting. A language is an
// ISO 639-1 code the detector knows, or "" for none.
func (s *Service) SetUserLanguage(ctx context.Context, userID int64, p LanguagePatch) (model.UserLanguage, error) {
	l, err := s.UserLanguage(ctx, userID)
	if err != nil {
		return model.UserLanguage{}, err
	}
	if p.Language != nil {
		code := strings.ToLower(strings.TrimSpace(*p.Language))
		if code != "" && !KnownLanguage(code) {
			return model.UserLanguage{}, invalid("language", "an ISO 639-1 code such as en, de or ja")
		}
		l.Language = code
	}
	if p.AutoTranslate != nil {
		l.AutoTranslate = *p.AutoTranslate
	}
	l.UpdatedAt = s.now().Truncate(time.Microsecond) // as stored
	if err := s.store.PutUserLanguage(ctx, l); err != nil {
		return model.UserLanguage{}, err
	}
	return l, nil
}
