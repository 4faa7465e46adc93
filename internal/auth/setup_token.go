package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"sync"
)

// setupTokenBytes is the entropy of a generated setup token (192 bits).
const setupTokenBytes = 24

// MinSetupTokenLen is the shortest setup token an operator may configure.
const MinSetupTokenLen = 16

// GenerateSetupToken returns a new random setup token (48 hex digits).
func GenerateSetupToken() string { return hex.EncodeToString(randomBytes(setupTokenBytes)) }

// SetupToken is the secret that lets its holder run first-run setup, so
// that an instance is claimed by whoever started it, not by whoever reaches
// its port first. It is safe for concurrent use.
type SetupToken struct {
	mu     sync.Mutex
	digest [sha256.Size]byte
	live   bool
	onDone func()
}

// NewSetupToken returns a live SetupToken for token; onDone (may be nil)
// runs once, when Done retires it. An empty token never matches.
func NewSetupToken(token string, onDone func()) *SetupToken {
	return &SetupToken{digest: sha256.Sum256([]byte(token)), live: token != "", onDone: onDone}
}

// Check reports whether presented is the token, while it is live. Both are
// hashed first, so the comparison takes the same time whatever the
// presented length.
func (t *SetupToken) Check(presented string) bool {
	d := sha256.Sum256([]byte(presented))
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.live && subtle.ConstantTimeCompare(d[:], t.digest[:]) == 1
}

// Done retires the token: Check answers false from now on. The first call
// runs onDone.
func (t *SetupToken) Done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.live {
		return
	}
	t.live = false
	if t.onDone != nil {
		t.onDone()
	}
}
