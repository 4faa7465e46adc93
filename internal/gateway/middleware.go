package gateway

import (
	"net"
	"net/http"
)

// Middleware limits the requests to next per client IP: classify names a
// request's class ("" for none), and a request over its class's per-IP
// budget is answered 429 with the API's error body, Retry-After and the
// RateLimit fields. The client IP is Request.RemoteAddr's host, so put
// Edge.Handler in front when proxies are trusted. Per-user budgets need the
// user, which only the API knows: it calls AdmitUser itself.
func (l *Limiter) Middleware(classify func(method, path string) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		class := classify(r.Method, r.URL.Path)
		if class == "" {
			next.ServeHTTP(w, r)
			return
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		if wait, ok := l.AdmitIP(w.Header(), class, host); !ok {
			w.Header().Set("Retry-After", RetryAfter(wait))
			WriteError(w, r, http.StatusTooManyRequests, "rate_limited", "too many requests, try again later")
			return
		}
		next.ServeHTTP(w, r)
	})
}
