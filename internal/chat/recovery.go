package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Lifetimes of the links mailed to users.
const (
	// ResetLinkTTL is how long a password-reset link works (issue 16).
	ResetLinkTTL = 30 * time.Minute
	// EmailChangeTTL is how long an email-change confirmation link works.
	EmailChangeTTL = 24 * time.Hour
	// ResetLinksPerHour caps the reset links mailed to one account in an
	// hour, so that nobody can flood a person's inbox; requests beyond it
	// are answered alike and mail nothing.
	ResetLinksPerHour = 3
)

// AuditResetLink records an instance administrator issuing a reset link.
const AuditResetLink = "user.reset_link"

// AccountLink is a single-use token made for a user, to be mailed (or,
// for an administrator's reset link, handed over). Token is the secret;
// only its hash is stored.
type AccountLink struct {
	Token     string
	ExpiresAt time.Time
	// User is whom it is for; To is where to mail it (the user's address,
	// or the new one of an email change).
	User model.User
	To   string
}

// errBadLink is the one answer for a token that is unknown, used, expired
// or not the caller's: which of those is not said.
func errBadLink(what string) error {
	return apperr.Invalid("this "+what+" link is invalid, already used or expired; ask for a new one",
		map[string]string{"token": "is invalid, already used or expired"})
}

// RequestPasswordReset makes a reset link for the account with this
// email. ok is false, with no error, when there is no such account (or it
// is a bot or disabled): the caller must answer the same either way.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) (link AccountLink, ok bool, err error) {
	addr, err := normalizeEmail(email)
	if err != nil {
		return AccountLink{}, false, err
	}
	u, err := s.store.UserByEmail(ctx, addr)
	if errors.Is(err, storage.ErrNotFound) || err == nil && (u.IsBot || u.Disabled()) {
		return AccountLink{}, false, nil
	}
	if err != nil {
		return AccountLink{}, false, fmt.Errorf("look up email: %w", err)
	}
	recent, err := s.store.CountAccountTokens(ctx, u.ID, model.TokenPasswordReset, s.now().Add(-time.Hour))
	if err != nil {
		return AccountLink{}, false, fmt.Errorf("count reset links: %w", err)
	}
	if recent >= ResetLinksPerHour {
		return AccountLink{}, false, nil
	}
	link, err = s.newAccountLink(ctx, nil, u, model.TokenPasswordReset, "", ResetLinkTTL)
	return link, err == nil, err
}

// IssueResetLink makes a reset link for a user on an instance
// administrator's request (for servers without mail), audited.
func (s *Service) IssueResetLink(ctx context.Context, adminID, userID int64) (AccountLink, error) {
	a := userActor(ctx, adminID)
	var link AccountLink
	err := s.inTx(ctx, func(tx storage.Tx) error {
		if err := requireInstanceAdmin(ctx, tx, a); err != nil {
			return err
		}
		u, err := tx.UserByID(ctx, userID)
		if errors.Is(err, storage.ErrNotFound) || err == nil && u.IsBot {
			return apperr.NotFound("user")
		}
		if err != nil {
			return fmt.Errorf("load user: %w", err)
		}
		if link, err = s.newAccountLink(ctx, tx, u, model.TokenPasswordReset, "", ResetLinkTTL); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, AuditResetLink, userID, 0, map[string]any{"expires_at": link.ExpiresAt})
	})
	return link, err
}

