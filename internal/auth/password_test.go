package auth

import (
	"context"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
)

// fastArgon keeps tests quick; TestHashPasswordProductionParams covers the
// real parameters.
var fastArgon = ArgonParams{Memory: 64, Time: 1, Threads: 1}

func TestValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		name string
		pw   string
		ok   bool
	}{
		{"empty", "", false},
		{"seven", "1234567", false},
		{"eight", "12345678", true},
		{"eight runes, more bytes", "äöüßéèêë", true},
		{"seven runes, many bytes", "日本語日本語日", false},
		{"256", strings.Repeat("a", 256), true},
		{"257", strings.Repeat("a", 257), false},
		{"256 multibyte", strings.Repeat("é", 256), true},
		{"spaces count", "        ", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidatePassword(tc.pw)
			if tc.ok {
				if err != nil {
					t.Fatalf("ValidatePassword = %v, want nil", err)
				}
				return
			}
			e, isApp := err.(*apperr.Error)
			if !isApp || e.Kind != apperr.KindInvalid || e.Fields["password"] == "" {
				t.Fatalf("ValidatePassword = %#v, want invalid with a password field", err)
			}
		})
	}
}

func TestHasherVerify(t *testing.T) {
	ctx := context.Background()
	h := newHasher(fastArgon, 2)
	enc, err := h.hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	older := newHasher(ArgonParams{Memory: 32, Time: 1, Threads: 1}, 1)
	oldEnc, err := older.hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, pw, enc            string
		match, rehash, malformed bool
	}{
		{"right", "correct horse", enc, true, false, false},
		{"wrong", "correct horsE", enc, false, false, false},
		{"empty password", "", enc, false, false, false},
		{"old params right", "correct horse", oldEnc, true, true, false},
		{"old params wrong", "nope nope", oldEnc, false, false, false},
		{"no hash (bot)", "correct horse", "", false, false, false},
		{"malformed hash", "correct horse", "$2a$10$xyz", false, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := h.verify(ctx, tc.pw, tc.enc)
			if err != nil {
				t.Fatal(err)
			}
			if res.Match != tc.match || res.Rehash != tc.rehash || (res.Malformed != nil) != tc.malformed {
				t.Fatalf("verify = %+v, want match=%v rehash=%v malformed=%v", res, tc.match, tc.rehash, tc.malformed)
			}
		})
	}
}

func TestHashPasswordProductionParams(t *testing.T) {
	s := New(nil, Config{SigningKey: testKey})
	enc, err := s.HashPassword(context.Background(), "production params")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not use the production parameters", enc)
	}
	ph, err := parsePHC(enc)
	if err != nil || len(ph.Salt) != 16 || len(ph.Key) != 32 {
		t.Fatalf("parse %q: %+v, %v", enc, ph, err)
	}
	res, err := s.hasher.verify(context.Background(), "production params", enc)
	if err != nil || !res.Match || res.Rehash {
		t.Fatalf("verify = %+v, %v", res, err)
	}
	if _, err := s.HashPassword(context.Background(), "short"); apperr.KindOf(err) != apperr.KindInvalid {
		t.Fatalf("HashPassword(short) = %v, want invalid", err)
	}
}

func TestHashWaitsForSlot(t *testing.T) {
	h := newHasher(fastArgon, 1)
	h.sem <- struct{}{} // the only slot is taken
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.hash(ctx, "whatever1"); apperr.KindOf(err) != apperr.KindUnavailable {
		t.Fatalf("hash with no free slot and a cancelled context = %v, want unavailable", err)
	}
	<-h.sem
	if _, err := h.hash(context.Background(), "whatever1"); err != nil {
		t.Fatalf("hash with a free slot: %v", err)
	}
}
