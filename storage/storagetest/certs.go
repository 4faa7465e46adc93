package storagetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/fechatter/fechatter/storage"
)

func certTests() []leaf {
	return []leaf{
		{"PutGetReplace", testCertPutGet},
		{"KeysAndDelete", testCertKeysDelete},
		{"LockExcludes", testCertLockExcludes},
		{"LockExpires", testCertLockExpires},
	}
}

func testCertPutGet(t *testing.T, s storage.Store) {
	ctx := context.Background()
	_, _, err := s.CertByKey(ctx, "certificates/ca/a.example/a.example.crt")
	wantErr(t, err, storage.ErrNotFound, "missing cert")
	if err := s.PutCert(ctx, "acme/ca/users/x.json", []byte{0, 1, 2, 255}, ts(0)); err != nil {
		t.Fatal(err)
	}
	v, mod, err := s.CertByKey(ctx, "acme/ca/users/x.json")
	if err != nil || !slices.Equal(v, []byte{0, 1, 2, 255}) || !mod.Equal(ts(0)) {
		t.Fatalf("got %v %v %v", v, mod, err)
	}
	if err := s.PutCert(ctx, "acme/ca/users/x.json", []byte("new"), ts(5)); err != nil {
		t.Fatal(err)
	}
	v, mod, err = s.CertByKey(ctx, "acme/ca/users/x.json")
	if err != nil || string(v) != "new" || !mod.Equal(ts(5)) {
		t.Fatalf("after replace: %q %v %v", v, mod, err)
	}
	if err := s.PutCert(ctx, "empty", nil, ts(1)); err != nil {
		t.Fatal(err)
	}
	if v, _, err := s.CertByKey(ctx, "empty"); err != nil || v == nil || len(v) != 0 {
		t.Fatalf("empty value: %v %v", v, err)
	}
}

func testCertKeysDelete(t *testing.T, s storage.Store) {
	ctx := context.Background()
	for _, k := range []string{"a/b/c", "a/b/d", "a/bc", "a/b", "a%/x", "a_/y", "z"} {
		if err := s.PutCert(ctx, k, []byte(k), ts(0)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a%/x", "a/b", "a/b/c", "a/b/d", "a/bc", "a_/y", "z"}},
		{"a", []string{"a/b", "a/b/c", "a/b/d", "a/bc"}},
		{"a/b", []string{"a/b", "a/b/c", "a/b/d"}},
		{"a%", []string{"a%/x"}},
		{"a/b/c", []string{"a/b/c"}},
		{"nothing", []string{}},
	} {
		got, err := s.CertKeys(ctx, tc.prefix)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("CertKeys(%q) = %v, %v; want %v", tc.prefix, got, err, tc.want)
		}
	}
	if err := s.DeleteCerts(ctx, "a/b"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.CertKeys(ctx, ""); !slices.Equal(got, []string{"a%/x", "a/bc", "a_/y", "z"}) {
		t.Errorf("after deleting a/b: %v", got)
	}
	wantErr(t, s.DeleteCerts(ctx, "a/b"), storage.ErrNotFound, "delete again")
}

func testCertLockExcludes(t *testing.T, s storage.Store) {
	ctx := context.Background()
	now := time.Now().UTC()
	took := func(owner string, at time.Time) bool {
		t.Helper()
		ok, err := s.TryCertLock(ctx, "issue_cert_a.example", owner, at, at.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !took("node-1", now) {
		t.Fatal("a free lock was not taken")
	}
	if took("node-2", now.Add(30*time.Second)) {
		t.Fatal("a held lock was taken by another owner")
	}
	if !took("node-1", now.Add(30*time.Second)) {
		t.Fatal("the owner could not extend its lock")
	}
	if ok, err := s.TryCertLock(ctx, "other", "node-2", now, now.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("another name: %v %v", ok, err)
	}
	wantErr(t, s.UnlockCert(ctx, "issue_cert_a.example", "node-2"), storage.ErrNotFound, "unlock by another owner")
	if err := s.UnlockCert(ctx, "issue_cert_a.example", "node-1"); err != nil {
		t.Fatal(err)
	}
	if !took("node-2", now.Add(31*time.Second)) {
		t.Fatal("a released lock was not taken")
	}
}

func testCertLockExpires(t *testing.T, s storage.Store) {
	ctx := context.Background()
	now := time.Now().UTC()
	if ok, err := s.TryCertLock(ctx, "l", "dead-node", now, now.Add(time.Minute)); err != nil || !ok {
		t.Fatalf("take: %v %v", ok, err)
	}
	if ok, _ := s.TryCertLock(ctx, "l", "live-node", now.Add(59*time.Second), now.Add(2*time.Minute)); ok {
		t.Fatal("taken before it expired")
	}
	if ok, err := s.TryCertLock(ctx, "l", "live-node", now.Add(time.Minute), now.Add(2*time.Minute)); err != nil || !ok {
		t.Fatalf("an expired lock was not taken over: %v %v", ok, err)
	}
	wantErr(t, s.UnlockCert(ctx, "l", "dead-node"), storage.ErrNotFound, "unlock by the former owner")
}
