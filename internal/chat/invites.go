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

// Invite limits.
const (
	maxInviteUses          = 10000
	defaultInviteTTLHours  = 168  // one week
	maxInviteTTLHours      = 8760 // one year
	inviteCodeBytes        = 16
	maxInviteCodeLen       = 64 // codes are 22 characters; longer input is not a code
	inviteNotFoundOrExpire = "invite not found or expired"
)

// InviteInput is the invite form. MaxUses 0 means unlimited; ExpiresInHours
// 0 means one week.
type InviteInput struct {
	MaxUses        int `json:"max_uses"`
	ExpiresInHours int `json:"expires_in_hours"`
}

// InviteCreated is a new invite. Code is shown only this once: the server
// keeps only its hash.
type InviteCreated struct {
	Code      string    `json:"code"`
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

// validateInviteInput checks the invite form and returns the expiry.
func validateInviteInput(in InviteInput, now time.Time) (time.Time, error) {
	errs := inputErrors{}
	if in.MaxUses < 0 || in.MaxUses > maxInviteUses {
		errs["max_uses"] = fmt.Sprintf("must be 0 (unlimited) to %d", maxInviteUses)
	}
	hours := in.ExpiresInHours
	if hours == 0 {
		hours = defaultInviteTTLHours
	}
	if hours < 1 || hours > maxInviteTTLHours {
		errs["expires_in_hours"] = fmt.Sprintf("must be 1 to %d", maxInviteTTLHours)
	}
	return now.Add(time.Duration(hours) * time.Hour).Truncate(time.Second), errs.err()
}

// CreateInvite makes an invite code for a workspace; admins and owners only.
func (s *Service) CreateInvite(ctx context.Context, userID, workspaceID int64, in InviteInput) (InviteCreated, error) {
	expires, err := validateInviteInput(in, s.now())
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
		MaxUses:     in.MaxUses,
		ExpiresAt:   expires,
	}
	if err := s.store.CreateInvite(ctx, &inv); err != nil {
		return InviteCreated{}, fmt.Errorf("create invite: %w", err)
	}
	return InviteCreated{Code: code, ExpiresAt: expires}, nil
}

// usableInvite finds the invite for code if it is neither expired nor used
// up at the service's clock; 404 otherwise.
func (s *Service) usableInvite(ctx context.Context, invites storage.Invites, code string) (model.Invite, error) {
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
func (s *Service) AcceptInvite(ctx context.Context, userID int64, code string) (storage.WorkspaceRole, error) {
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
	err = s.store.InTx(ctx, func(tx storage.Tx) error {
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
	if err := consumeInviteUse(ctx, tx, inv.ID, s.now()); err != nil {
		return storage.WorkspaceRole{}, err
	}
	if err := s.addMemberTx(ctx, tx, inv.WorkspaceID, userID, userID, model.RoleMember); err != nil {
		return storage.WorkspaceRole{}, err
	}
	return workspaceRoleOf(ctx, tx, inv.WorkspaceID, userID)
}
