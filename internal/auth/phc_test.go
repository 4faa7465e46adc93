package auth

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestPHCRoundTrip(t *testing.T) {
	h := phcHash{Params: DefaultArgon(), Salt: bytes.Repeat([]byte{1}, saltLen), Key: bytes.Repeat([]byte{2}, keyLen)}
	s := h.String()
	want := "$argon2id$v=19$m=19456,t=2,p=1$AQEBAQEBAQEBAQEBAQEBAQ$AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI"
	if s != want {
		t.Fatalf("String() = %q, want %q", s, want)
	}
	got, err := parsePHC(s)
	if err != nil {
		t.Fatalf("parsePHC: %v", err)
	}
	if got.Params != h.Params || !bytes.Equal(got.Salt, h.Salt) || !bytes.Equal(got.Key, h.Key) {
		t.Fatalf("parsePHC = %+v, want %+v", got, h)
	}
}

func TestParsePHCRejects(t *testing.T) {
	const salt, key = "AQEBAQEBAQEBAQEBAQEBAQ", "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI"
	ok := "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key
	if _, err := parsePHC(ok); err != nil {
		t.Fatalf("baseline %q: %v", ok, err)
	}
	for _, tc := range []struct{ name, in string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuKqJ7zXHdGm8gZf3cOeC5pNqvJw7yN6e"},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"no leading dollar", "argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key},
		{"no version", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key},
		{"extra part", ok + "$x"},
		{"order", "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key},
		{"missing p", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key},
		{"extra param", "$argon2id$v=19$m=19456,t=2,p=1,k=1$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key},
		{"sign", "$argon2id$v=19$m=+19456,t=2,p=1$" + salt + "$" + key},
		{"zero time", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key},
		{"zero threads", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key},
		{"threads over 255", "$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key},
		{"memory below 8p", "$argon2id$v=19$m=15,t=2,p=2$" + salt + "$" + key},
		{"memory huge", "$argon2id$v=19$m=4294967295,t=2,p=1$" + salt + "$" + key},
		{"memory overflow", "$argon2id$v=19$m=99999999999,t=2,p=1$" + salt + "$" + key},
		{"time huge", "$argon2id$v=19$m=19456,t=1000,p=1$" + salt + "$" + key},
		{"padded salt", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key},
		{"url alphabet", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.ReplaceAll(key, "I", "_")},
		{"newline in key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key[:10] + "\n" + key[10:]},
		{"non-canonical bits", "$argon2id$v=19$m=19456,t=2,p=1$AQEBAQEBAQEBAQEBAQEBAR$" + key},
		{"short salt", "$argon2id$v=19$m=19456,t=2,p=1$AQEB$" + key},
		{"short key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$AgIC"},
		{"long key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.Repeat("A", 200)},
		{"empty salt", "$argon2id$v=19$m=19456,t=2,p=1$$" + key},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parsePHC(tc.in)
			if !errors.Is(err, errPHC) {
				t.Fatalf("parsePHC(%q) error = %v, want errPHC", tc.in, err)
			}
		})
	}
}

// FuzzParsePHC checks that the parser never panics, that what it accepts is
// within bounds, and that accepted input is canonical: it encodes back to
// exactly the same string.
func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$AQEBAQEBAQEBAQEBAQEBAQ$AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2i$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePHC(s)
		if err != nil {
			return
		}
		if err := h.Params.validate(); err != nil {
			t.Fatalf("accepted out-of-range params %+v: %v", h.Params, err)
		}
		if len(h.Salt) < minSaltLen || len(h.Salt) > maxSaltLen || len(h.Key) < minKeyLen || len(h.Key) > maxKeyLen {
			t.Fatalf("accepted salt %d / key %d bytes", len(h.Salt), len(h.Key))
		}
		if got := h.String(); got != s {
			t.Fatalf("not canonical: parsed %q, encodes as %q", s, got)
		}
	})
}
