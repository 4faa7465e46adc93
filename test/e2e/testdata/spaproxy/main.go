// Command spaproxy is an e2e test helper (under testdata, so `go list
// ./...` and the layering test skip it). It serves the embedded web app
// through webui.Handler and forwards /api, /healthz and /readyz to a
// running fechatter. The e2e runner uses it only while the binary does not
// serve the web app itself.
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/fechatter/fechatter/webui"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve on")
	backend := flag.String("backend", "", "fechatter base URL")
	flag.Parse()
	target, err := url.Parse(*backend)
	if err != nil || *backend == "" {
		log.Fatalf("spaproxy: --backend must be a URL: %v", err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1 // stream SSE as it comes
	spa := webui.Handler()
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if p == "/api" || strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz" || p == "/metrics" {
			proxy.ServeHTTP(w, r)
			return
		}
		spa.ServeHTTP(w, r)
	})
	log.Printf("spaproxy: serving on %s -> %s", *listen, target)
	log.Fatal(http.ListenAndServe(*listen, mux))
}
