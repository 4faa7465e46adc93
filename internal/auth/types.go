package auth

import (
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// ClientMeta describes the client a session is started from; it is shown in
// the session list.
type ClientMeta struct {
	UserAgent string
	IP        string
}

// Grant is what a successful sign-in, sign-up, setup or refresh hands out.
type Grant struct {
	User         model.User
	SessionID    int64
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string
	// RefreshExpiresAt is when RefreshToken stops working if unused.
	RefreshExpiresAt time.Time
	// Challenge, when set, means the password was right but no session
	// was started: the sign-in goes on with a second step (SecondStep) or
	// an enrolment (EnrolWithToken). Every other field is then empty.
	Challenge *Challenge
}

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID    int64
	SessionID int64
	IssuedAt  time.Time
	// ExpiresAt is when the credential stops working: the access token's
	// exp, or the session's expiry for the session cookie. An event stream
	// opened with it ends then.
	ExpiresAt time.Time
	// WorkspaceID is the one workspace a bot API token may act in; 0 for a
	// person's credential, which is not scoped.
	WorkspaceID int64
	// BotTokenID is the bot API token authenticated; 0 for a person.
	BotTokenID int64
}
