package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// tokenServer accepts the access token "fresh" and exchanges the refresh
// token "ref" for it (when refreshOK), counting the exchanges.
type tokenServer struct {
	refreshOK bool
	refreshes atomic.Int32
}

func (s *tokenServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/api/auth/refresh":
		s.refreshes.Add(1)
		var in struct {
			RefreshToken string `json:"refresh_token"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		if !s.refreshOK || in.RefreshToken != "ref" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"unauthorized","message":"refresh token reused"}}`))
			return
		}
		_, _ = w.Write([]byte(`{"access_token":"fresh","refresh_token":"ref2"}`))
	case r.Header.Get("Authorization") == "Bearer fresh":
		_, _ = w.Write([]byte(`{"id":1}`))
	default:
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":"unauthorized","message":"token expired"}}`))
	}
}

// TestAutoRefresh checks the one refresh after a 401.
func TestAutoRefresh(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name          string
		refreshOK     bool
		access, ref   string
		wantStatus    int // 0: success
		wantRefreshes int32
		wantTokens    [2]string
	}{
		{name: "stale access, good refresh", refreshOK: true, access: "stale", ref: "ref",
			wantRefreshes: 1, wantTokens: [2]string{"fresh", "ref2"}},
		{name: "refresh refused", refreshOK: false, access: "stale", ref: "ref",
			wantStatus: 401, wantRefreshes: 1, wantTokens: [2]string{"stale", "ref"}},
		{name: "no refresh token", refreshOK: true, access: "stale",
			wantStatus: 401, wantRefreshes: 0, wantTokens: [2]string{"stale", ""}},
		{name: "fresh token needs no refresh", refreshOK: true, access: "fresh", ref: "ref",
			wantRefreshes: 0, wantTokens: [2]string{"fresh", "ref"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &tokenServer{refreshOK: tc.refreshOK}
			srv := httptest.NewServer(s)
			defer srv.Close()
			c := New(srv.URL, WithTokens(tc.access, tc.ref))
			u, err := c.Me(ctx)
			if got := StatusOf(err); got != tc.wantStatus {
				t.Fatalf("Me status = %d (%v), want %d", got, err, tc.wantStatus)
			}
			if err == nil && u.ID != 1 {
				t.Errorf("Me = %+v", u)
			}
			if got := s.refreshes.Load(); got != tc.wantRefreshes {
				t.Errorf("refreshes = %d, want %d", got, tc.wantRefreshes)
			}
			if a, r := c.Tokens(); [2]string{a, r} != tc.wantTokens {
				t.Errorf("tokens = %q %q, want %q", a, r, tc.wantTokens)
			}
		})
	}
}

// TestPublicCallNeverRefreshes checks that a wrong password is not retried.
func TestPublicCallNeverRefreshes(t *testing.T) {
	s := &tokenServer{refreshOK: true}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/auth/signin" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		s.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := New(srv.URL, WithTokens("stale", "ref"))
	if _, err := c.SignIn(context.Background(), "e", "wrong"); !IsUnauthorized(err) {
		t.Fatalf("SignIn = %v, want 401", err)
	}
	if n := s.refreshes.Load(); n != 0 {
		t.Fatalf("refreshes = %d, want 0", n)
	}
}

// TestConcurrentRefreshSpendsTokenOnce checks that many requests failing
// at once refresh once: spending a refresh token twice revokes the session.
func TestConcurrentRefreshSpendsTokenOnce(t *testing.T) {
	s := &tokenServer{refreshOK: true}
	srv := httptest.NewServer(s)
	defer srv.Close()
	c := New(srv.URL, WithTokens("stale", "ref"))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := c.Me(context.Background())
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Me: %v", err)
		}
	}
	if n := s.refreshes.Load(); n != 1 {
		t.Fatalf("refreshes = %d, want 1", n)
	}
}
