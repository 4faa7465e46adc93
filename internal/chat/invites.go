package chat

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Invite limits. An invite without explicit limits is good for 25 people
// and one week, so that a leaked link cannot bring in a crowd or work for
// ever; explicit values may go up to 1,000 uses and 30 days.
const (
	DefaultInviteMaxUses   = 25
	maxInviteUses          = 1000
	defaultInviteTTLHours  = 168 // one week
	maxInviteTTLHours      = 720 // 30 days
	inviteCodeBytes        = 16
	maxInviteCodeLen       = 64 // codes are 22 characters; longer input is not a code
	inviteNotFoundOrExpire = "invite not found or expired"
)

// InviteInput is the invite form. MaxUses 0 means the default (25);
// ExpiresInHours 0 means the default (one week).
type InviteInput struct {
	MaxUses        int `json:"max_uses"`
	ExpiresInHours int `json:"expires_in_hours"`
}

// InviteCreated is a new invite. Code is shown only this once: the server
// keeps only its hash.
type InviteCreated struct {
	ID        int64     `json:"id"`
	Code      string    `json:"code"`
	MaxUses   int       `json:"max_uses"`
	ExpiresAt time.Time `json:"expires_at"`
}

// errInviteGone is the one answer for an unknown, expired or used-up code,
// so that the three cannot be told apart.
func errInviteGone() error {
	return &apperr.Error{Kind: apperr.KindNotFound, Message: inviteNotFoundOrExpire}
}

