package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestOpenAPICoversRoutes: every route gin serves is in the document, and
// every documented operation is routed.
func TestOpenAPICoversRoutes(t *testing.T) {
	h := newHarness(t, nil, nil)
	r := want(t, h.do(req{method: "GET", path: "/api/openapi.json"}), 200)
	var d struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.body, &d); err != nil {
		t.Fatal(err)
	}
	if d.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q", d.OpenAPI)
	}
	routed := map[string]bool{}
	for _, rt := range h.s.engine.Routes() {
		key := rt.Method + " " + docPath(rt.Path)
		routed[key] = true
		if _, ok := d.Paths[docPath(rt.Path)][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s is not in the OpenAPI document", key)
		}
	}
	for p, ops := range d.Paths {
		for m := range ops {
			if key := strings.ToUpper(m) + " " + p; !routed[key] {
				t.Errorf("documented %s is not routed", key)
			}
		}
	}
	if len(routed) < 40 {
		t.Errorf("only %d routes; the API has more", len(routed))
	}
}

// TestOpenAPIDocument: operations are complete and their references resolve.
func TestOpenAPIDocument(t *testing.T) {
	h := newHarness(t, nil, nil)
	doc := h.doc
	ids := map[string]bool{}
	for p, item := range doc["paths"].(map[string]any) {
		for m, o := range item.(map[string]any) {
			op := o.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" || ids[id] {
				t.Errorf("%s %s: operationId %q missing or repeated", m, p, id)
			}
			ids[id] = true
			if op["summary"] == "" {
				t.Errorf("%s %s: no summary", m, p)
			}
			for _, name := range pathParamNames(strings.NewReplacer("{", ":", "}", "").Replace(p)) {
				if !hasParam(op, name) {
					t.Errorf("%s %s: path parameter %s not documented", m, p, name)
				}
			}
		}
	}
	checkRefs(t, doc, doc)
}

// hasParam reports whether op documents the path parameter name.
func hasParam(op map[string]any, name string) bool {
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		if m := p.(map[string]any); m["name"] == name && m["in"] == "path" {
			return true
		}
	}
	return false
}

// checkRefs fails on any $ref that does not resolve.
func checkRefs(t *testing.T, doc map[string]any, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		if r, ok := x["$ref"].(string); ok {
			name := strings.TrimPrefix(r, "#/components/schemas/")
			if _, ok := doc["components"].(map[string]any)["schemas"].(map[string]any)[name]; !ok {
				t.Errorf("unresolved $ref %s", r)
			}
		}
		for _, e := range x {
			checkRefs(t, doc, e)
		}
	case []any:
		for _, e := range x {
			checkRefs(t, doc, e)
		}
	}
}
