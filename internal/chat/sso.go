package chat

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// ssoUsernameTries is how many free usernames CreateSSOUser tries before
// giving up (the preferred one, then with random suffixes).
const ssoUsernameTries = 8

// CreateSSOUser makes the account of a person who signed in with an
// OpenID provider for the first time (a provider with auto_create). The
// account has no password (it signs in through the provider) and joins
// no workspace. The username comes from the provider's preferred_username
// or the email's local part, made to fit the username rules, with a
// random suffix when taken.
func (s *Service) CreateSSOUser(ctx context.Context, email, preferred, name string) (model.User, error) {
	e, err := normalizeEmail(email)
	if err != nil {
		return model.User{}, err
	}
	base, err := normalizeUsername(usernameFrom(preferred))
	if err != nil {
		base, err = normalizeUsername(usernameFrom(e[:strings.LastIndexByte(e, '@')]))
	}
	if err != nil {
		base = "user"
	}
	for i := range ssoUsernameTries {
		candidate := base
		if i > 0 {
			n, _ := rand.Int(rand.Reader, big.NewInt(10000))
			suffix := fmt.Sprintf("-%04d", n.Int64())
			candidate = strings.TrimRight(base[:min(len(base), 32-len(suffix))], "-_.") + suffix
		}
		username, err := normalizeUsername(candidate)
		if err != nil {
			continue
		}
		display, err := validateDisplayName(name, username)
		if err != nil {
			display = username
		}
		u := model.User{Email: e, Username: username, DisplayName: display}
		err = s.inTx(ctx, func(tx storage.Tx) error { return tx.CreateUser(ctx, &u) })
		if errors.Is(err, storage.ErrConflict) {
			if taken, _ := takenBy(s.store.UserByEmail(ctx, e)); taken != 0 {
				return model.User{}, errEmailUnavailable(err)
			}
			continue // the username is taken: try another
		}
		return u, err
	}
	return model.User{}, errors.New("create sso user: no free username")
}
