package chat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Status limits.
const (
	// MaxStatusText is the longest status text, in characters.
	MaxStatusText = 100
	// maxStatusEmoji is the longest status emoji, in bytes: one emoji
	// with modifiers and joiners, or a :shortcode:.
	maxStatusEmoji = 64
)

// avatarPath is where GET serves a user's avatar.
const avatarPath = "/api/users/%d/avatar?v=%s"

// AvatarURL is the URL of the avatar with this SHA-256: the content hash
// in v makes it a new URL for every new picture, so browsers may keep it
// for good.
func AvatarURL(userID int64, sha256 string) string {
	return fmt.Sprintf(avatarPath, userID, avatarVersion(sha256))
}

// avatarVersion is the v of an avatar URL: a prefix of the SHA-256.
func avatarVersion(sha256 string) string { return sha256[:min(16, len(sha256))] }

// SetAvatar makes the uploaded image (cropped to crop, else to the centred
// square, and scaled to AvatarSize) the caller's avatar and tells the
// workspaces the caller is in (workspace.member_updated).
func (s *Service) SetAvatar(ctx context.Context, userID int64, r io.Reader, crop *Crop) (model.User, error) {
	if r == nil {
		return model.User{}, apperr.Field("file", "is required")
	}
	select {
	case s.avatarSlots <- struct{}{}:
	case <-ctx.Done():
		return model.User{}, ctx.Err()
	}
	img, err := renderAvatar(r, crop)
	<-s.avatarSlots
	if err != nil {
		return model.User{}, err
	}
	st, err := s.blobs.Stage(bytes.NewReader(img), int64(len(img)))
	if err != nil {
		return model.User{}, fmt.Errorf("store avatar: %w", err)
	}
	defer st.Discard()
	sum := st.Info().SHA256
	// blobMu shared: the sweeper cannot remove this blob between its
	// placement and the row that names it.
	s.blobMu.RLock()
	var out, before model.User
	err = st.Commit()
	if err == nil {
		out, before, err = s.changeAvatar(ctx, userID, sum)
	}
	s.blobMu.RUnlock()
	if err != nil {
		return model.User{}, err
	}
	return out, s.dropOldAvatar(ctx, before.AvatarSHA256, sum)
}

// DeleteAvatar removes the caller's avatar (initials show instead).
func (s *Service) DeleteAvatar(ctx context.Context, userID int64) (model.User, error) {
	out, before, err := s.changeAvatar(ctx, userID, "")
	if err != nil {
		return model.User{}, err
	}
	return out, s.dropOldAvatar(ctx, before.AvatarSHA256, "")
}

// changeAvatar names sum ("" for none) as userID's avatar and announces
// the change; it returns the user after and before.
func (s *Service) changeAvatar(ctx context.Context, userID int64, sum string) (model.User, model.User, error) {
	var out, before model.User
	err := s.inTx(ctx, func(tx storage.Tx) error {
		u, err := loadUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		before, out = u, u
		out.AvatarSHA256, out.AvatarURL = sum, ""
		if sum != "" {
			out.AvatarURL = AvatarURL(userID, sum)
		}
		if err := tx.SetAvatar(ctx, userID, out.AvatarSHA256, out.AvatarURL); err != nil {
			return fmt.Errorf("set avatar: %w", err)
		}
		return s.announceProfile(ctx, tx, userID)
	})
	return out, before, err
}

// dropOldAvatar removes the previous avatar's blob once nothing uses it.
func (s *Service) dropOldAvatar(ctx context.Context, old, current string) error {
	if old == "" || old == current {
		return nil
	}
	return s.removeBlobIfUnused(ctx, old)
}

// OpenAvatar returns the SHA-256 and open bytes of userID's avatar for
// viewerID: themselves, or someone who shares a workspace with them. To
// anyone else, and when there is no avatar, it is a 404. The caller
// closes the file.
func (s *Service) OpenAvatar(ctx context.Context, viewerID, userID int64) (string, *os.File, error) {
	if userID <= 0 {
		return "", nil, apperr.NotFound("avatar")
	}
	if viewerID != userID {
		shared, err := s.shareWorkspace(ctx, viewerID, userID)
		if err != nil {
			return "", nil, err
		}
		if !shared {
			return "", nil, apperr.NotFound("avatar")
		}
	}
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && u.AvatarSHA256 == "") {
		return "", nil, apperr.NotFound("avatar")
	}
	if err != nil {
		return "", nil, fmt.Errorf("load user: %w", err)
	}
	f, err := s.blobs.Open(u.AvatarSHA256)
	if err != nil {
		return "", nil, fmt.Errorf("open avatar of %d: %w", userID, err)
	}
	return u.AvatarSHA256, f, nil
}

