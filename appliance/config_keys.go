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

// unavailable lists configuration sections that earlier designs (and
// older example files) named but this version does not build, each with
// the reason given to whoever still sets one. A key under such a section,
// in the file or the environment, is refused with that reason rather
// than ignored, so nobody believes a feature is configured when it does
// not exist. Adding or removing a section is one line.
var unavailable = map[string]string{}

// unavailableError returns the refusal for key (dotted, lower case) when
// it lies in an unavailable section, or "".
func unavailableError(key string) string {
	section, _, _ := strings.Cut(key, ".")
	if reason, ok := unavailable[section]; ok {
		return section + ".*: " + reason
	}
	return ""
}

// unavailableEnv returns the refusal for the part of an environment
// variable after FECHATTER_ when it names an unavailable section, however
// its separators are spelt (FECHATTER_BOT__MODEL, FECHATTER_BOT_MODEL), or "".
func unavailableEnv(rest string) string {
	upper := strings.ToUpper(rest)
	for section := range unavailable {
		s := strings.ToUpper(section)
		if upper == s || strings.HasPrefix(upper, s+"_") {
			return unavailableError(section)
		}
	}
	return ""
}
