package auth

import (
	"errors"
	"fmt"
)

// AccessVerifier checks access tokens without a store: signature,
// algorithm, type, expiry, issuer and audience, by the same rules as
// Service.Authenticate. It does not see revocations (a logout-all, an
// ended session), so it may only inform decisions that are not access
// control, such as which cluster node a request is routed to.
type AccessVerifier struct{ ti *tokenIssuer }

// NewAccessVerifier returns a verifier of tokens signed with
// cfg.SigningKey; the other fields take their defaults as in New.
func NewAccessVerifier(cfg Config) (*AccessVerifier, error) {
	cfg = cfg.withDefaults()
	if len(cfg.SigningKey) < minSigningKey {
		return nil, fmt.Errorf("access verifier: signing key shorter than %d bytes", minSigningKey)
	}
	return &AccessVerifier{ti: newTokenIssuer(cfg)}, nil
}

// Verify returns the principal of a valid access token.
func (v *AccessVerifier) Verify(raw string) (Principal, error) {
	if v == nil {
		return Principal{}, errors.New("no access verifier")
	}
	return v.ti.verify(raw)
}