// inviteCodeHash is how a code is stored: SHA-256, hex. The code has 128
// random bits, so a fast hash is enough (no guessing to slow down).
func inviteCodeHash(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

// newInviteCode returns 16 random bytes, base64url without padding.
func newInviteCode() string {
	b := make([]byte, inviteCodeBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}

// validateInviteInput checks the invite form and returns the number of
// uses and the expiry, defaults applied.
func validateInviteInput(in InviteInput, now time.Time) (int, time.Time, error) {
	errs := inputErrors{}
	uses := in.MaxUses
	if uses == 0 {
		uses = DefaultInviteMaxUses
	}
	if uses < 1 || uses > maxInviteUses {
		errs["max_uses"] = fmt.Sprintf("must be 1 to %d (omit it for %d)", maxInviteUses, DefaultInviteMaxUses)
	}
	hours := in.ExpiresInHours
	if hours == 0 {
		hours = defaultInviteTTLHours
	}
	if hours < 1 || hours > maxInviteTTLHours {
		errs["expires_in_hours"] = fmt.Sprintf("must be 1 to %d (omit it for %d)", maxInviteTTLHours, defaultInviteTTLHours)
	}
	return uses, now.Add(time.Duration(hours) * time.Hour).Truncate(time.Second), errs.err()
}

// CreateInvite makes an invite code for a workspace; admins and owners only.
func (s *Service) CreateInvite(ctx context.Context, userID, workspaceID int64, in InviteInput) (InviteCreated, error) {
	uses, expires, err := validateInviteInput(in, s.now())
	if err != nil {
		return InviteCreated{}, err
	}
	wr, err := workspaceRoleOf(ctx, s.store, workspaceID, userID)
	if err != nil {
		return InviteCreated{}, err
	}
	if err := requireWorkspaceRole(wr.Role, model.RoleAdmin, "create invites"); err != nil {
		return InviteCreated{}, err
	}
	code := newInviteCode()
	inv := model.Invite{
		WorkspaceID: workspaceID,
		CodeHash:    inviteCodeHash(code),
		CreatedBy:   userID,
		MaxUses:     uses,
		ExpiresAt:   expires,
	}
	if err := s.store.CreateInvite(ctx, &inv); err != nil {
		return InviteCreated{}, chatStoreErr(err, "create invite", "workspace", "") // deleted meanwhile
	}
	return InviteCreated{ID: inv.ID, Code: code, MaxUses: uses, ExpiresAt: expires}, nil
}

// inviteLookup finds an invite by its code's hash.
type inviteLookup interface {
	InviteByCodeHash(ctx context.Context, codeHash string) (model.Invite, error)
}

// usableInvite finds the invite for code if it is neither expired nor used
// up at the service's clock; 404 otherwise.
func (s *Service) usableInvite(ctx context.Context, invites inviteLookup, code string) (model.Invite, error) {
	code = strings.TrimSpace(code)
	if code == "" || len(code) > maxInviteCodeLen {
		return model.Invite{}, errInviteGone()
	}
	inv, err := invites.InviteByCodeHash(ctx, inviteCodeHash(code))
	if errors.Is(err, storage.ErrNotFound) {
		return model.Invite{}, errInviteGone()
	}
	if err != nil {
		return model.Invite{}, fmt.Errorf("look up invite: %w", err)
	}
	expired := !inv.ExpiresAt.IsZero() && !s.now().Before(inv.ExpiresAt) // zero: never expires
	if expired || (inv.MaxUses > 0 && inv.Uses >= inv.MaxUses) {
		return model.Invite{}, errInviteGone()
	}
	return inv, nil
}

// consumeInviteUse counts one use atomically; a code that ran out or
// expired in the meantime answers 404 like an unknown one.
func consumeInviteUse(ctx context.Context, tx storage.Invites, inviteID int64, now time.Time) error {
	err := tx.ConsumeInvite(ctx, inviteID, now)
	if errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrNotFound) {
		return errInviteGone()
	}
	if err != nil {
		return fmt.Errorf("consume invite: %w", err)
	}
	return nil
}

// LookupInvite returns the workspace an invite code leads to. It needs no
// authentication; an unknown, expired or used-up code answers 404.
func (s *Service) LookupInvite(ctx context.Context, code string) (model.Workspace, error) {
	inv, err := s.usableInvite(ctx, s.store, code)
	if err != nil {
		return model.Workspace{}, err
	}
	w, err := s.store.WorkspaceByID(ctx, inv.WorkspaceID)
	if errors.Is(err, storage.ErrNotFound) {
		return model.Workspace{}, errInviteGone()
	}
	if err != nil {
		return model.Workspace{}, fmt.Errorf("load workspace: %w", err)
	}
	return w, nil
}

// AcceptInvite makes userID a member of the invite's workspace and uses up
// one use of the code. Someone who is already a member gets their current
// role back and uses nothing.
func (s *Service) AcceptInvite(ctx context.Context, userID int64, code string) (WorkspaceRole, error) {
	wr, err := s.acceptInvite(ctx, userID, code)
	return WorkspaceRole(wr), err
}

func (s *Service) acceptInvite(ctx context.Context, userID int64, code string) (storage.WorkspaceRole, error) {
	inv, err := s.usableInvite(ctx, s.store, code)
	if err != nil {
		return storage.WorkspaceRole{}, err
	}
	wr, err := s.store.WorkspaceForMember(ctx, inv.WorkspaceID, userID)
	if err == nil {
		return wr, nil
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return storage.WorkspaceRole{}, fmt.Errorf("load membership: %w", err)
	}
	err = s.inTx(ctx, func(tx storage.Tx) error {
		wr, err = s.acceptInviteTx(ctx, tx, inv, userID)
		return err
	})
	if errors.Is(err, storage.ErrConflict) {
		// The same user accepted concurrently; that join stands and this
		// transaction (with its use of the code) rolled back.
		return workspaceRoleOf(ctx, s.store, inv.WorkspaceID, userID)
	}
	return wr, err
}

// acceptInviteTx consumes one use and adds the member with its event.
func (s *Service) acceptInviteTx(ctx context.Context, tx storage.Tx, inv model.Invite, userID int64) (storage.WorkspaceRole, error) {
	if err := refuseBanned(ctx, tx, inv.WorkspaceID, userID); err != nil {
		return storage.WorkspaceRole{}, err
	}
	if err := consumeInviteUse(ctx, tx, inv.ID, s.now()); err != nil {
		return storage.WorkspaceRole{}, err
	}
	if err := s.addMemberTx(ctx, tx, inv.WorkspaceID, userID, userID, model.RoleMember); err != nil {
		return storage.WorkspaceRole{}, err
	}
	if err := s.joinAutoJoinChannels(ctx, tx, inv.WorkspaceID, userID); err != nil {
		return storage.WorkspaceRole{}, err
	}
	return workspaceRoleOf(ctx, tx, inv.WorkspaceID, userID)
}

// ListInvites returns the live invites of a workspace (not expired, uses
// left), newest first; admins and owners only.
func (s *Service) ListInvites(ctx context.Context, userID, workspaceID int64) ([]model.Invite, error) {
	if err := s.requireAdmin(ctx, userID, workspaceID, "see invites"); err != nil {
		return nil, err
	}
	list, err := s.store.ListInvites(ctx, workspaceID, s.now())
	if err != nil {
		return nil, fmt.Errorf("list invites: %w", err)
	}
	return list, nil
}

// RevokeInvite deletes an invite of the workspace, so that its code stops
// working at once; admins and owners only. An invite of another workspace
// is 404.
func (s *Service) RevokeInvite(ctx context.Context, userID, workspaceID, inviteID int64) error {
	if err := s.requireAdmin(ctx, userID, workspaceID, "revoke invites"); err != nil {
		return err
	}
	if inviteID <= 0 {
		return apperr.NotFound("invite")
	}
	return chatStoreErr(s.store.DeleteInvite(ctx, workspaceID, inviteID), "revoke invite", "invite", "")
}

// requireAdmin answers 404 when userID is not in the workspace and 403 when
// they are below admin.
func (s *Service) requireAdmin(ctx context.Context, userID, workspaceID int64, action string) error {
	wr, err := workspaceRoleOf(ctx, s.store, workspaceID, userID)
	if err != nil {
		return err
	}
	return requireWorkspaceRole(wr.Role, model.RoleAdmin, action)
}
