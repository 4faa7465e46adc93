package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/fechatter/fechatter/internal/apperr"
)

// accessTokenType is the explicit JWT "typ" header of access tokens
// (RFC 9068 §2.1, RFC 8725 §3.11), so that no other JWT signed with the
// same key can pass for one.
const accessTokenType = "at+jwt"

// clockSkew is the leeway for exp and iat between the nodes of a cluster.
const clockSkew = 5 * time.Second

// maxAccessTokenLen bounds what Authenticate will parse.
const maxAccessTokenLen = 4096

// accessClaims are the claims of an access token. The registered iat has
// one-second precision; IssuedAtMs carries the issue time in milliseconds so
// that the tokens_valid_after cut can tell tokens of the same second apart.
type accessClaims struct {
	jwt.RegisteredClaims
	SessionID  int64 `json:"sid"`
	IssuedAtMs int64 `json:"iat_ms"`
}

// tokenIssuer signs and verifies access tokens.
type tokenIssuer struct {
	key      []byte
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
	verified verifiedTokens
}

// verifiedTokens remembers the principal of access tokens whose signature
// and claims verify checked, so that the next request with the same token
// (a client sends one token for minutes) is a map lookup instead of a JWT
// parse and an HMAC, about a tenth of a send's authentication. Only what a
// token's bytes fix is remembered: its expiry is checked again on every
// hit, and whether it was revoked is CheckPrincipal's, never cached here.
type verifiedTokens struct {
	mu sync.Mutex
	m  map[string]Principal
}

// maxVerifiedTokens bounds verifiedTokens; when full it is emptied.
const maxVerifiedTokens = 10_000

func (v *verifiedTokens) get(raw string) (Principal, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	p, ok := v.m[raw]
	return p, ok
}

func (v *verifiedTokens) put(raw string, p Principal) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerifiedTokens {
		v.m = make(map[string]Principal)
	}
	v.m[raw] = p
}

// newTokenIssuer returns a tokenIssuer pinned to HS256 and the configured
// issuer and audience.
func newTokenIssuer(cfg Config) *tokenIssuer {
	return &tokenIssuer{
		key: cfg.SigningKey, issuer: cfg.Issuer, audience: cfg.Audience,
		ttl: cfg.AccessTTL, now: cfg.Now,
		parser: jwt.NewParser(
			jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audience),
			jwt.WithLeeway(clockSkew),
			jwt.WithTimeFunc(cfg.Now),
		),
	}
}

// sign returns an access token for the user and session, issued at
// issuedAt (milliseconds matter) and expiring AccessTTL after now.
func (ti *tokenIssuer) sign(userID, sessionID int64, issuedAt time.Time) (string, error) {
	if len(ti.key) < minSigningKey {
		return "", fmt.Errorf("sign access token: signing key shorter than %d bytes", minSigningKey)
	}
	now := ti.now()
	claims := accessClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    ti.issuer,
			Subject:   strconv.FormatInt(userID, 10),
			Audience:  jwt.ClaimStrings{ti.audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(ti.ttl)),
			IssuedAt:  jwt.NewNumericDate(issuedAt),
			ID:        base64.RawURLEncoding.EncodeToString(randomBytes(16)),
		},
		SessionID:  sessionID,
		IssuedAtMs: issuedAt.UnixMilli(),
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["typ"] = accessTokenType
	s, err := tok.SignedString(ti.key)
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return s, nil
}

// verify checks signature, algorithm, type, expiry, issuer and audience and
// returns the token's principal. It does not check the user's cut.
func (ti *tokenIssuer) verify(raw string) (Principal, error) {
	if raw == "" || len(raw) > maxAccessTokenLen || len(ti.key) < minSigningKey {
		return Principal{}, errInvalidAccess(errors.New("empty, oversized or unverifiable"))
	}
	// The parser's own test, with the same leeway: a remembered token that
	// has expired since is parsed again, and refused there.
	if p, ok := ti.verified.get(raw); ok && ti.now().Before(p.ExpiresAt.Add(clockSkew)) {
		return p, nil
	}
	var c accessClaims
	if _, err := ti.parser.ParseWithClaims(raw, &c, ti.keyFunc); err != nil {
		return Principal{}, errInvalidAccess(err)
	}
	userID, err := strconv.ParseInt(c.Subject, 10, 64)
	if err != nil || userID <= 0 || c.SessionID <= 0 || c.IssuedAtMs <= 0 {
		return Principal{}, errInvalidAccess(errors.New("bad sub, sid or iat_ms"))
	}
	p := Principal{
		UserID: userID, SessionID: c.SessionID,
		IssuedAt: time.UnixMilli(c.IssuedAtMs).UTC(), ExpiresAt: c.ExpiresAt.UTC(),
	}
	ti.verified.put(raw, p)
	return p, nil
}

// keyFunc checks the explicit type before handing out the key; the
// algorithm is pinned by the parser's WithValidMethods.
func (ti *tokenIssuer) keyFunc(t *jwt.Token) (any, error) {
	typ, _ := t.Header["typ"].(string)
	if !strings.EqualFold(typ, accessTokenType) {
		return nil, fmt.Errorf("token type %q is not %s", typ, accessTokenType)
	}
	return ti.key, nil
}

// errInvalidAccess is the one 401 every bad access token gets; cause is
// only logged.
func errInvalidAccess(cause error) *apperr.Error {
	return &apperr.Error{Kind: apperr.KindUnauthorized, Message: "invalid or expired access token", Err: cause}
}

// cutMillis is the first millisecond at which tokens are valid again after
// tokens_valid_after = t: t rounded up to the millisecond, or 0 for none.
func cutMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	ms := t.UnixMilli()
	if t.After(time.UnixMilli(ms)) {
		ms++
	}
	return ms
}

// issueTime is the issue time of a token minted at now for a user whose
// cut is validAfter: now in milliseconds, but never before the cut, so a
// token minted in the same millisecond right after a logout-all or a
// password change still works.
func issueTime(now, validAfter time.Time) time.Time {
	ms := max(now.UnixMilli(), cutMillis(validAfter))
	return time.UnixMilli(ms).UTC()
}

// nextCut is the tokens_valid_after to store for a logout-all at now: a
// millisecond boundary strictly after every token issued so far, which
// carry at most floor(now) or the previous cut.
func nextCut(now, prev time.Time) time.Time {
	ms := max(now.UnixMilli(), cutMillis(prev)) + 1
	return time.UnixMilli(ms).UTC()
}
