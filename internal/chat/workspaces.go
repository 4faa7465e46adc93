package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// workspaceMembership reads one user's membership of a workspace.
type workspaceMembership interface {
	WorkspaceForMember(ctx context.Context, workspaceID, userID int64) (storage.WorkspaceRole, error)
}

// workspaceRoleOf returns the workspace and userID's role in it. A missing
// workspace and one the user is not in answer the same 404, so that
// non-members cannot learn which workspaces exist.
func workspaceRoleOf(ctx context.Context, ws workspaceMembership, workspaceID, userID int64) (storage.WorkspaceRole, error) {
	wr, err := ws.WorkspaceForMember(ctx, workspaceID, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return storage.WorkspaceRole{}, apperr.NotFound("workspace")
	}
	if err != nil {
		return storage.WorkspaceRole{}, fmt.Errorf("load workspace %d: %w", workspaceID, err)
	}
	return wr, nil
}

// requireWorkspaceRole answers 403 when role is below min.
func requireWorkspaceRole(role, min model.Role, action string) error {
	if !role.AtLeast(min) {
		return apperr.Forbidden(fmt.Sprintf("only a workspace %s or above can %s", min, action))
	}
	return nil
}

// workspaceMemberOf returns one member of a workspace, 404 when absent.
func workspaceMemberOf(ctx context.Context, ws storage.Workspaces, workspaceID, userID int64) (model.Member, error) {
	m, err := ws.GetMember(ctx, workspaceID, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return model.Member{}, apperr.NotFound("member")
	}
	if err != nil {
		return model.Member{}, fmt.Errorf("load member %d: %w", userID, err)
	}
	return m, nil
}

// WorkspaceRole is a workspace together with the caller's role in it.
type WorkspaceRole struct {
	Workspace model.Workspace
	Role      model.Role
}

// ListWorkspaces returns the workspaces userID belongs to, with their role.
func (s *Service) ListWorkspaces(ctx context.Context, userID int64) ([]WorkspaceRole, error) {
	list, err := s.store.ListWorkspacesForUser(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	out := make([]WorkspaceRole, 0, len(list))
	for _, wr := range list {
		out = append(out, WorkspaceRole(wr))
	}
	return out, nil
}

// CreateWorkspace creates a workspace with userID as its owner.
func (s *Service) CreateWorkspace(ctx context.Context, userID int64, name string) (WorkspaceRole, error) {
	name, err := validateWorkspaceName("name", name)
	if err != nil {
		return WorkspaceRole{}, err
	}
	var wr storage.WorkspaceRole
	err = s.inTx(ctx, func(tx storage.Tx) error {
		if err := requireWorkspaceCreation(ctx, tx, userID); err != nil {
			return err
		}
		wr, err = s.createWorkspaceTx(ctx, tx, userID, name)
		if err != nil {
			return err
		}
		return s.createDefaultChannels(ctx, tx, userID, wr.Workspace.ID)
	})
	return WorkspaceRole(wr), err
}

// createWorkspaceTx inserts a workspace and makes ownerID its owner.
func (s *Service) createWorkspaceTx(ctx context.Context, tx storage.Tx, ownerID int64, name string) (storage.WorkspaceRole, error) {
	w := model.Workspace{Name: name, CreatedBy: ownerID}
	if err := tx.CreateWorkspace(ctx, &w); err != nil {
		return storage.WorkspaceRole{}, userGone(fmt.Errorf("create workspace: %w", err))
	}
	if err := s.addMemberTx(ctx, tx, w.ID, ownerID, ownerID, model.RoleOwner); err != nil {
		return storage.WorkspaceRole{}, err
	}
	return storage.WorkspaceRole{Workspace: w, Role: model.RoleOwner}, nil
}

// addMemberTx adds userID to a workspace with role and records
// workspace.member_joined (actor: actorID) in the same transaction.
// ErrConflict (wrapped) when the user is already a member.
func (s *Service) addMemberTx(ctx context.Context, tx storage.Tx, workspaceID, userID, actorID int64, role model.Role) error {
	m := model.Member{WorkspaceID: workspaceID, UserID: userID, Role: role}
	if err := tx.AddMember(ctx, &m); err != nil {
		return userGone(fmt.Errorf("add member: %w", err))
	}
	return s.recordMemberEvent(ctx, tx, model.EventWorkspaceMemberJoined, workspaceID, userID, actorID)
}

// userGone turns a missing referenced row (the user's account or the
// workspace was deleted meanwhile) into a 404 instead of a 500.
func userGone(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return &apperr.Error{Kind: apperr.KindNotFound, Message: "user or workspace not found", Err: err}
	}
	return err
}

// recordMemberEvent records a workspace member event carrying the member
// (as stored now) and the workspace.
func (s *Service) recordMemberEvent(ctx context.Context, tx storage.Tx, typ string, workspaceID, userID, actorID int64) error {
	m, err := workspaceMemberOf(ctx, tx, workspaceID, userID)
	if err != nil {
		return err
	}
	return s.recordMember(ctx, tx, typ, m, actorID)
}

