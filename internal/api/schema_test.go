package api

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// validate checks v (decoded JSON) against a schema of the OpenAPI
// document: types, enums, required properties, items and minimums. It is
// stricter than JSON Schema in one way on purpose: a property the schema
// does not list is an error, so every field the API sends is documented.
func validate(doc map[string]any, schema map[string]any, v any, at string) error {
	if r, ok := schema["$ref"].(string); ok {
		return validate(doc, resolve(doc, r), v, at)
	}
	if alts, ok := schema["oneOf"].([]any); ok {
		var errs []string
		for _, a := range alts {
			err := validate(doc, a.(map[string]any), v, at)
			if err == nil {
				return nil
			}
			errs = append(errs, err.Error())
		}
		return fmt.Errorf("%s: matches none of oneOf: %s", at, strings.Join(errs, "; "))
	}
	if err := checkType(schema["type"], v, at); err != nil {
		return err
	}
	if vals, ok := schema["enum"].([]any); ok && !slices.Contains(vals, v) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, vals)
	}
	if lo, ok := schema["minimum"].(float64); ok {
		if n, isNum := v.(float64); isNum && n < lo {
			return fmt.Errorf("%s: %v is below %v", at, n, lo)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		return validateObject(doc, schema, x, at)
	case []any:
		items, _ := schema["items"].(map[string]any)
		for i, e := range x {
			if items == nil {
				break
			}
			if err := validate(doc, items, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateObject checks required, listed and additional properties.
func validateObject(doc, schema map[string]any, x map[string]any, at string) error {
	props, _ := schema["properties"].(map[string]any)
	req, _ := schema["required"].([]any)
	for _, k := range req {
		if _, ok := x[k.(string)]; !ok {
			return fmt.Errorf("%s: required property %q is missing", at, k)
		}
	}
	extra, _ := schema["additionalProperties"].(map[string]any)
	for k, e := range x {
		sub, ok := props[k].(map[string]any)
		if !ok {
			sub = extra
		}
		if sub == nil {
			if props == nil {
				continue // a free-form object
			}
			return fmt.Errorf("%s: property %q is not documented", at, k)
		}
		if err := validate(doc, sub, e, at+"."+k); err != nil {
			return err
		}
	}
	return nil
}

// checkType checks v against a JSON Schema type (a name or a list).
func checkType(t any, v any, at string) error {
	var names []string
	switch x := t.(type) {
	case nil:
		return nil
	case string:
		names = []string{x}
	case []any:
		for _, n := range x {
			names = append(names, n.(string))
		}
	}
	for _, n := range names {
		if hasType(n, v) {
			return nil
		}
	}
	return fmt.Errorf("%s: %T %v is not %s", at, v, v, strings.Join(names, " or "))
}

func hasType(name string, v any) bool {
	switch name {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		n, ok := v.(float64)
		return ok && n == math.Trunc(n)
	case "null":
		return v == nil
	}
	return false
}

// resolve follows a local $ref.
func resolve(doc map[string]any, ref string) map[string]any {
	var cur any = doc
	for _, p := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		cur = cur.(map[string]any)[p]
	}
	return cur.(map[string]any)
}
