package model

import "time"

// AssistantSettings are a workspace's choices for its assistant. A
// workspace that never saved any has the assistant on, with no system
// prompt of its own.
type AssistantSettings struct {
	WorkspaceID int64 `json:"-"`
	// Enabled is off when the workspace's admins turned the assistant off.
	Enabled bool `json:"enabled"`
	// SystemPrompt is added to the assistant's instructions.
	SystemPrompt string    `json:"system_prompt"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// AssistantCommand is a workspace's own slash command for the assistant:
// /Name runs Template, in which {{input}}, {{context}}, {{user}} and
// {{chat}} are replaced.
type AssistantCommand struct {
	ID          int64     `json:"id"`
	WorkspaceID int64     `json:"workspace_id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Template    string    `json:"template"`
	CreatedBy   int64     `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
}