// recordMember records a workspace member event for m.
func (s *Service) recordMember(ctx context.Context, tx storage.Tx, typ string, m model.Member, actorID int64) error {
	w, err := tx.WorkspaceByID(ctx, m.WorkspaceID)
	if err != nil {
		return fmt.Errorf("load workspace %d: %w", m.WorkspaceID, err)
	}
	return s.record(ctx, tx, events.WorkspaceMemberEvent{
		Header:    events.WorkspaceHeader(typ, m.WorkspaceID, actorID),
		Workspace: w, Member: m,
	})
}

// Workspace returns one workspace with the caller's role (404 for non-members).
func (s *Service) Workspace(ctx context.Context, userID, workspaceID int64) (WorkspaceRole, error) {
	wr, err := workspaceRoleOf(ctx, s.store, workspaceID, userID)
	return WorkspaceRole(wr), err
}

// RenameWorkspace renames a workspace; admins and owners only.
func (s *Service) RenameWorkspace(ctx context.Context, userID, workspaceID int64, name string) (WorkspaceRole, error) {
	name, err := validateWorkspaceName("name", name)
	if err != nil {
		return WorkspaceRole{}, err
	}
	var wr storage.WorkspaceRole
	err = s.inTx(ctx, func(tx storage.Tx) error {
		wr, err = s.renameWorkspaceTx(ctx, tx, userID, workspaceID, name)
		return err
	})
	return WorkspaceRole(wr), err
}

// renameWorkspaceTx checks the caller's role, renames and records
// workspace.updated.
func (s *Service) renameWorkspaceTx(ctx context.Context, tx storage.Tx, userID, workspaceID int64, name string) (storage.WorkspaceRole, error) {
	wr, err := workspaceRoleOf(ctx, tx, workspaceID, userID)
	if err != nil {
		return wr, err
	}
	if err := requireWorkspaceRole(wr.Role, model.RoleAdmin, "rename the workspace"); err != nil {
		return storage.WorkspaceRole{}, err
	}
	if wr.Workspace.Name == name {
		return wr, nil
	}
	if err := tx.RenameWorkspace(ctx, workspaceID, name); err != nil {
		return storage.WorkspaceRole{}, fmt.Errorf("rename workspace: %w", err)
	}
	wr.Workspace.Name = name
	err = s.record(ctx, tx, events.WorkspaceEvent{
		Header:    events.WorkspaceHeader(model.EventWorkspaceUpdated, workspaceID, userID),
		Workspace: wr.Workspace,
	})
	return wr, err
}

// DeleteWorkspace deletes a workspace and everything in it; owners only.
func (s *Service) DeleteWorkspace(ctx context.Context, userID, workspaceID int64) error {
	return s.inTx(ctx, func(tx storage.Tx) error {
		wr, err := workspaceRoleOf(ctx, tx, workspaceID, userID)
		if err != nil {
			return err
		}
		if err := requireWorkspaceRole(wr.Role, model.RoleOwner, "delete the workspace"); err != nil {
			return err
		}
		if err := tx.DeleteWorkspace(ctx, workspaceID); err != nil {
			return fmt.Errorf("delete workspace: %w", err)
		}
		// Recorded after the delete: the outbox row outlives the workspace
		// so that members' clients learn it is gone.
		return s.record(ctx, tx, events.WorkspaceEvent{
			Header:    events.WorkspaceHeader(model.EventWorkspaceDeleted, workspaceID, userID),
			Workspace: wr.Workspace,
		})
	})
}

