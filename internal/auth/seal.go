package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// sealer encrypts small values the server hands out or stores and must
// read back untouched: TOTP secrets at rest, the second-step token of a
// sign-in, and the OIDC flow cookie. AES-256-GCM under a key derived from
// the signing key (HKDF-SHA256 with a label per use, RFC 5869), so one
// secret in the configuration serves all of them, and a value sealed for
// one use (its label and the associated data) never opens for another.
type sealer struct {
	aead cipher.AEAD
}

// newSealer derives the key for label from signingKey.
func newSealer(signingKey []byte, label string) (*sealer, error) {
	key, err := hkdf.Key(sha256.New, signingKey, nil, "fechatter "+label, 32)
	if err != nil {
		return nil, fmt.Errorf("derive %s key: %w", label, err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// errUnsealable is any value that does not open: tampered, truncated,
// sealed under another key or for other associated data.
var errUnsealable = errors.New("sealed value does not open")

// seal encrypts plain bound to ad and returns it as unpadded base64url.
func (s *sealer) seal(plain, ad []byte) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, ad))
}

// open reverses seal; errUnsealable for anything else.
func (s *sealer) open(sealed string, ad []byte) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return nil, errUnsealable
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], ad)
	if err != nil {
		return nil, errUnsealable
	}
	return plain, nil
}
