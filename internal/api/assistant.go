package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/bot"
)

// assistantPatch is the body of PATCH /api/workspaces/{ws}/assistant.
type assistantPatch struct {
	Enabled      *bool   `json:"enabled"`
	SystemPrompt *string `json:"system_prompt"`
}

// commandRequest is the body of POST and PATCH .../assistant/commands.
type commandRequest struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Template    string `json:"template"`
}

func (s *server) assistantRoutes() []route {
	const base = "/api/workspaces/:ws/assistant"
	return []route{
		{method: http.MethodGet, path: base, handle: s.getAssistant, doc: doc{
			tag: "assistant", summary: "The workspace's assistant: whether it answers, the model, and its commands (members)",
			status: http.StatusOK, result: "Assistant", errors: []int{http.StatusServiceUnavailable},
		}},
		{method: http.MethodPatch, path: base, handle: s.patchAssistant, doc: doc{
			tag: "assistant", summary: "Turn the assistant on or off and set its system prompt (admins)",
			body: "AssistantPatch", status: http.StatusOK, result: "Assistant",
			errors: []int{http.StatusForbidden, http.StatusServiceUnavailable},
		}},
		{method: http.MethodGet, path: base + "/commands", handle: s.listCommands, doc: doc{
			tag: "assistant", summary: "The assistant's commands, built-in first, then the workspace's own (members)",
			status: http.StatusOK, result: "AssistantCommandList", errors: []int{http.StatusServiceUnavailable},
		}},
		{method: http.MethodPost, path: base + "/commands", handle: s.createCommand, doc: doc{
			tag: "assistant", summary: "Add a custom command (admins); 409 when the name is taken",
			body: "AssistantCommandRequest", status: http.StatusCreated, result: "AssistantCommand",
			errors: []int{http.StatusForbidden, http.StatusConflict, http.StatusServiceUnavailable},
		}},
		{method: http.MethodPatch, path: base + "/commands/:command", handle: s.updateCommand, doc: doc{
			tag: "assistant", summary: "Replace a custom command (admins)",
			body: "AssistantCommandRequest", status: http.StatusOK, result: "AssistantCommand",
			errors: []int{http.StatusForbidden, http.StatusConflict, http.StatusServiceUnavailable},
		}},
		{method: http.MethodDelete, path: base + "/commands/:command", handle: s.deleteCommand, doc: doc{
			tag: "assistant", summary: "Delete a custom command (admins)",
			status: http.StatusNoContent, errors: []int{http.StatusForbidden, http.StatusServiceUnavailable},
		}},
	}
}

// assistantFor returns the workspace in the path, or 503 without an assistant.
func (s *server) assistantFor(c *gin.Context) (int64, error) {
	if s.assistant == nil {
		return 0, unavailableAssistant()
	}
	return pathID(c, "ws", "workspace")
}

func (s *server) getAssistant(c *gin.Context) error {
	ws, err := s.assistantFor(c)
	if err != nil {
		return err
	}
	info, err := s.assistant.Info(c.Request.Context(), userID(c), ws)
	if err != nil {
		return botErr(err)
	}
	writeJSON(c, http.StatusOK, info)
	return nil
}

func (s *server) patchAssistant(c *gin.Context) error {
	ws, err := s.assistantFor(c)
	if err != nil {
		return err
	}
	var in assistantPatch
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	info, err := s.assistant.UpdateSettings(c.Request.Context(), userID(c), ws, bot.SettingsPatch{Enabled: in.Enabled, SystemPrompt: in.SystemPrompt})
	if err != nil {
		return botErr(err)
	}
	writeJSON(c, http.StatusOK, info)
	return nil
}

func (s *server) listCommands(c *gin.Context) error {
	ws, err := s.assistantFor(c)
	if err != nil {
		return err
	}
	list, err := s.assistant.Commands(c.Request.Context(), userID(c), ws)
	if err != nil {
		return botErr(err)
	}
	writeJSON(c, http.StatusOK, gin.H{"commands": list})
	return nil
}

func (s *server) createCommand(c *gin.Context) error {
	ws, err := s.assistantFor(c)
	if err != nil {
		return err
	}
	var in commandRequest
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if err := s.commandNameFree(c, ws, in.Name); err != nil {
		return err
	}
	cmd, err := s.assistant.CreateCommand(c.Request.Context(), userID(c), ws, bot.CommandInput(in))
	if err != nil {
		return botErr(err)
	}
	writeJSON(c, http.StatusCreated, cmd)
	return nil
}

func (s *server) updateCommand(c *gin.Context) error {
	ws, err := s.assistantFor(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "command", "command")
	if err != nil {
		return err
	}
	var in commandRequest
	if err := decodeJSON(c.Request, &in, bodyRequired); err != nil {
		return err
	}
	if err := s.commandNameFree(c, ws, in.Name); err != nil {
		return err
	}
	cmd, err := s.assistant.UpdateCommand(c.Request.Context(), userID(c), ws, id, bot.CommandInput(in))
	if err != nil {
		return botErr(err)
	}
	writeJSON(c, http.StatusOK, cmd)
	return nil
}

func (s *server) deleteCommand(c *gin.Context) error {
	ws, err := s.assistantFor(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "command", "command")
	if err != nil {
		return err
	}
	if err := s.assistant.DeleteCommand(c.Request.Context(), userID(c), ws, id); err != nil {
		return botErr(err)
	}
	c.Status(http.StatusNoContent)
	return nil
}

func unavailableAssistant() error { return apperr.Unavailable("the assistant is not running") }

// botErr gives the assistant's refusals their API meaning.
func botErr(err error) error {
	var be *bot.Error
	if !errors.As(err, &be) {
		return err
	}
	switch be.Kind {
	case bot.KindInvalid:
		return apperr.Invalid(be.Message, be.Fields)
	case bot.KindForbidden:
		return apperr.Forbidden(be.Message)
	case bot.KindNotFound:
		return &apperr.Error{Kind: apperr.KindNotFound, Message: be.Message}
	case bot.KindConflict:
		return apperr.Conflict(be.Message)
	case bot.KindRateLimited:
		return &apperr.Error{Kind: apperr.KindRateLimited, Message: be.Message, RetryAfter: be.RetryAfter}
	case bot.KindUnavailable:
		return apperr.Unavailable(be.Message)
	}
	return err
}
