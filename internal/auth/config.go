package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"
)

// minSigningKey is the shortest HS256 key accepted (RFC 7518 §3.2: a key of
// the same size as the hash output or larger).
const minSigningKey = 32

// ArgonParams are the argon2id cost parameters.
type ArgonParams struct {
	// Memory is the memory cost in KiB. Default 19456 (19 MiB, OWASP floor).
	Memory uint32
	// Time is the number of passes. Default 2.
	Time uint32
	// Threads is the degree of parallelism. Default 1.
	Threads uint8
}

// DefaultArgon returns the OWASP / ASVS 5.0 Appendix C minimum for t=2:
// m=19456 KiB, t=2, p=1.
func DefaultArgon() ArgonParams { return ArgonParams{Memory: 19456, Time: 2, Threads: 1} }

// meetsFloor reports whether p is at least one of the OWASP / ASVS 5.0
// Appendix C argon2id configurations.
func (p ArgonParams) meetsFloor() bool {
	switch {
	case p.Time >= 3:
		return p.Memory >= 12288
	case p.Time == 2:
		return p.Memory >= 19456
	}
	return p.Memory >= 47104
}

// RateSpec allows Burst events at once, refilling Burst events every Per.
// The zero RateSpec takes the default; a negative Burst disables the limit.
type RateSpec struct {
	// Burst is how many attempts may happen at once.
	Burst int
	// Per is how long it takes to refill Burst attempts.
	Per time.Duration
}

// Config holds the auth settings. Zero fields take their defaults in New,
// except SigningKey, which must be set.
type Config struct {
	// Issuer is the JWT iss claim. Default "fechatter".
	Issuer string
	// Audience is the JWT aud claim. Default "fechatter-api".
	Audience string
	// SigningKey is the HS256 key, at least 32 bytes. No default.
	SigningKey []byte
	// AccessTTL is the lifetime of an access token. Default 15m.
	AccessTTL time.Duration
	// RefreshTTL is how long an unused session lives; every refresh
	// extends it (sliding). Default 30 days.
	RefreshTTL time.Duration
	// ReuseGrace is how long after its use a refresh token may be presented
	// again (two tabs refreshing at once) without counting as reuse; a
	// negative value allows no grace. Default 10s.
	ReuseGrace time.Duration
	// Argon are the password hashing parameters. Default DefaultArgon().
	Argon ArgonParams
	// MaxConcurrentHashes caps concurrent argon2id runs (each takes
	// Argon.Memory KiB). Default runtime.GOMAXPROCS(0).
	MaxConcurrentHashes int
	// SignInPerAccountIP limits failed sign-ins per account and client IP
	// (per /64 for IPv6), so a guesser runs out while the owner signing in
	// from elsewhere does not. Default 10 per 10 minutes.
	SignInPerAccountIP RateSpec
	// SignInPerIP limits failed sign-ins per client IP (per /64 for IPv6),
	// whatever the account. Default 30 per minute.
	SignInPerIP RateSpec
	// SignInGlobal limits failed sign-ins of the whole instance; once it is
	// spent, only account and IP pairs without recent failures may try.
	// Default 300 per minute.
	SignInGlobal RateSpec
	// SignUpPerIP limits sign-up attempts per client IP (per /64 for IPv6).
	// Default 20 per hour.
	SignUpPerIP RateSpec
	// Require2FA makes every account use a second factor: one without it
	// must enrol at its next password sign-in before it gets a session.
	// Default false.
	Require2FA bool
	// TOTPIssuer names the server in authenticator apps. Default
	// "Fechatter".
	TOTPIssuer string
	// SSOOnly refuses password sign-in and sign-up to everyone but
	// instance administrators (they keep a way in when the identity
	// provider is down). Default false.
	SSOOnly bool
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Log receives warnings that do not fail a request (a failed rehash).
	// Default slog.Default().
	Log *slog.Logger
}

// DefaultConfig returns the defaults of every field except SigningKey.
func DefaultConfig() Config {
	return Config{
		Issuer:              "fechatter",
		Audience:            "fechatter-api",
		AccessTTL:           15 * time.Minute,
		RefreshTTL:          30 * 24 * time.Hour,
		ReuseGrace:          10 * time.Second,
		Argon:               DefaultArgon(),
		MaxConcurrentHashes: runtime.GOMAXPROCS(0),
		SignInPerAccountIP:  RateSpec{Burst: 10, Per: 10 * time.Minute},
		SignInPerIP:         RateSpec{Burst: 30, Per: time.Minute},
		SignInGlobal:        RateSpec{Burst: 300, Per: time.Minute},
		SignUpPerIP:         RateSpec{Burst: 20, Per: time.Hour},
		Now:                 time.Now,
		Log:                 slog.Default(),
	}
}

// Validate reports what is wrong with c after defaults are applied; the
// appliance calls it before New.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	if len(c.SigningKey) < minSigningKey {
		errs = append(errs, fmt.Errorf("auth signing key: %d bytes, need at least %d", len(c.SigningKey), minSigningKey))
	}
	if err := c.Argon.validate(); err != nil {
		errs = append(errs, fmt.Errorf("auth argon parameters: %w", err))
	} else if !c.Argon.meetsFloor() {
		errs = append(errs, fmt.Errorf("auth argon parameters m=%d,t=%d are below the OWASP minimum (t=1: m>=47104, t=2: m>=19456, t>=3: m>=12288 KiB)", c.Argon.Memory, c.Argon.Time))
	}
	return errors.Join(errs...)
}

// withDefaults fills every zero field with its default.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Issuer == "" {
		c.Issuer = d.Issuer
	}
	if c.Audience == "" {
		c.Audience = d.Audience
	}
	if c.AccessTTL <= 0 {
		c.AccessTTL = d.AccessTTL
	}
	if c.RefreshTTL <= 0 {
		c.RefreshTTL = d.RefreshTTL
	}
	if c.ReuseGrace == 0 {
		c.ReuseGrace = d.ReuseGrace
	}
	if c.Argon == (ArgonParams{}) {
		c.Argon = d.Argon
	}
	if c.MaxConcurrentHashes <= 0 {
		c.MaxConcurrentHashes = d.MaxConcurrentHashes
	}
	for _, r := range []struct {
		dst *RateSpec
		def RateSpec
	}{
		{&c.SignInPerAccountIP, d.SignInPerAccountIP},
		{&c.SignInPerIP, d.SignInPerIP},
		{&c.SignInGlobal, d.SignInGlobal},
		{&c.SignUpPerIP, d.SignUpPerIP},
	} {
		if *r.dst == (RateSpec{}) {
			*r.dst = r.def
		}
	}
	if c.TOTPIssuer == "" {
		c.TOTPIssuer = "Fechatter"
	}
	if c.Now == nil {
		c.Now = d.Now
	}
	if c.Log == nil {
		c.Log = d.Log
	}
	return c
}
