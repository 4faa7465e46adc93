// Package gateway is Fechatter's edge: what every request meets before a
// handler of the API or the web app, and what the `fechatter gateway`
// reverse proxy puts in front of its nodes. It imports nothing of ours but
// internal/telemetry, and works on plain net/http.
//
// # Rate limits
//
// A Limiter holds token buckets ("quota q per window w") per policy and key,
// from golang.org/x/time/rate. A request class (ClassAuth, ClassWrites,
// ClassReads, ClassSearch, ClassEvents) has a per-user policy named after it
// ("writes") and a per-client-IP policy with "-ip" appended ("writes-ip").
// IPv6 clients are keyed by their /64. Memory is bounded: a key idle for its
// window has a full bucket and is dropped, and Config.MaxKeys caps the keys
// held at once.
//
//	lim, err := gateway.NewLimiter(gateway.Config{Classes: gateway.DefaultClasses()})
//	wait, ok := lim.AdmitIP(w.Header(), gateway.ClassWrites, "203.0.113.7")
//	wait, ok = lim.AdmitUser(w.Header(), gateway.ClassWrites, 42)
//	release, wait, ok := lim.OpenStream(w.Header(), 42, "203.0.113.7") // concurrent SSE streams
//
// Every call adds RateLimit-Policy and RateLimit fields to the header it is
// given, in the syntax of draft-ietf-httpapi-ratelimit-headers-10:
//
//	RateLimit-Policy: "writes";q=600;w=60
//	RateLimit: "writes";r=0;t=1
//
// r is the whole requests left, t the seconds until one more is available
// (left out when the bucket is full). A refusal also says how long to wait,
// for Retry-After.
//
// On a plain http.Handler (the reverse proxy), Limiter.Middleware limits
// per client IP with a classifier of the caller's choosing and answers 429
// itself, with the API's error body:
//
//	h := lim.Middleware(api.LimitClass, next)
//
// # The edge filter
//
// Edge wraps the whole server: it sets the security headers every answer
// carries (handlers may replace them with stricter ones), resolves the
// client IP (the TCP peer, or what a trusted proxy says in X-Forwarded-For
// or Forwarded) and puts it in Request.RemoteAddr for everything behind,
// refuses denied networks with 403 and over-long URIs with 414, and gives
// each non-streaming request a read and a write deadline through
// http.ResponseController.
//
//	edge, err := gateway.NewEdge(gateway.EdgeConfig{TrustedProxies: []string{"10.0.0.0/8"}})
//	srv := &http.Server{Handler: edge.Handler(lim.Middleware(classify, app))}
package gateway
