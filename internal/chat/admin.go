package chat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// The instance administrator's use cases: accounts across workspaces,
// run by `fechatter admin` (Actor from CLIActor) or by the API's
// /api/admin routes (an Actor with UserID, who must be an instance
// administrator). Each writes its audit record in the transaction of the
// change; those that end a user's credentials also write the control
// event model.EventCredentialsRevoked there, so that a server running in
// another process ends the user's streams when its relay publishes it.

// AdminUserInput is an account made by an administrator.
type AdminUserInput struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	// Admin makes the account an instance administrator.
	Admin bool `json:"is_admin"`
}

// ListUsers returns up to limit accounts with ID > afterID, by ID (limit
// as storage.PageLimit), bots included.
func (s *Service) ListUsers(ctx context.Context, afterID int64, limit int) ([]model.User, error) {
	list, err := s.store.ListUsers(ctx, afterID, storage.PageLimit(limit))
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return list, nil
}

// FindUser finds an account by id, email (has "@") or username (a
// number is tried as an id, then as a username); 404 naming ref when none
// matches.
func (s *Service) FindUser(ctx context.Context, ref string) (model.User, error) {
	ref = strings.TrimSpace(ref)
	var u model.User
	var err error
	id, perr := strconv.ParseInt(ref, 10, 64)
	switch {
	case perr == nil && id > 0:
		// A number is an id first; a username of digits is found next.
		if u, err = s.store.UserByID(ctx, id); errors.Is(err, storage.ErrNotFound) {
			u, err = s.store.UserByUsername(ctx, ref)
		}
	case strings.Contains(ref, "@"):
		u, err = s.store.UserByEmail(ctx, ref)
	default:
		u, err = s.store.UserByUsername(ctx, ref)
	}
	if errors.Is(err, storage.ErrNotFound) {
		return model.User{}, &apperr.Error{Kind: apperr.KindNotFound,
			Message: fmt.Sprintf("no user with id, email or username %q", ref), Err: err}
	}
	if err != nil {
		return model.User{}, fmt.Errorf("find user: %w", err)
	}
	return u, nil
}

// AllWorkspaces returns every workspace of the instance, oldest first.
func (s *Service) AllWorkspaces(ctx context.Context) ([]model.Workspace, error) {
	list, err := s.store.ListAllWorkspaces(ctx)
	if err != nil {
		return nil, fmt.Errorf("list workspaces: %w", err)
	}
	return list, nil
}

// CreateUserAsAdmin makes an account with the sign-up form's rules (409
// naming a taken email or username: an administrator may know) but no
// invite, no workspace and no session.
func (s *Service) CreateUserAsAdmin(ctx context.Context, a Actor, in AdminUserInput) (model.User, error) {
	errs := inputErrors{}
	u := validateAccountFields(in.Email, in.Password, in.Username, in.DisplayName, errs)
	if err := errs.err(); err != nil {
		return model.User{}, err
	}
	if err := checkAccountFree(ctx, s.store, u.Email, u.Username, 0); err != nil {
		return model.User{}, err
	}
	hash, err := s.auth.HashPassword(ctx, in.Password)
	if err != nil {
		return model.User{}, fmt.Errorf("hash password: %w", err)
	}
	u.PasswordHash, u.IsAdmin = hash, in.Admin
	err = s.inTx(ctx, func(tx storage.Tx) error {
		if err := requireInstanceAdmin(ctx, tx, a); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		return s.audit(ctx, tx, a, AuditUserCreate, u.ID, 0, map[string]any{"is_admin": in.Admin})
	})
	if errors.Is(err, storage.ErrConflict) {
		return model.User{}, checkAccountFree(ctx, s.store, u.Email, u.Username, 0)
	}
	u.PasswordHash = ""
	return u, err
}