// Members lists a workspace's members; any member (guests too) may.
func (s *Service) Members(ctx context.Context, userID, workspaceID int64) ([]model.Member, error) {
	if _, err := workspaceRoleOf(ctx, s.store, workspaceID, userID); err != nil {
		return nil, err
	}
	list, err := s.store.ListMembers(ctx, workspaceID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	if list == nil {
		list = []model.Member{}
	}
	return list, nil
}

// SetMemberRole changes a member's role. Admins and owners may; only an
// owner may make someone an owner or change an owner's role; the last owner
// cannot be demoted (409).
func (s *Service) SetMemberRole(ctx context.Context, userID, workspaceID, targetID int64, role model.Role) (model.Member, error) {
	if !role.Valid() {
		return model.Member{}, apperr.Field("role", "must be one of owner, admin, member, guest")
	}
	var out model.Member
	err := s.inTx(ctx, func(tx storage.Tx) error {
		var err error
		out, err = s.setMemberRoleTx(ctx, tx, userID, workspaceID, targetID, role)
		return err
	})
	return out, err
}

// setMemberRoleTx applies the role rules, stores the role and records
// workspace.member_updated.
func (s *Service) setMemberRoleTx(ctx context.Context, tx storage.Tx, userID, workspaceID, targetID int64, role model.Role) (model.Member, error) {
	if err := lockWorkspace(ctx, tx, workspaceID); err != nil {
		return model.Member{}, err
	}
	actor, target, err := actorAndTarget(ctx, tx, userID, workspaceID, targetID, "change member roles")
	if err != nil {
		return model.Member{}, err
	}
	if (target.Role == model.RoleOwner || role == model.RoleOwner) && actor.Role != model.RoleOwner {
		return model.Member{}, apperr.Forbidden("only an owner can grant or change the owner role")
	}
	if target.Role == role {
		return target, nil
	}
	if target.Role == model.RoleOwner {
		if err := ensureAnotherOwner(ctx, tx, workspaceID, "demote the last owner"); err != nil {
			return model.Member{}, err
		}
	}
	if err := tx.SetMemberRole(ctx, workspaceID, targetID, role); err != nil {
		return model.Member{}, fmt.Errorf("set member role: %w", err)
	}
	detail := map[string]any{"from": target.Role, "to": role}
	target.Role = role
	if err := s.audit(ctx, tx, userActor(ctx, userID), AuditMemberRole, targetID, workspaceID, detail); err != nil {
		return model.Member{}, err
	}
	return target, s.recordMember(ctx, tx, model.EventWorkspaceMemberUpdated, target, userID)
}

// actorAndTarget loads the acting member (404 when not in the workspace, 403
// below admin) and the target member (404).
func actorAndTarget(ctx context.Context, tx storage.Tx, userID, workspaceID, targetID int64, action string) (model.Member, model.Member, error) {
	wr, err := workspaceRoleOf(ctx, tx, workspaceID, userID)
	if err != nil {
		return model.Member{}, model.Member{}, err
	}
	if err := requireWorkspaceRole(wr.Role, model.RoleAdmin, action); err != nil {
		return model.Member{}, model.Member{}, err
	}
	actor := model.Member{WorkspaceID: workspaceID, UserID: userID, Role: wr.Role}
	target, err := workspaceMemberOf(ctx, tx, workspaceID, targetID)
	return actor, target, err
}

// lockWorkspace serialises a transaction that changes roles or membership
// with every other one in the workspace (storage.Workspaces.LockWorkspace),
// so that two owners stepping down at once cannot both see the other still
// there: call it before reading the members. A missing workspace answers
// the same 404 as one the caller is not in.
func lockWorkspace(ctx context.Context, tx storage.Workspaces, workspaceID int64) error {
	err := tx.LockWorkspace(ctx, workspaceID)
	if errors.Is(err, storage.ErrNotFound) {
		return apperr.NotFound("workspace")
	}
	if err != nil {
		return fmt.Errorf("lock workspace %d: %w", workspaceID, err)
	}
	return nil
}

// ensureAnotherOwner answers 409 when the workspace has one owner or none
// left, so that a workspace is never without an owner.
func ensureAnotherOwner(ctx context.Context, tx storage.Workspaces, workspaceID int64, action string) error {
	n, err := tx.CountOwners(ctx, workspaceID)
	if err != nil {
		return fmt.Errorf("count owners: %w", err)
	}
	if n <= 1 {
		return apperr.Conflict("cannot " + action + ": make someone else an owner first")
	}
	return nil
}

// RemoveMember removes targetID from the workspace and all its chats.
// Members may remove themselves (leave); otherwise admins and owners may,
// and only owners may remove an owner. The last owner can neither leave nor
// be removed (409).
func (s *Service) RemoveMember(ctx context.Context, userID, workspaceID, targetID int64) error {
	return s.removeMember(ctx, userID, workspaceID, targetID, false)
}

// removeMember is RemoveMember, also banning the member when ban is set.
func (s *Service) removeMember(ctx context.Context, userID, workspaceID, targetID int64, ban bool) error {
	return s.inTx(ctx, func(tx storage.Tx) error {
		if err := lockWorkspace(ctx, tx, workspaceID); err != nil {
			return err
		}
		target, err := removableMember(ctx, tx, userID, workspaceID, targetID)
		if err != nil {
			return err
		}
		if err := tx.RemoveMember(ctx, workspaceID, targetID); err != nil {
			return fmt.Errorf("remove member: %w", err)
		}
		if ban {
			if err := banTx(ctx, tx, userID, workspaceID, targetID); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, userActor(ctx, userID), AuditMemberBan, targetID, workspaceID, nil); err != nil {
				return err
			}
		}
		return s.recordMember(ctx, tx, model.EventWorkspaceMemberLeft, target, userID)
	})
}

// removableMember applies the removal rules and returns the member to remove.
func removableMember(ctx context.Context, tx storage.Tx, userID, workspaceID, targetID int64) (model.Member, error) {
	var target model.Member
	var err error
	if userID == targetID {
		if _, err := workspaceRoleOf(ctx, tx, workspaceID, userID); err != nil {
			return model.Member{}, err
		}
		target, err = workspaceMemberOf(ctx, tx, workspaceID, userID)
	} else {
		var actor model.Member
		actor, target, err = actorAndTarget(ctx, tx, userID, workspaceID, targetID, "remove members")
		if err == nil && target.Role == model.RoleOwner && actor.Role != model.RoleOwner {
			err = apperr.Forbidden("only an owner can remove an owner")
		}
	}
	if err != nil {
		return model.Member{}, err
	}
	if target.Role == model.RoleOwner {
		if err := ensureAnotherOwner(ctx, tx, workspaceID, "remove the last owner"); err != nil {
			return model.Member{}, err
		}
	}
	return target, nil
}
