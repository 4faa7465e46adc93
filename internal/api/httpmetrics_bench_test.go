package api

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// BenchmarkHTTPMetrics measures what the metrics middleware adds to one
// request: the same gin route served bare and behind observe. The
// difference of the two ns/op is the middleware's cost per request.
//
//	go test ./internal/api -run '^$' -bench BenchmarkHTTPMetrics -benchmem
func BenchmarkHTTPMetrics(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	s := &server{}
	for _, tc := range []struct {
		name string
		mw   []gin.HandlerFunc
	}{
		{"bare", nil},
		{"observed", []gin.HandlerFunc{s.observe}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := gin.New()
			e.Use(tc.mw...)
			e.GET("/api/chats/:chat/messages", func(c *gin.Context) { c.Status(http.StatusOK) })
			req := httptest.NewRequest(http.MethodGet, "/api/chats/42/messages", nil)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				e.ServeHTTP(w, req)
			}
		})
	}
}

// discardWriter is a ResponseWriter that keeps nothing.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}
