package model

import "time"

// Who may create workspaces: InstanceSettings.WorkspaceCreation.
const (
	// WorkspaceCreationEveryone lets every signed-in user create a
	// workspace (the behaviour before the setting existed).
	WorkspaceCreationEveryone = "everyone"
	// WorkspaceCreationAdmins lets only instance administrators.
	WorkspaceCreationAdmins = "admins"
)

// InstanceSettings are the instance-wide switches an instance
// administrator changes from the web app. They live in the database, not
// the config file, so every node of a cluster reads the same values.
type InstanceSettings struct {
	// WorkspaceCreation is WorkspaceCreationEveryone or
	// WorkspaceCreationAdmins.
	WorkspaceCreation string `json:"workspace_creation"`
	// ShowMemberEmails lets users see each other's email addresses; while
	// it is off, a user sees only their own (instance administrators see
	// every address).
	ShowMemberEmails bool `json:"show_member_emails"`
	// UpdatedAt is when an administrator last saved them; zero while they
	// are the defaults.
	UpdatedAt time.Time `json:"updated_at"`
}

// DefaultInstanceSettings are the settings of an instance whose
// administrator never changed them.
func DefaultInstanceSettings() InstanceSettings {
	return InstanceSettings{WorkspaceCreation: WorkspaceCreationEveryone}
}
