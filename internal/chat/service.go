// Package chat holds Fechatter's use cases and their rules: accounts and
// setup, workspaces and invites, chats and membership, messages, reactions,
// read markers and files. Every state change writes its outbox event in the
// same transaction as the change.
package chat

import (
	"log/slog"
	"time"

	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/storage"
)

// Config holds the rules that operators can change.
type Config struct {
	// OpenSignup lets anyone sign up without an invite code.
	OpenSignup bool
	// FilesDir is where uploaded blobs are stored, content-addressed.
	FilesDir string
	// MaxFileSize is the largest upload in bytes.
	MaxFileSize int64
}

// Service runs the use cases. It is safe for concurrent use.
type Service struct {
	store storage.Store
	auth  *auth.Service
	cfg   Config
	log   *slog.Logger
	now   func() time.Time
	// typing is where Typing delivers (see typing.go); empty until set.
	typing typingSlot
}

// New returns a Service over store. log may be nil.
func New(store storage.Store, authSvc *auth.Service, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: store, auth: authSvc, cfg: cfg, log: log, now: func() time.Time { return time.Now().UTC() }}
}
