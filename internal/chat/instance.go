package chat

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// AuditSettingsChange is an instance administrator changing an instance
// setting; the detail names each changed setting with its old and new
// value.
const AuditSettingsChange = "instance.settings"

// InstanceSettingsPatch is a change of instance settings; absent fields
// stay as they are.
type InstanceSettingsPatch struct {
	WorkspaceCreation *string
	ShowMemberEmails  *bool
}

// InstanceSettings returns the instance-wide settings.
func (s *Service) InstanceSettings(ctx context.Context) (model.InstanceSettings, error) {
	st, err := s.store.InstanceSettings(ctx)
	if err != nil {
		return model.InstanceSettings{}, fmt.Errorf("load instance settings: %w", err)
	}
	return st, nil
}

// UpdateInstanceSettings applies p (400 naming a bad field) and writes
// one audit record per changed setting in the same transaction. Only an
// instance administrator may (or the command line).
func (s *Service) UpdateInstanceSettings(ctx context.Context, a Actor, p InstanceSettingsPatch) (model.InstanceSettings, error) {
	if p.WorkspaceCreation != nil && *p.WorkspaceCreation != model.WorkspaceCreationEveryone &&
		*p.WorkspaceCreation != model.WorkspaceCreationAdmins {
		return model.InstanceSettings{}, apperr.Invalid("workspace_creation must be everyone or admins",
			map[string]string{"workspace_creation": `must be "everyone" or "admins"`})
	}
	var st model.InstanceSettings
	err := s.inTx(ctx, func(tx storage.Tx) error {
		if err := requireInstanceAdmin(ctx, tx, a); err != nil {
			return err
		}
		var err error
		if st, err = tx.InstanceSettings(ctx); err != nil {
			return fmt.Errorf("load instance settings: %w", err)
		}
		changed := map[string]any{}
		if p.WorkspaceCreation != nil && *p.WorkspaceCreation != st.WorkspaceCreation {
			changed["workspace_creation"] = map[string]any{"from": st.WorkspaceCreation, "to": *p.WorkspaceCreation}
			st.WorkspaceCreation = *p.WorkspaceCreation
		}
		if p.ShowMemberEmails != nil && *p.ShowMemberEmails != st.ShowMemberEmails {
			changed["show_member_emails"] = map[string]any{"from": st.ShowMemberEmails, "to": *p.ShowMemberEmails}
			st.ShowMemberEmails = *p.ShowMemberEmails
		}
		if len(changed) == 0 {
			return nil // nothing to save, nothing to audit
		}
		st.UpdatedAt = s.now().Truncate(time.Microsecond) // as stored
		if err := tx.PutInstanceSettings(ctx, st); err != nil {
			return fmt.Errorf("save instance settings: %w", err)
		}
		return s.audit(ctx, tx, a, AuditSettingsChange, 0, 0, changed)
	})
	if err != nil {
		return model.InstanceSettings{}, err
	}
	s.settings.forget()
	return st, nil
}

// CanCreateWorkspace reports whether u may create a workspace under the
// instance's settings.
func CanCreateWorkspace(st model.InstanceSettings, u model.User) bool {
	return st.WorkspaceCreation != model.WorkspaceCreationAdmins || u.IsAdmin
}

// requireWorkspaceCreation answers 403 unless userID may create a
// workspace; it reads inside tx so that a change of the setting and a
// creation are ordered.
func requireWorkspaceCreation(ctx context.Context, tx storage.Tx, userID int64) error {
	st, err := tx.InstanceSettings(ctx)
	if err != nil {
		return fmt.Errorf("load instance settings: %w", err)
	}
	if st.WorkspaceCreation != model.WorkspaceCreationAdmins {
		return nil
	}
	u, err := tx.UserByID(ctx, userID)
	if err != nil {
		return userGone(fmt.Errorf("load user: %w", err))
	}
	if !CanCreateWorkspace(st, u) {
		return apperr.Forbidden("on this instance only instance administrators may create workspaces; ask one to create it for you")
	}
	return nil
}

// SeesEmails reports whether viewerID may see other users' email
// addresses: when the instance shows them, or when the viewer is an
// instance administrator. Workspace administrators do not: anyone may
// create a workspace (by default), so being one is no trust level, and a
// response (mentions, search) may span workspaces.
func (s *Service) SeesEmails(ctx context.Context, viewerID int64) (bool, error) {
	st, err := s.settings.get(func() (model.InstanceSettings, error) { return s.InstanceSettings(ctx) })
	if err != nil {
		return false, err
	}
	if st.ShowMemberEmails {
		return true, nil
	}
	u, err := s.store.UserByID(ctx, viewerID)
	if err != nil {
		return false, fmt.Errorf("load viewer: %w", err)
	}
	return u.IsAdmin && !u.Disabled(), nil
}

// settingsTTL is how long a node answers from its copy of the instance
// settings: SeesEmails runs for most answers that show users (history,
// member lists), and the settings change rarely. A change made on this
// node applies at once; one made on another node within settingsTTL.
const settingsTTL = 2 * time.Second

// settingsCache is a copy of the instance settings and when it was read.
type settingsCache struct {
	mu sync.Mutex
	st model.InstanceSettings
	at time.Time // monotonic: the service's clock may be a test's fixed one
}

// get returns the cached settings, reading them with load when stale.
func (c *settingsCache) get(load func() (model.InstanceSettings, error)) (model.InstanceSettings, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < settingsTTL {
		return c.st, nil
	}
	st, err := load()
	if err != nil {
		return model.InstanceSettings{}, err
	}
	c.st, c.at = st, time.Now()
	return st, nil
}

// forget drops the copy, so that the next get reads the database.
func (c *settingsCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = time.Time{}
}
