package auth

import (
	"strings"
	"testing"
	"time"
)

func TestAccessVerifier(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	now := time.Now()
	issuer := newTokenIssuer(Config{SigningKey: key}.withDefaults())
	good, err := issuer.sign(42, 7, now)
	if err != nil {
		t.Fatal(err)
	}
	other := newTokenIssuer(Config{SigningKey: []byte(strings.Repeat("o", 32))}.withDefaults())
	forged, _ := other.sign(42, 7, now)
	late := newTokenIssuer(Config{SigningKey: key, Now: func() time.Time { return now.Add(-time.Hour) }}.withDefaults())
	expired, _ := late.sign(42, 7, now.Add(-time.Hour))

	v, err := NewAccessVerifier(Config{SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(good)
	if err != nil || p.UserID != 42 || p.SessionID != 7 {
		t.Fatalf("Verify(good) = %+v, %v", p, err)
	}
	for name, tok := range map[string]string{"forged": forged, "expired": expired, "garbage": "a.b.c", "empty": ""} {
		if _, err := v.Verify(tok); err == nil {
			t.Errorf("Verify accepted a %s token", name)
		}
	}
	if _, err := NewAccessVerifier(Config{SigningKey: []byte("short")}); err == nil {
		t.Error("NewAccessVerifier accepted a short key")
	}
}