// newAccountLink stores a new token of purpose for u (in tx, or on its
// own when tx is nil).
func (s *Service) newAccountLink(ctx context.Context, tx storage.Tx, u model.User, purpose, email string, ttl time.Duration) (AccountLink, error) {
	token := newInviteCode() + newInviteCode() // 32 random bytes
	now := s.now()
	t := model.AccountToken{UserID: u.ID, Purpose: purpose, Email: email, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	create := func(tx storage.Tx) error { return tx.CreateAccountToken(ctx, &t, inviteCodeHash(token)) }
	var err error
	if tx != nil {
		err = create(tx)
	} else {
		err = s.store.InTx(ctx, create)
	}
	if err != nil {
		return AccountLink{}, fmt.Errorf("create %s token: %w", purpose, err)
	}
	to := u.Email
	if email != "" {
		to = email
	}
	u.PasswordHash = ""
	return AccountLink{Token: token, ExpiresAt: t.ExpiresAt, User: u, To: to}, nil
}

// ConfirmPasswordReset sets a new password with a reset link's token and
// ends every session, access token and event stream of the user. A token
// that is unknown, used or expired is a 400 on "token".
func (s *Service) ConfirmPasswordReset(ctx context.Context, token, password string) error {
	if err := auth.ValidatePassword(password); err != nil {
		return err
	}
	hash, err := s.auth.HashPassword(ctx, password)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	var userID int64
	err = s.inTx(ctx, func(tx storage.Tx) error {
		t, err := tx.UseAccountToken(ctx, model.TokenPasswordReset, inviteCodeHash(token), s.now())
		if errors.Is(err, storage.ErrNotFound) {
			return errBadLink("reset")
		}
		if err != nil {
			return fmt.Errorf("use reset token: %w", err)
		}
		u, err := tx.UserByID(ctx, t.UserID)
		if err != nil || u.Disabled() {
			return errBadLink("reset")
		}
		userID = u.ID
		if err := tx.SetPasswordHash(ctx, u.ID, hash); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
		return s.revokeCredentialsTx(ctx, tx, u.ID)
	})
	if err != nil {
		return err
	}
	s.auth.RevokedAll(ctx, userID)
	return nil
}

// RequestEmailChange makes the link that moves userID to newEmail once
// used. The caller has checked the password. ok is false, with no error,
// when the address belongs to another account: the caller answers the
// same and mails nothing, so the answer does not say whether an address
// has an account.
func (s *Service) RequestEmailChange(ctx context.Context, userID int64, newEmail string) (link AccountLink, ok bool, err error) {
	addr, err := normalizeEmail(newEmail)
	if err != nil {
		return AccountLink{}, false, err
	}
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return AccountLink{}, false, fmt.Errorf("load user: %w", err)
	}
	if addr == u.Email {
		return AccountLink{}, false, apperr.Field("email", "is already your email address")
	}
	taken, err := takenBy(s.store.UserByEmail(ctx, addr))
	if err != nil {
		return AccountLink{}, false, fmt.Errorf("look up email: %w", err)
	}
	if taken != 0 {
		return AccountLink{}, false, nil
	}
	link, err = s.newAccountLink(ctx, nil, u, model.TokenEmailChange, addr, EmailChangeTTL)
	return link, err == nil, err
}

// ConfirmEmailChange moves userID to the address of an email-change
// token of theirs. A token that is unknown, used, expired or another
// user's is a 400 on "token" (and is not spent); an address taken since
// is a 409.
func (s *Service) ConfirmEmailChange(ctx context.Context, userID int64, token string) (model.User, error) {
	var u model.User
	err := s.inTx(ctx, func(tx storage.Tx) error {
		t, err := tx.UseAccountToken(ctx, model.TokenEmailChange, inviteCodeHash(token), s.now())
		if errors.Is(err, storage.ErrNotFound) || err == nil && t.UserID != userID {
			return errBadLink("confirmation")
		}
		if err != nil {
			return fmt.Errorf("use email token: %w", err)
		}
		err = tx.SetUserEmail(ctx, userID, t.Email)
		if errors.Is(err, storage.ErrConflict) {
			return apperr.Conflict("this email address is already in use")
		}
		if err != nil {
			return fmt.Errorf("set email: %w", err)
		}
		if u, err = tx.UserByID(ctx, userID); err != nil {
			return fmt.Errorf("load user: %w", err)
		}
		return nil
	})
	u.PasswordHash = ""
	return u, err
}
