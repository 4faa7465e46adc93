package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// TestAdminStatus: only the instance administrator reads the status;
// the answer matches its schema (checked by the harness).
func TestAdminStatus(t *testing.T) {
	sampler := telemetry.NewSampler(telemetry.SamplerConfig{Version: "test",
		Components: func(context.Context) []telemetry.ComponentState {
			return []telemetry.ComponentState{{Name: "store", Ready: true}, {Name: "search", Error: "indexing"}}
		}})
	ctx := context.Background()
	if err := sampler.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sampler.Stop(ctx) })
	h := newHarness(t, func(d *Deps) { d.Status = sampler }, nil)
	admin, ws := h.setup()
	member := h.join(admin, ws, "member")

	for _, tc := range []struct {
		name, token string
		want        int
	}{
		{"anonymous", "", http.StatusUnauthorized},
		{"member", member.token, http.StatusForbidden},
		{"admin", admin.token, http.StatusOK},
	} {
		r := h.do(req{method: "GET", path: "/api/admin/status", token: tc.token})
		if r.status != tc.want {
			t.Fatalf("%s: %d %s, want %d", tc.name, r.status, r.body, tc.want)
		}
		if tc.want != http.StatusOK {
			continue
		}
		v := r.json(t)
		comps := v["components"].([]any)
		if v["version"] != "test" || len(comps) != 2 || comps[1].(map[string]any)["error"] != "indexing" {
			t.Fatalf("status = %s", r.body)
		}
		if w := v["windows"].([]any); len(w) != 3 {
			t.Fatalf("windows = %v", w)
		}
	}
}

// TestAdminStatusWithoutSampler answers 503 when no sampler runs.
func TestAdminStatusWithoutSampler(t *testing.T) {
	h := newHarness(t, nil, nil)
	admin, _ := h.setup()
	if r := h.do(req{method: "GET", path: "/api/admin/status", token: admin.token}); r.status != http.StatusServiceUnavailable {
		t.Fatalf("status without a sampler: %d %s", r.status, r.body)
	}
}