// shareWorkspace reports whether a and b are members of one workspace.
func (s *Service) shareWorkspace(ctx context.Context, a, b int64) (bool, error) {
	wa, err := s.store.ListWorkspacesForUser(ctx, a)
	if err != nil {
		return false, fmt.Errorf("list workspaces: %w", err)
	}
	wb, err := s.store.ListWorkspacesForUser(ctx, b)
	if err != nil {
		return false, fmt.Errorf("list workspaces: %w", err)
	}
	in := make(map[int64]bool, len(wa))
	for _, w := range wa {
		in[w.Workspace.ID] = true
	}
	for _, w := range wb {
		if in[w.Workspace.ID] {
			return true, nil
		}
	}
	return false, nil
}

// SetStatus sets the caller's status: an emoji and a text (at least one
// of them), until expiresAt (nil: until cleared), which must be in the
// future. Everyone in the caller's workspaces sees the change.
func (s *Service) SetStatus(ctx context.Context, userID int64, st model.UserStatus) (model.User, error) {
	st, err := normalizeStatus(st, s.now())
	if err != nil {
		return model.User{}, err
	}
	return s.changeStatus(ctx, userID, st)
}

// ClearStatus removes the caller's status.
func (s *Service) ClearStatus(ctx context.Context, userID int64) (model.User, error) {
	return s.changeStatus(ctx, userID, model.UserStatus{})
}

func (s *Service) changeStatus(ctx context.Context, userID int64, st model.UserStatus) (model.User, error) {
	var out model.User
	err := s.inTx(ctx, func(tx storage.Tx) error {
		u, err := loadUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if err := tx.SetStatus(ctx, userID, st); err != nil {
			return fmt.Errorf("set status: %w", err)
		}
		u.Status = st
		out = u
		return s.announceProfile(ctx, tx, userID)
	})
	return out, err
}

// normalizeStatus trims and checks a status.
func normalizeStatus(st model.UserStatus, now time.Time) (model.UserStatus, error) {
	st.Emoji, st.Text = strings.TrimSpace(st.Emoji), strings.TrimSpace(st.Text)
	errs := inputErrors{}
	switch {
	case len(st.Emoji) > maxStatusEmoji:
		errs["emoji"] = fmt.Sprintf("must be at most %d bytes", maxStatusEmoji)
	case hasUnsafeRunes(st.Emoji) || strings.ContainsFunc(st.Emoji, isSpace):
		errs["emoji"] = "must be one emoji"
	}
	switch {
	case utf8.RuneCountInString(st.Text) > MaxStatusText:
		errs["text"] = fmt.Sprintf("must be at most %d characters", MaxStatusText)
	case hasUnsafeRunes(st.Text):
		errs["text"] = "must not contain control characters"
	}
	if st.Emoji == "" && st.Text == "" {
		errs["text"] = "a status needs an emoji or a text"
	}
	if st.ExpiresAt != nil {
		if !st.ExpiresAt.After(now) {
			errs["expires_at"] = "must be in the future"
		}
		t := st.ExpiresAt.UTC()
		st.ExpiresAt = &t
	}
	return st, errs.err()
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }

// loadUser loads a user inside a transaction; a missing one is a 404.
func loadUser(ctx context.Context, tx storage.Tx, userID int64) (model.User, error) {
	u, err := tx.UserByID(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return model.User{}, apperr.NotFound("user")
	}
	if err != nil {
		return model.User{}, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

// announceProfile records workspace.member_updated, with the user as it
// is now, in every workspace userID belongs to: that is how the others'
// clients learn a new name, avatar or status.
func (s *Service) announceProfile(ctx context.Context, tx storage.Tx, userID int64) error {
	list, err := tx.ListWorkspacesForUser(ctx, userID)
	if err != nil {
		return fmt.Errorf("list workspaces: %w", err)
	}
	for _, w := range list {
		if err := s.recordMemberEvent(ctx, tx, model.EventWorkspaceMemberUpdated, w.Workspace.ID, userID, userID); err != nil {
			return err
		}
	}
	return nil
}
