// Package chat holds Fechatter's use cases and their rules: accounts and
// setup, workspaces and invites, chats and membership, messages, reactions,
// read markers and files. Every state change writes its outbox event in the
// same transaction as the change.
package chat

import (
	"log/slog"
	"sync"
	"time"

	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/storage/blobs"
)

// Config holds the rules that operators can change.
type Config struct {
	// OpenSignup lets anyone sign up without an invite code.
	OpenSignup bool
	// FilesDir is where uploaded blobs are stored, content-addressed.
	FilesDir string
	// MaxFileSize is the largest upload in bytes.
	MaxFileSize int64
	// QuotaPerUser caps the bytes one user may have uploaded, across all
	// workspaces; 0 means unlimited.
	QuotaPerUser int64
	// QuotaPerWorkspace caps the bytes of the files in one workspace; 0
	// means unlimited.
	QuotaPerWorkspace int64
	// OrphanGrace is how long an upload may stay attached to no message
	// before SweepOrphanFiles deletes it; 0 means 24 hours.
	OrphanGrace time.Duration
}

// Service runs the use cases. It is safe for concurrent use.
type Service struct {
	store Store
	auth  *auth.Service
	cfg   Config
	blobs blobStore
	log   *slog.Logger
	now   func() time.Time
	// typing is where Typing delivers (see typing.go); empty until set.
	typing typingSlot
	// blobMu orders blob writes against blob deletes: an upload holds it
	// shared from its quota check until its blob is in place, the orphan
	// sweeper exclusively while it checks that no file row still uses a
	// blob and removes it (files.go).
	blobMu sync.RWMutex
	// avatarSlots bounds how many avatars are decoded at once: a small
	// file may still unpack to hundreds of megabytes (avatar_image.go).
	avatarSlots chan struct{}
	// settings caches the instance settings for SeesEmails (instance.go).
	settings settingsCache
}

// New returns a Service over store (a storage.Store, or anything with the
// methods of Store). log may be nil.
func New(store Store, authSvc *auth.Service, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{
		store: store, auth: authSvc, cfg: cfg, log: log,
		blobs:       blobs.New(cfg.FilesDir),
		now:         func() time.Time { return time.Now().UTC() },
		avatarSlots: make(chan struct{}, avatarDecoders),
	}
}
