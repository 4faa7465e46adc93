package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/fechatter/fechatter/internal/apperr"
)

// Password length bounds in characters (ASVS 6.2.1, 6.2.9: at least 8,
// allow at least 64; no composition rules).
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// ValidatePassword checks the length rule: 8 to 256 characters, counted as
// Unicode code points. It returns an apperr field error on "password".
func ValidatePassword(pw string) error { return validatePasswordField("password", pw) }

// validatePasswordField is ValidatePassword reporting under field.
func validatePasswordField(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return apperr.Field(field, fmt.Sprintf("must be at least %d characters", MinPasswordLen))
	case n > MaxPasswordLen:
		return apperr.Field(field, fmt.Sprintf("must be at most %d characters", MaxPasswordLen))
	}
	return nil
}

// hasher runs argon2id with at most cap(sem) runs at once: each run holds
// params.Memory KiB, so a flood of sign-ins must queue rather than exhaust
// memory (field notes B3).
type hasher struct {
	params ArgonParams
	sem    chan struct{}
	// dummy is verified against for unknown accounts so that they take as
	// long as a wrong password (ASVS 6.3.8).
	dummy phcHash
	// runs counts argon2id derivations (tests check the dummy work).
	runs atomic.Uint64
}

// newHasher returns a hasher with the given parameters and concurrency cap.
func newHasher(params ArgonParams, maxConcurrent int) *hasher {
	return &hasher{
		params: params,
		sem:    make(chan struct{}, maxConcurrent),
		dummy:  phcHash{Params: params, Salt: randomBytes(saltLen), Key: randomBytes(keyLen)},
	}
}

// derive computes the argon2id key of pw once a slot is free.
func (h *hasher) derive(ctx context.Context, pw string, p ArgonParams, salt []byte, n int) ([]byte, error) {
	select {
	case h.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, &apperr.Error{Kind: apperr.KindUnavailable, Message: "server busy, try again", Err: ctx.Err()}
	}
	defer func() { <-h.sem }()
	h.runs.Add(1)
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(n)), nil
}

// hash returns the PHC string of pw under the configured parameters.
func (h *hasher) hash(ctx context.Context, pw string) (string, error) {
	salt := randomBytes(saltLen)
	key, err := h.derive(ctx, pw, h.params, salt, keyLen)
	if err != nil {
		return "", err
	}
	return phcHash{Params: h.params, Salt: salt, Key: key}.String(), nil
}

// verifyResult is what checking a password against a stored hash tells.
type verifyResult struct {
	// Match is true when the password is right.
	Match bool
	// Rehash is true when it matched but the hash uses other parameters
	// or sizes than the configured ones.
	Rehash bool
	// Malformed is the parse error of a stored hash that is not argon2id.
	Malformed error
}

// verify checks pw against encoded in constant time. An empty or malformed
// encoded is checked against the dummy hash (same cost) and never matches.
// The error is only a cancelled wait for a hashing slot.
func (h *hasher) verify(ctx context.Context, pw, encoded string) (verifyResult, error) {
	var res verifyResult
	ph, err := parsePHC(encoded)
	if err != nil {
		if encoded != "" {
			res.Malformed = err
		}
		ph = h.dummy
	}
	key, err := h.derive(ctx, pw, ph.Params, ph.Salt, len(ph.Key))
	if err != nil {
		return verifyResult{}, err
	}
	res.Match = subtle.ConstantTimeCompare(key, ph.Key) == 1 && res.Malformed == nil && encoded != ""
	res.Rehash = res.Match && (ph.Params != h.params || len(ph.Salt) != saltLen || len(ph.Key) != keyLen)
	return res, nil
}

// randomBytes returns n bytes from crypto/rand (which never fails since Go 1.24).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
