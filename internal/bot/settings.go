package bot

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
)

// ErrorKind says what kind of refusal an Error is; the API maps it to a
// status (the bot may not name HTTP or the API's error type).
type ErrorKind int

// Kinds of Error.
const (
	KindInvalid ErrorKind = iota + 1
	KindForbidden
	KindNotFound
	KindConflict
	// KindRateLimited: the user asks too often or the workspace's budget
	// is spent (RetryAfter says for how long).
	KindRateLimited
	// KindUnavailable: no model is configured, or it failed to answer.
	KindUnavailable
)

// Error is a refusal of a request to the assistant's settings or commands.
type Error struct {
	Kind    ErrorKind
	Message string
	// Fields names the invalid input fields (KindInvalid).
	Fields map[string]string
	// RetryAfter is when to ask again (KindRateLimited).
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Message }

func invalid(field, why string) *Error {
	return &Error{Kind: KindInvalid, Message: "invalid " + field + ": " + why, Fields: map[string]string{field: why}}
}

// Limits of the settings and commands.
const (
	maxSystemPrompt  = 4000
	maxDescription   = 200
	maxTemplate      = 4000
	maxCommandsPerWS = 100
)

// CommandInfo is a command as /help and the API list it.
type CommandInfo struct {
	ID          int64  `json:"id,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Usage       string `json:"usage"`
	Template    string `json:"template,omitempty"`
	BuiltIn     bool   `json:"built_in"`
}

// Info is the assistant of a workspace as its members see it.
type Info struct {
	// Enabled: a model is configured and the workspace has not turned the
	// assistant off.
	Enabled bool `json:"enabled"`
	// Configured: a model endpoint is configured on this server.
	Configured bool `json:"configured"`
	// TurnedOn: the workspace's admins have not turned the assistant off.
	TurnedOn     bool          `json:"turned_on"`
	Model        string        `json:"model"`
	SystemPrompt string        `json:"system_prompt"`
	Username     string        `json:"username"`
	UserID       int64         `json:"user_id"`
	Commands     []CommandInfo `json:"commands"`
}

// SettingsPatch changes a workspace's assistant settings; nil leaves a
// field as it is.
type SettingsPatch struct {
	Enabled      *bool
	SystemPrompt *string
}

// CommandInput is a custom command as an admin writes it.
type CommandInput struct {
	Name        string
	Description string
	Template    string
}

// settings returns a workspace's settings, the defaults when never saved.
func (s *Service) settings(ctx context.Context, wsID int64) (model.AssistantSettings, error) {
	st, err := s.store.AssistantSettings(ctx, wsID)
	if err != nil {
		if chat.IsNotFound(err) {
			return model.AssistantSettings{WorkspaceID: wsID, Enabled: true}, nil
		}
		return model.AssistantSettings{}, err
	}
	return st, nil
}

// member checks that userID belongs to the workspace (404 otherwise) and
// returns their role.
func (s *Service) member(ctx context.Context, userID, wsID int64) (model.Role, error) {
	wr, err := s.chat.Workspace(ctx, userID, wsID)
	if err != nil {
		return "", err
	}
	return wr.Role, nil
}

func (s *Service) admin(ctx context.Context, userID, wsID int64) error {
	role, err := s.member(ctx, userID, wsID)
	if err != nil {
		return err
	}
	if !role.AtLeast(model.RoleAdmin) {
		return &Error{Kind: KindForbidden, Message: "only workspace admins can change the assistant"}
	}
	return nil
}

// Info returns the workspace's assistant for a member.
func (s *Service) Info(ctx context.Context, userID, wsID int64) (Info, error) {
	if _, err := s.member(ctx, userID, wsID); err != nil {
		return Info{}, err
	}
	return s.info(ctx, wsID)
}

func (s *Service) info(ctx context.Context, wsID int64) (Info, error) {
	st, err := s.settings(ctx, wsID)
	if err != nil {
		return Info{}, err
	}
	cmds, err := s.commands(ctx, wsID)
	if err != nil {
		return Info{}, err
	}
	info := Info{
		Configured: s.cfg.Configured(), TurnedOn: st.Enabled, Enabled: s.cfg.Configured() && st.Enabled,
		SystemPrompt: st.SystemPrompt, Username: Username, Commands: cmds,
	}
	if info.Configured {
		info.Model = s.cfg.Model
	}
	if bot, err := s.Bot(ctx, wsID); err == nil {
		info.UserID = bot.ID
	}
	return info, nil
}

// commands lists the built-in commands and then the workspace's own.
func (s *Service) commands(ctx context.Context, wsID int64) ([]CommandInfo, error) {
	custom, err := s.store.AssistantCommands(ctx, wsID)
	if err != nil {
		return nil, err
	}
	out := append([]CommandInfo(nil), builtins...)
	for _, c := range custom {
		out = append(out, customInfo(c))
	}
	return out, nil
}

func customInfo(c model.AssistantCommand) CommandInfo {
	return CommandInfo{ID: c.ID, Name: c.Name, Description: c.Description, Usage: "/" + c.Name + " <input>", Template: c.Template}
}

// UpdateSettings changes the workspace's settings (admins only).
func (s *Service) UpdateSettings(ctx context.Context, userID, wsID int64, p SettingsPatch) (Info, error) {
	if err := s.admin(ctx, userID, wsID); err != nil {
		return Info{}, err
	}
	st, err := s.settings(ctx, wsID)
	if err != nil {
		return Info{}, err
	}
	if p.Enabled != nil {
		st.Enabled = *p.Enabled
	}
	if p.SystemPrompt != nil {
		prompt := strings.TrimSpace(*p.SystemPrompt)
		if utf8.RuneCountInString(prompt) > maxSystemPrompt {
			return Info{}, invalid("system_prompt", "at most 4000 characters")
		}
		st.SystemPrompt = prompt
	}
	st.UpdatedAt = s.now()
	if err := s.store.PutAssistantSettings(ctx, st); err != nil {
		return Info{}, err
	}
	return s.info(ctx, wsID)
}

// Commands lists the workspace's commands, built-in first, for a member.
func (s *Service) Commands(ctx context.Context, userID, wsID int64) ([]CommandInfo, error) {
	if _, err := s.member(ctx, userID, wsID); err != nil {
		return nil, err
	}
	return s.commands(ctx, wsID)
}

// checkCommand validates a custom command and returns it as stored.
func checkCommand(in CommandInput) (CommandInput, error) {
	in.Name = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(in.Name), "/"))
	in.Description = strings.TrimSpace(in.Description)
	in.Template = strings.TrimSpace(in.Template)
	switch {
	case !chat.ValidCommandName(in.Name):
		return in, invalid("name", "1 to 32 of a-z, 0-9, - and _, starting with a letter")
	case isBuiltin(in.Name):
		return in, invalid("name", "a built-in command has this name")
	case utf8.RuneCountInString(in.Description) > maxDescription:
		return in, invalid("description", "at most 200 characters")
	case in.Template == "":
		return in, invalid("template", "required")
	case utf8.RuneCountInString(in.Template) > maxTemplate:
		return in, invalid("template", "at most 4000 characters")
	}
	return in, nil
}

func isBuiltin(name string) bool {
	for _, b := range builtins {
		if b.Name == name {
			return true
		}
	}
	return false
}

// CreateCommand adds a custom command (admins only).
func (s *Service) CreateCommand(ctx context.Context, userID, wsID int64, in CommandInput) (CommandInfo, error) {
	if err := s.admin(ctx, userID, wsID); err != nil {
		return CommandInfo{}, err
	}
	in, err := checkCommand(in)
	if err != nil {
		return CommandInfo{}, err
	}
	existing, err := s.store.AssistantCommands(ctx, wsID)
	if err != nil {
		return CommandInfo{}, err
	}
	if len(existing) >= maxCommandsPerWS {
		return CommandInfo{}, &Error{Kind: KindConflict, Message: "a workspace has at most 100 commands"}
	}
	c := model.AssistantCommand{WorkspaceID: wsID, Name: in.Name, Description: in.Description, Template: in.Template, CreatedBy: userID}
	if err := s.store.CreateAssistantCommand(ctx, &c); err != nil {
		return CommandInfo{}, commandStoreErr(err)
	}
	return customInfo(c), nil
}

// UpdateCommand replaces a custom command (admins only).
func (s *Service) UpdateCommand(ctx context.Context, userID, wsID, id int64, in CommandInput) (CommandInfo, error) {
	if err := s.admin(ctx, userID, wsID); err != nil {
		return CommandInfo{}, err
	}
	in, err := checkCommand(in)
	if err != nil {
		return CommandInfo{}, err
	}
	c := model.AssistantCommand{ID: id, WorkspaceID: wsID, Name: in.Name, Description: in.Description, Template: in.Template}
	if err := s.store.UpdateAssistantCommand(ctx, c); err != nil {
		return CommandInfo{}, commandStoreErr(err)
	}
	return customInfo(c), nil
}

// DeleteCommand removes a custom command (admins only).
func (s *Service) DeleteCommand(ctx context.Context, userID, wsID, id int64) error {
	if err := s.admin(ctx, userID, wsID); err != nil {
		return err
	}
	return commandStoreErr(s.store.DeleteAssistantCommand(ctx, wsID, id))
}

func commandStoreErr(err error) error {
	switch {
	case err == nil:
		return nil
	case chat.IsConflict(err):
		return &Error{Kind: KindConflict, Message: "the workspace has a command of that name"}
	case chat.IsNotFound(err):
		return &Error{Kind: KindNotFound, Message: "command not found"}
	}
	return err
}

// isGone reports a chat or workspace that no longer exists.
func isGone(err error) bool { return chat.IsNotFound(err) }
