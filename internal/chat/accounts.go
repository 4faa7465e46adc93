package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// SetupInput is the first-run form: the instance administrator and their
// first workspace.
type SetupInput struct {
	Email         string `json:"email"`
	Password      string `json:"password"`
	Username      string `json:"username"`
	DisplayName   string `json:"display_name"`
	WorkspaceName string `json:"workspace_name"`
}

// SignUpInput is the sign-up form. InviteCode may be empty only when the
// instance allows open sign-up.
type SignUpInput struct {
	Email       string `json:"email"`
	Password    string `json:"password"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	InviteCode  string `json:"invite_code"`
}

// ProfilePatch changes the fields that are not nil.
type ProfilePatch struct {
	DisplayName *string `json:"display_name"`
	Username    *string `json:"username"`
	AvatarURL   *string `json:"avatar_url"`
	Locale      *string `json:"locale"`
	Timezone    *string `json:"timezone"`
}

// errSetupDone answers setup once any user exists.
func errSetupDone() error { return apperr.Conflict("setup is already done") }

// SetupNeeded reports whether no user exists yet.
func (s *Service) SetupNeeded(ctx context.Context) (bool, error) {
	n, err := s.store.CountUsers(ctx)
	if err != nil {
		return false, fmt.Errorf("count users: %w", err)
	}
	return n == 0, nil
}

// Setup creates the instance administrator and their first workspace (as
// owner) and signs them in. It answers 409 once any user exists, so it can
// run only once per instance; there is never a default account.
func (s *Service) Setup(ctx context.Context, in SetupInput, meta auth.ClientMeta) (auth.Grant, error) {
	// Answered first: once set up, nothing about the form matters. It is
	// checked again inside the transaction (see setupTx).
	needed, err := s.SetupNeeded(ctx)
	if err != nil {
		return auth.Grant{}, err
	}
	if !needed {
		return auth.Grant{}, errSetupDone()
	}
	u, wsName, err := validateSetupInput(in)
	if err != nil {
		return auth.Grant{}, err
	}
	if u.PasswordHash, err = s.auth.HashPassword(ctx, in.Password); err != nil {
		return auth.Grant{}, fmt.Errorf("hash password: %w", err)
	}
	u.IsAdmin = true
	err = s.inTx(ctx, func(tx storage.Tx) error { return s.setupTx(ctx, tx, &u, wsName) })
	if errors.Is(err, storage.ErrConflict) {
		// Another setup won the race between our count and our insert.
		return auth.Grant{}, errSetupDone()
	}
	if err != nil {
		return auth.Grant{}, err
	}
	return s.startAccountSession(ctx, u, meta)
}

// validateSetupInput checks every field of in and returns the new user (no
// hash yet) and the trimmed workspace name.
func validateSetupInput(in SetupInput) (model.User, string, error) {
	errs := inputErrors{}
	u := validateAccountFields(in.Email, in.Password, in.Username, in.DisplayName, errs)
	wsName, err := validateWorkspaceName("workspace_name", in.WorkspaceName)
	errs.add("workspace_name", err)
	return u, wsName, errs.err()
}

// validateAccountFields normalises the account fields of a sign-up or setup
// form, collecting what is wrong into errs.
func validateAccountFields(email, password, username, displayName string, errs inputErrors) model.User {
	var u model.User
	var err error
	u.Email, err = normalizeEmail(email)
	errs.add("email", err)
	errs.add("password", auth.ValidatePassword(password))
	u.Username, err = normalizeUsername(username)
	errs.add("username", err)
	u.DisplayName, err = validateDisplayName(displayName, u.Username)
	errs.add("display_name", err)
	return u
}

// setupEventID is the fixed event ID of the first administrator joining
// the first workspace. The outbox's event IDs are unique, so at most one
// setup can ever commit, on any engine: see setupTx.
var setupEventID = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://fechatter.dev/setup")).String()

// setupTx writes the administrator, the workspace and the ownership in tx.
// The user count is read inside the write transaction, which on SQLite
// (one writer) settles a race between two setups. On Postgres at READ
// COMMITTED two setups could both count zero; the fixed ID of the setup's
// event then makes the second one wait on the first one's uncommitted
// outbox row and fail its unique index (ErrConflict, 409) when it commits.
func (s *Service) setupTx(ctx context.Context, tx storage.Tx, u *model.User, wsName string) error {
	n, err := tx.CountUsers(ctx)
	if err != nil {
		return fmt.Errorf("count users: %w", err)
	}
	if n > 0 {
		return errSetupDone()
	}
	if err := tx.CreateUser(ctx, u); err != nil {
		return fmt.Errorf("create admin: %w", err)
	}
	wr, err := s.createWorkspaceTx(ctx, fixedEventIDTx{Tx: tx, eventID: setupEventID}, u.ID, wsName)
	if err != nil {
		return err
	}
	// The channels' events get their own ids: only the first event of the
	// setup needs the fixed one that settles a race between two setups.
	return s.createDefaultChannels(ctx, tx, u.ID, wr.Workspace.ID)
}

// fixedEventIDTx is tx with the ID of every appended event replaced by
// eventID; it is used for a unit of work that appends exactly one event.
type fixedEventIDTx struct {
	storage.Tx
	eventID string
}

// AppendEvent appends e under the fixed ID.
func (t fixedEventIDTx) AppendEvent(ctx context.Context, e *model.Event) error {
	e.ID = t.eventID
	return t.Tx.AppendEvent(ctx, e)
}

// SignUp creates an account and signs it in. With an invite code it joins
// the invite's workspace as a member and uses up one use of the code, in
// the same transaction; without one it needs Config.OpenSignup. Without a
// usable code (none, unknown, expired, used up) it answers 403.
func (s *Service) SignUp(ctx context.Context, in SignUpInput, meta auth.ClientMeta) (auth.Grant, error) {
	code := strings.TrimSpace(in.InviteCode)
	if code == "" && !s.cfg.OpenSignup {
		return auth.Grant{}, apperr.Forbidden("an invite is required")
	}
	errs := inputErrors{}
	u := validateAccountFields(in.Email, in.Password, in.Username, in.DisplayName, errs)
	if err := errs.err(); err != nil {
		return auth.Grant{}, err
	}
	var inv *model.Invite
	if code != "" {
		found, err := s.usableInvite(ctx, s.store, code)
		if err != nil {
			return auth.Grant{}, signUpInviteErr(err)
		}
		inv = &found
	}
	// A taken username is named (usernames are public in a workspace)
	// before hashing; a taken email is answered only after the hash, like
	// a success, and without saying why (errEmailUnavailable). Both are
	// checked again by the unique constraints inside the transaction.
	if err := checkAccountFree(ctx, s.store, "", u.Username, 0); err != nil {
		return auth.Grant{}, err
	}
	emailTaken, err := takenBy(s.store.UserByEmail(ctx, u.Email))
	if err != nil {
		return auth.Grant{}, fmt.Errorf("look up email: %w", err)
	}
	if u.PasswordHash, err = s.auth.HashPassword(ctx, in.Password); err != nil {
		return auth.Grant{}, fmt.Errorf("hash password: %w", err)
	}
	if emailTaken != 0 {
		return auth.Grant{}, errEmailUnavailable(nil)
	}
	err = s.inTx(ctx, func(tx storage.Tx) error { return s.signUpTx(ctx, tx, &u, inv) })
	if errors.Is(err, storage.ErrConflict) {
		return auth.Grant{}, s.accountConflict(ctx, u, err)
	}
	if err != nil {
		return auth.Grant{}, err
	}
	return s.startAccountSession(ctx, u, meta)
}

// signUpInviteErr turns the 404 of an unusable invite code into the 403 of
// API.md's sign-up ("without a valid invite code: 403"), keeping the one
// message for unknown, expired and used-up codes. With open sign-up a bad
// code is refused too rather than silently ignored: the caller asked to
// join a workspace and would not.
func signUpInviteErr(err error) error {
	if apperr.Is(err, apperr.KindNotFound) {
		return &apperr.Error{Kind: apperr.KindForbidden, Message: inviteNotFoundOrExpire, Err: err}
	}
	return err
}

// signUpTx creates the user and, with an invite, consumes one use and adds
// the membership.
func (s *Service) signUpTx(ctx context.Context, tx storage.Tx, u *model.User, inv *model.Invite) error {
	if inv != nil {
		if err := consumeInviteUse(ctx, tx, inv.ID, s.now()); err != nil {
			return signUpInviteErr(err)
		}
	}
	if err := tx.CreateUser(ctx, u); err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	if inv == nil {
		return nil
	}
	if err := s.addMemberTx(ctx, tx, inv.WorkspaceID, u.ID, u.ID, model.RoleMember); err != nil {
		return err
	}
	return s.joinAutoJoinChannels(ctx, tx, inv.WorkspaceID, u.ID)
}

// accountConflict turns a unique-constraint failure of a sign-up (a race
// with another sign-up) into the answer SignUp gives without a race: the
// 409 naming a taken username, or errEmailUnavailable.
func (s *Service) accountConflict(ctx context.Context, u model.User, cause error) error {
	if err := checkAccountFree(ctx, s.store, "", u.Username, 0); err != nil {
		return err
	}
	return errEmailUnavailable(cause)
}

// errEmailUnavailable is sign-up's one answer for an email it cannot use
// (ASVS 6.3.8): a 409 that does not say the address has an account. A
// sign-up that signs in at once cannot hide this completely (a free email
// gets a session), so the answer is also rate limited per client (see
// auth.Service.AllowSignUp) and comes after the same password hash as a
// success. docs/install.md explains the choice.
func errEmailUnavailable(cause error) error {
	return &apperr.Error{
		Kind:    apperr.KindConflict,
		Message: "this email address cannot be used to sign up; if you already have an account, sign in",
		Fields:  map[string]string{"email": "cannot be used to sign up"},
		Err:     cause,
	}
}

// accountLookup finds accounts by their unique names.
type accountLookup interface {
	UserByEmail(ctx context.Context, email string) (model.User, error)
	UserByUsername(ctx context.Context, username string) (model.User, error)
}

// checkAccountFree answers 409 naming every field (email, username) already
// used by a user other than selfID. An empty value is not checked.
func checkAccountFree(ctx context.Context, users accountLookup, email, username string, selfID int64) error {
	fields := map[string]string{}
	if email != "" {
		taken, err := takenBy(users.UserByEmail(ctx, email))
		if err != nil {
			return fmt.Errorf("look up email: %w", err)
		}
		if taken != 0 && taken != selfID {
			fields["email"] = "is already in use"
		}
	}
	if username != "" {
		taken, err := takenBy(users.UserByUsername(ctx, username))
		if err != nil {
			return fmt.Errorf("look up username: %w", err)
		}
		if taken != 0 && taken != selfID {
			fields["username"] = "is already taken"
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &apperr.Error{Kind: apperr.KindConflict, Message: "already taken: " + joinFieldNames(fields), Fields: fields}
}

// takenBy returns the id of the user found, 0 when there is none.
func takenBy(u model.User, err error) (int64, error) {
	if errors.Is(err, storage.ErrNotFound) {
		return 0, nil
	}
	return u.ID, err
}

// joinFieldNames lists the keys of fields in a stable order.
func joinFieldNames(fields map[string]string) string {
	var names []string
	for _, f := range []string{"email", "username"} {
		if _, ok := fields[f]; ok {
			names = append(names, f)
		}
	}
	return strings.Join(names, ", ")
}

// startAccountSession signs in a user whose account was just committed.
func (s *Service) startAccountSession(ctx context.Context, u model.User, meta auth.ClientMeta) (auth.Grant, error) {
	g, err := s.auth.StartSession(ctx, u, meta)
	if err != nil {
		return auth.Grant{}, fmt.Errorf("start session: %w", err)
	}
	return g, nil
}

// Me returns the caller's account.
func (s *Service) Me(ctx context.Context, userID int64) (model.User, error) {
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return model.User{}, apperr.NotFound("user")
	}
	if err != nil {
		return model.User{}, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

// UpdateProfile changes the caller's display name, username, avatar URL,
// locale and time zone (those set in p). A username must stay unique (409).
func (s *Service) UpdateProfile(ctx context.Context, userID int64, p ProfilePatch) (model.User, error) {
	p, err := normalizeProfilePatch(p)
	if err != nil {
		return model.User{}, err
	}
	var out, before model.User
	err = s.inTx(ctx, func(tx storage.Tx) error {
		out, before, err = updateProfileTx(ctx, tx, userID, p)
		if err != nil {
			return err
		}
		return s.announceProfile(ctx, tx, userID)
	})
	if errors.Is(err, storage.ErrConflict) {
		return model.User{}, &apperr.Error{Kind: apperr.KindConflict, Message: "already taken: username",
			Fields: map[string]string{"username": "is already taken"}, Err: err}
	}
	if err != nil {
		return model.User{}, err
	}
	return out, s.dropOldAvatar(ctx, before.AvatarSHA256, out.AvatarSHA256)
}

// updateProfileTx applies an already normalised patch to the stored user
// and returns the user after and before. avatar_url may only keep its
// value or be cleared (""): pictures are uploaded with SetAvatar, and an
// external URL would hand every reader's address to its host.
func updateProfileTx(ctx context.Context, tx storage.Tx, userID int64, p ProfilePatch) (model.User, model.User, error) {
	u, err := loadUser(ctx, tx, userID)
	if err != nil {
		return model.User{}, model.User{}, err
	}
	before := u
	if p.Username != nil && *p.Username != u.Username {
		if err := checkAccountFree(ctx, tx, "", *p.Username, u.ID); err != nil {
			return model.User{}, model.User{}, err
		}
	}
	if p.AvatarURL != nil && *p.AvatarURL != u.AvatarURL {
		if *p.AvatarURL != "" {
			return model.User{}, model.User{}, apperr.Field("avatar_url",
				`can only be cleared (""): upload a picture with PUT /api/me/avatar`)
		}
		if err := tx.SetAvatar(ctx, userID, "", ""); err != nil {
			return model.User{}, model.User{}, fmt.Errorf("clear avatar: %w", err)
		}
		u.AvatarSHA256 = ""
	}
	applyProfilePatch(&u, p)
	if err := tx.UpdateProfile(ctx, u); err != nil {
		return model.User{}, model.User{}, fmt.Errorf("update profile: %w", err)
	}
	return u, before, nil
}

// applyProfilePatch copies the set fields of p into u. An empty display
// name falls back to the (possibly new) username.
func applyProfilePatch(u *model.User, p ProfilePatch) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&u.Username, p.Username)
	set(&u.DisplayName, p.DisplayName)
	set(&u.AvatarURL, p.AvatarURL)
	set(&u.Locale, p.Locale)
	set(&u.Timezone, p.Timezone)
	if u.DisplayName == "" {
		u.DisplayName = u.Username
	}
}

// normalizeProfilePatch validates every set field of p and returns it with
// the values normalised (trimmed, case-folded).
func normalizeProfilePatch(p ProfilePatch) (ProfilePatch, error) {
	errs := inputErrors{}
	norm := func(field string, v *string, f func(string) (string, error)) *string {
		if v == nil {
			return nil
		}
		out, err := f(*v)
		errs.add(field, err)
		return &out
	}
	out := ProfilePatch{
		Username:  norm("username", p.Username, normalizeUsername),
		AvatarURL: norm("avatar_url", p.AvatarURL, validateAvatarURL),
		Locale:    norm("locale", p.Locale, validateLocale),
		Timezone:  norm("timezone", p.Timezone, validateTimezone),
	}
	out.DisplayName = norm("display_name", p.DisplayName, func(v string) (string, error) {
		return validateDisplayName(v, "")
	})
	return out, errs.err()
}
