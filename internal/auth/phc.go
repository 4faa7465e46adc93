package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Sizes of what HashPassword generates.
const (
	saltLen = 16
	keyLen  = 32
)

// Bounds accepted when parsing a stored hash, so that a corrupted or
// hostile row cannot make a sign-in allocate gigabytes or loop for minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 64
)

// phcB64 is the PHC string format's base64: standard alphabet, no padding.
// Strict rejects non-zero trailing bits, so every value has one encoding.
var phcB64 = base64.RawStdEncoding.Strict()

// errPHC is wrapped by every parse failure.
var errPHC = errors.New("malformed argon2id hash")

// phcHash is a parsed `$argon2id$v=19$m=M,t=T,p=P$salt$key` string.
type phcHash struct {
	Params ArgonParams
	Salt   []byte
	Key    []byte
}

// String encodes h in the PHC string format.
func (h phcHash) String() string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.Params.Memory, h.Params.Time, h.Params.Threads,
		phcB64.EncodeToString(h.Salt), phcB64.EncodeToString(h.Key))
}

// validate reports whether p is usable for argon2id.
func (p ArgonParams) validate() error {
	switch {
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time must be between 1 and %d", maxTime)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("memory must be between 8*threads and %d KiB", maxMemoryKiB)
	}
	return nil
}

// parsePHC parses an argon2id PHC string. It accepts only version 19, the
// parameters in the order m, t, p, and canonical decimal and base64.
func parsePHC(s string) (phcHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return phcHash{}, fmt.Errorf("%w: not an argon2id PHC string", errPHC)
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return phcHash{}, fmt.Errorf("%w: unsupported version", errPHC)
	}
	params, err := parseParams(parts[3])
	if err != nil {
		return phcHash{}, err
	}
	salt, err := decodeB64(parts[4], minSaltLen, maxSaltLen)
	if err != nil {
		return phcHash{}, fmt.Errorf("%w: salt: %w", errPHC, err)
	}
	key, err := decodeB64(parts[5], minKeyLen, maxKeyLen)
	if err != nil {
		return phcHash{}, fmt.Errorf("%w: key: %w", errPHC, err)
	}
	return phcHash{Params: params, Salt: salt, Key: key}, nil
}

// parseParams parses "m=M,t=T,p=P".
func parseParams(s string) (ArgonParams, error) {
	kv := strings.Split(s, ",")
	if len(kv) != 3 {
		return ArgonParams{}, fmt.Errorf("%w: want m, t and p", errPHC)
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(kv[i], name+"=")
		if !ok {
			return ArgonParams{}, fmt.Errorf("%w: want %s= at position %d", errPHC, name, i+1)
		}
		n, err := parseDecimal(v)
		if err != nil {
			return ArgonParams{}, fmt.Errorf("%w: %s: %w", errPHC, name, err)
		}
		vals[i] = n
	}
	if vals[0] > maxMemoryKiB || vals[1] > maxTime || vals[2] > 255 {
		return ArgonParams{}, fmt.Errorf("%w: parameters out of range", errPHC)
	}
	p := ArgonParams{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2])}
	if err := p.validate(); err != nil {
		return ArgonParams{}, fmt.Errorf("%w: %w", errPHC, err)
	}
	return p, nil
}

// parseDecimal parses a canonical unsigned decimal: digits only, no sign,
// no leading zero.
func parseDecimal(s string) (uint64, error) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not a canonical number")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a canonical number")
		}
	}
	return strconv.ParseUint(s, 10, 64)
}

// decodeB64 decodes unpadded standard base64 of min..max bytes.
func decodeB64(s string, minLen, maxLen int) ([]byte, error) {
	if phcB64.DecodedLen(len(s)) > maxLen {
		return nil, errors.New("too long")
	}
	b, err := phcB64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if len(b) < minLen {
		return nil, errors.New("too short")
	}
	if phcB64.EncodeToString(b) != s { // the decoder skips '\r' and '\n'
		return nil, errors.New("not canonical")
	}
	return b, nil
}
