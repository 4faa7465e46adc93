package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/telemetry"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// benchServer is the API over a temp-file SQLite store with production
// password hashing (argon2id m=19 MiB, t=2) and no sign-in rate limits.
func benchServer(b *testing.B) *httptest.Server {
	b.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "fechatter.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	log := telemetry.NewLogger(io.Discard, "json", "error")
	authSvc := auth.New(st, auth.Config{
		SigningKey: []byte("bench-signing-key-0123456789abcdef0123"), Log: log,
		SignInPerAccountIP: auth.RateSpec{Burst: -1}, SignInPerIP: auth.RateSpec{Burst: -1}, SignInGlobal: auth.RateSpec{Burst: -1},
	})
	chatSvc := chat.New(st, authSvc, chat.Config{FilesDir: b.TempDir()}, log)
	srv := httptest.NewServer(New(Deps{Chat: chatSvc, Auth: authSvc, Log: log, Setup: auth.NewSetupToken("bench-setup-token", nil)}))
	b.Cleanup(srv.Close)
	body := `{"email":"bench@example.com","password":"correct horse battery","username":"bench","display_name":"Bench","workspace_name":"Bench","setup_token":"bench-setup-token"}`
	if _, err := post(srv.URL+"/api/setup", body, ""); err != nil {
		b.Fatal(err)
	}
	return srv
}

func post(url, body, token string) (map[string]any, error) {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	return send(req, token)
}

func send(req *http.Request, token string) (map[string]any, error) {
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode >= 300 {
		return out, fmt.Errorf("answer %s", res.Status)
	}
	return out, nil
}

// measure runs op on parallel goroutines and reports p50/p99 latency and
// requests per second.
func measure(b *testing.B, parallel int, op func() error) {
	b.Helper()
	var mu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.SetParallelism(parallel)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t := time.Now()
			if err := op(); err != nil {
				b.Error(err)
				return
			}
			d := time.Since(t)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	if len(lat) == 0 {
		return
	}
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
}

// BenchmarkSignIn: POST /api/auth/signin, argon2id at production cost.
func BenchmarkSignIn(b *testing.B) {
	srv := benchServer(b)
	body := `{"email":"bench@example.com","password":"correct horse battery","refresh_in_body":true}`
	measure(b, 1, func() error { _, err := post(srv.URL+"/api/auth/signin", body, ""); return err })
}

// BenchmarkRefresh: POST /api/auth/refresh (rotation), over 8 sessions
// signed in beforehand.
func BenchmarkRefresh(b *testing.B) {
	srv := benchServer(b)
	signIn := `{"email":"bench@example.com","password":"correct horse battery","refresh_in_body":true}`
	tokens := make(chan string, 8)
	for range 8 {
		g, err := post(srv.URL+"/api/auth/signin", signIn, "")
		if err != nil {
			b.Fatal(err)
		}
		tokens <- g["refresh_token"].(string)
	}
	measure(b, 2, func() error {
		tok := <-tokens
		g, err := post(srv.URL+"/api/auth/refresh", `{"refresh_token":"`+tok+`","refresh_in_body":true}`, "")
		if next, ok := g["refresh_token"].(string); ok {
			tok = next
		}
		tokens <- tok
		return err
	})
}

// BenchmarkAuthenticatedGET: GET /api/me with a bearer token, 16 clients.
func BenchmarkAuthenticatedGET(b *testing.B) {
	srv := benchServer(b)
	g, err := post(srv.URL+"/api/auth/signin", `{"email":"bench@example.com","password":"correct horse battery"}`, "")
	if err != nil {
		b.Fatal(err)
	}
	tok := g["access_token"].(string)
	measure(b, 8, func() error {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/me", nil)
		_, err := send(req, tok)
		return err
	})
}
