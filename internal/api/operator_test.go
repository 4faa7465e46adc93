package api

import (
	"net/http"
	"strings"
	"testing"
)

// gateFunc is an OperatorGate from a function.
type gateFunc func(r *http.Request) bool

func (f gateFunc) Admit(r *http.Request) bool { return f(r) }

// byHeader admits requests carrying X-Test-Operator: yes.
var byHeader = gateFunc(func(r *http.Request) bool { return r.Header.Get("X-Test-Operator") == "yes" })

// TestOperatorEndpoints: /metrics and /debug/pprof/ answer the 404 of a
// missing route unless the gate admits the caller, and pprof exists only
// when configured.
func TestOperatorEndpoints(t *testing.T) {
	admitted := map[string]string{"X-Test-Operator": "yes"}
	for _, tc := range []struct {
		name   string
		gate   OperatorGate
		pprof  bool
		path   string
		header map[string]string
		want   int
		body   string
	}{
		{"metrics without a gate", nil, false, metricsPath, admitted, http.StatusNotFound, ""},
		{"metrics refused", byHeader, false, metricsPath, nil, http.StatusNotFound, ""},
		{"metrics admitted", byHeader, false, metricsPath, admitted, http.StatusOK, "# TYPE fechatter_http_requests_total counter"},
		{"pprof off", byHeader, false, pprofPath, admitted, http.StatusNotFound, ""},
		{"pprof profile off", byHeader, false, pprofPath + "heap", admitted, http.StatusNotFound, ""},
		{"pprof refused", byHeader, true, pprofPath, nil, http.StatusNotFound, ""},
		{"pprof profile refused", byHeader, true, pprofPath + "goroutine?debug=1", nil, http.StatusNotFound, ""},
		{"pprof admitted", byHeader, true, pprofPath, admitted, http.StatusOK, "goroutine"},
		{"pprof profile admitted", byHeader, true, pprofPath + "goroutine?debug=1", admitted, http.StatusOK, "goroutine profile:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(d *Deps) {
				d.Operator = tc.gate
				d.Config.Pprof = tc.pprof
			}, nil)
			// One request first, so the HTTP counter has a sample to show.
			h.do(req{method: http.MethodGet, path: healthPath})
			r := h.do(req{method: http.MethodGet, path: tc.path, header: tc.header})
			if r.status != tc.want {
				t.Fatalf("GET %s = %d, want %d: %.200s", tc.path, r.status, tc.want, r.body)
			}
			if tc.want == http.StatusNotFound && r.errCode(t) != "not_found" {
				t.Fatalf("GET %s: error code %q, want not_found as for a missing route", tc.path, r.errCode(t))
			}
			if !strings.Contains(string(r.body), tc.body) {
				t.Fatalf("GET %s: body lacks %q: %.300s", tc.path, tc.body, r.body)
			}
		})
	}
}

// TestHTTPMetricsLabels: requests are counted by route template, never by
// the raw path, and paths outside every route share "unmatched".
func TestHTTPMetricsLabels(t *testing.T) {
	h := newHarness(t, func(d *Deps) { d.Operator = byHeader }, nil)
	h.do(req{method: http.MethodGet, path: "/api/chats/12345/messages"})
	h.do(req{method: http.MethodGet, path: "/no/such/path/98765"})
	r := h.do(req{method: http.MethodGet, path: metricsPath, header: map[string]string{"X-Test-Operator": "yes"}})
	body := string(r.body)
	for _, want := range []string{
		`fechatter_http_requests_total{code="4xx",method="GET",route="/api/chats/:chat/messages"}`,
		`fechatter_http_requests_total{code="4xx",method="GET",route="unmatched"}`,
		`fechatter_http_request_duration_seconds_count{method="GET",route="unmatched"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Only the label sets matter: a sample value (a byte count, say) may
	// hold the same digits by chance.
	for _, line := range strings.Split(body, "\n") {
		open, end := strings.IndexByte(line, '{'), strings.LastIndexByte(line, '}')
		if strings.HasPrefix(line, "#") || open < 0 || end < open {
			continue
		}
		for _, leak := range []string{"12345", "98765"} {
			if strings.Contains(line[open:end], leak) {
				t.Errorf("/metrics labels hold the raw path segment %s: %s", leak, line)
			}
		}
	}
}

func TestStatusClass(t *testing.T) {
	for status, want := range map[int]string{0: "other", 101: "1xx", 200: "2xx", 304: "3xx", 404: "4xx", 503: "5xx", 600: "other"} {
		if got := statusClass(status); got != want {
			t.Errorf("statusClass(%d) = %q, want %q", status, got, want)
		}
	}
}