// ResetPassword replaces the user's password (the sign-up rules apply:
// 400 on "password") and ends every session and token they hold.
func (s *Service) ResetPassword(ctx context.Context, a Actor, userID int64, password string) error {
	if err := auth.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := s.auth.HashPassword(ctx, password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	_, err = s.changeUser(ctx, a, userID, AuditPasswordReset, true, func(tx storage.Tx, _ *model.User) error {
		return tx.SetPasswordHash(ctx, userID, hash)
	})
	return err
}

// SetDisabled disables an account (it cannot sign in, refresh or use any
// token, and its streams end) or enables it again. The last enabled
// instance administrator cannot be disabled (409).
func (s *Service) SetDisabled(ctx context.Context, a Actor, userID int64, disabled bool) (model.User, error) {
	action := AuditUserEnable
	if disabled {
		action = AuditUserDisable
	}
	return s.changeUser(ctx, a, userID, action, disabled, func(tx storage.Tx, u *model.User) error {
		if u.Disabled() == disabled {
			return nil
		}
		if disabled && u.IsAdmin {
			if err := ensureAnotherAdmin(ctx, tx, "disable"); err != nil {
				return err
			}
		}
		if disabled {
			now := s.now()
			u.DisabledAt = &now
		} else {
			u.DisabledAt = nil
		}
		return tx.SetUserDisabled(ctx, userID, u.DisabledAt)
	})
}

// SetInstanceAdmin promotes a user to instance administrator or demotes
// them; the last enabled administrator cannot be demoted (409).
func (s *Service) SetInstanceAdmin(ctx context.Context, a Actor, userID int64, admin bool) (model.User, error) {
	action := AuditUserDemote
	if admin {
		action = AuditUserPromote
	}
	return s.changeUser(ctx, a, userID, action, false, func(tx storage.Tx, u *model.User) error {
		if u.IsAdmin == admin {
			return nil
		}
		if !admin && !u.Disabled() {
			if err := ensureAnotherAdmin(ctx, tx, "demote"); err != nil {
				return err
			}
		}
		u.IsAdmin = admin
		return tx.SetUserAdmin(ctx, userID, admin)
	})
}

// RevokeSessions ends every session and access token of the user, and
// their open event streams.
func (s *Service) RevokeSessions(ctx context.Context, a Actor, userID int64) error {
	_, err := s.changeUser(ctx, a, userID, AuditSessionsRevoke, true, func(storage.Tx, *model.User) error { return nil })
	return err
}

// changeUser runs change on the user in one transaction with the audit
// record; with revoke it also ends every credential of the user (tokens,
// sessions, streams, on every node and from another process). It returns
// the user as changed, without the password hash.
func (s *Service) changeUser(ctx context.Context, a Actor, userID int64, action string, revoke bool,
	change func(tx storage.Tx, u *model.User) error) (model.User, error) {
	var u model.User
	err := s.inTx(ctx, func(tx storage.Tx) error {
		if err := requireInstanceAdmin(ctx, tx, a); err != nil {
			return err
		}
		var err error
		if u, err = tx.UserByID(ctx, userID); err != nil {
			if errors.Is(err, storage.ErrNotFound) {
				return apperr.NotFound("user")
			}
			return fmt.Errorf("load user: %w", err)
		}
		if err := change(tx, &u); err != nil {
			return err
		}
		if revoke {
			if err := s.revokeCredentialsTx(ctx, tx, userID); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, a, action, userID, 0, nil)
	})
	if err != nil {
		return model.User{}, err
	}
	if revoke {
		s.auth.RevokedAll(ctx, userID)
	}
	u.PasswordHash = ""
	return u, nil
}

// revokeCredentialsTx cuts every token and session of the user and writes
// the control event that ends their streams on every running node.
func (s *Service) revokeCredentialsTx(ctx context.Context, tx storage.Tx, userID int64) error {
	if _, err := s.auth.CutTokensTx(ctx, tx, userID); err != nil {
		return err
	}
	body, err := json.Marshal(events.CredentialsRevoked{UserID: userID})
	if err != nil {
		return err
	}
	e := model.Event{ID: uuid.NewString(), Type: model.EventCredentialsRevoked, Payload: body}
	if err := tx.AppendEvent(ctx, &e); err != nil {
		return fmt.Errorf("append %s event: %w", e.Type, err)
	}
	return nil
}

// ensureAnotherAdmin answers 409 unless another enabled instance
// administrator remains.
func ensureAnotherAdmin(ctx context.Context, tx storage.Tx, action string) error {
	n, err := tx.CountActiveAdmins(ctx)
	if err != nil {
		return fmt.Errorf("count admins: %w", err)
	}
	if n <= 1 {
		return apperr.Conflict("cannot " + action + " the last instance administrator: promote someone else first")
	}
	return nil
}

// requireInstanceAdmin lets the command line through, and a user only
// while they are an enabled instance administrator (the API checks it
// before, this holds the rule inside the transaction too).
func requireInstanceAdmin(ctx context.Context, tx storage.Tx, a Actor) error {
	if a.UserID == 0 {
		return nil
	}
	u, err := tx.UserByID(ctx, a.UserID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("load actor: %w", err)
	}
	if err != nil || !u.IsAdmin || u.Disabled() {
		return apperr.Forbidden("only the instance administrator may do this")
	}
	return nil
}

// CreateInviteAsAdmin makes an invite to any workspace, with the limits
// of CreateInvite; the invite is in the name of the workspace's first
// owner (an invite needs a creator), the audit record names the actor.
func (s *Service) CreateInviteAsAdmin(ctx context.Context, a Actor, workspaceID int64, in InviteInput) (InviteCreated, error) {
	uses, expires, err := validateInviteInput(in, s.now())
	if err != nil {
		return InviteCreated{}, err
	}
	code := newInviteCode()
	inv := model.Invite{WorkspaceID: workspaceID, CodeHash: inviteCodeHash(code), MaxUses: uses, ExpiresAt: expires}
	err = s.inTx(ctx, func(tx storage.Tx) error {
		if err := requireInstanceAdmin(ctx, tx, a); err != nil {
			return err
		}
		owner, err := firstOwner(ctx, tx, workspaceID)
		if err != nil {
			return err
		}
		inv.CreatedBy = owner
		if err := tx.CreateInvite(ctx, &inv); err != nil {
			return fmt.Errorf("create invite: %w", err)
		}
		return s.audit(ctx, tx, a, AuditInviteCreate, 0, workspaceID, map[string]any{"invite_id": inv.ID, "max_uses": uses})
	})
	if err != nil {
		return InviteCreated{}, err
	}
	return InviteCreated{ID: inv.ID, Code: code, MaxUses: uses, ExpiresAt: expires}, nil
}

// firstOwner returns the longest-standing owner of a workspace; 404 when
// the workspace does not exist.
func firstOwner(ctx context.Context, tx storage.Tx, workspaceID int64) (int64, error) {
	if _, err := tx.WorkspaceByID(ctx, workspaceID); errors.Is(err, storage.ErrNotFound) {
		return 0, apperr.NotFound("workspace")
	} else if err != nil {
		return 0, fmt.Errorf("load workspace: %w", err)
	}
	members, err := tx.ListMembers(ctx, workspaceID)
	if err != nil {
		return 0, fmt.Errorf("list members: %w", err)
	}
	for _, m := range members {
		if m.Role == model.RoleOwner {
			return m.UserID, nil
		}
	}
	return 0, apperr.Conflict("the workspace has no owner to issue the invite in the name of")
}
