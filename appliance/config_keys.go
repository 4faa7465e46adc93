package appliance

import (
	"reflect"
	"strings"
	"time"
)

var durationType = reflect.TypeOf(time.Duration(0))

// keySet describes the configuration keys, derived from Config's yaml tags:
// sections are nested mappings, leaves hold values.
type keySet struct {
	// leaves are the dotted leaf keys in struct order.
	leaves []string
	isLeaf map[string]bool
	// isSection marks the dotted keys of nested mappings.
	isSection map[string]bool
	// squashed maps a leaf key without dots and underscores to the key, to
	// recognise a misspelt environment variable.
	squashed map[string]string
}

// configKeys is computed once from the Config type (not from any value).
var configKeys = newKeySet(reflect.TypeOf(Config{}))

func newKeySet(t reflect.Type) keySet {
	ks := keySet{isLeaf: map[string]bool{}, isSection: map[string]bool{}, squashed: map[string]string{}}
	walkType(t, "", func(key string, section bool) {
		if section {
			ks.isSection[key] = true
			return
		}
		ks.leaves = append(ks.leaves, key)
		ks.isLeaf[key] = true
		ks.squashed[squash(key)] = key
	})
	return ks
}

// squash drops dots and underscores and lowercases s.
func squash(s string) string {
	return strings.ToLower(strings.NewReplacer(".", "", "_", "").Replace(s))
}

// isSectionType reports whether a field of type t is a nested mapping.
func isSectionType(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != durationType
}

// yamlName is the key of a struct field.
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

// walkType calls fn for every section and leaf key of struct type t.
func walkType(t reflect.Type, prefix string, fn func(key string, section bool)) {
	for i := range t.NumField() {
		f := t.Field(i)
		key := prefix + yamlName(f)
		if isSectionType(f.Type) {
			fn(key, true)
			walkType(f.Type, key+".", fn)
			continue
		}
		fn(key, false)
	}
}

// walkValue calls fn with every leaf key of struct value v and its value.
func walkValue(v reflect.Value, prefix string, fn func(key string, v reflect.Value)) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		key := prefix + yamlName(f)
		if isSectionType(f.Type) {
			walkValue(v.Field(i), key+".", fn)
			continue
		}
		fn(key, v.Field(i))
	}
}

// Keys returns every configuration key in dotted form (e.g.
// "server.listen"), in the order of the Config struct.
func Keys() []string { return append([]string(nil), configKeys.leaves...) }

// EnvName returns the environment variable that sets key, e.g.
// FECHATTER_SERVER__LISTEN for server.listen.
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "__"))
}
