package appliance

import (
	"net/url"
	"reflect"
	"strings"
)

// redactURLs rewrites, in place, every string and string-list key of c
// whose value looks like a URL, through redactURL. It walks the Config
// type rather than naming keys so a URL key added later is covered too.
func redactURLs(c *Config) {
	walkValue(reflect.ValueOf(c).Elem(), "", func(_ string, v reflect.Value) {
		switch {
		case v.Kind() == reflect.String:
			if looksLikeURL(v.String()) {
				v.SetString(redactURL(v.String()))
			}
		case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String && v.Len() > 0:
			// A fresh slice, so the copy never writes into the original's.
			out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				s := v.Index(i).String()
				if looksLikeURL(s) {
					s = redactURL(s)
				}
				out.Index(i).SetString(s)
			}
			v.Set(out)
		}
	})
}

// looksLikeURL reports whether s has the scheme:// of a URL with an
// authority, the only kind that carries user info.
func looksLikeURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	return ok && scheme != "" && !strings.ContainsAny(scheme, " /?#@")
}

// redactURL hides the credentials of a URL: the password of its user info
// and the value of every credential-like query parameter (password,
// sslpassword, token, api_key, ...). The user name, host, path and other
// parameters stay, so the output still says where it points. A URL that
// does not parse, or that has an "@" outside its user info (a password
// with an unescaped "/" or "#" is split that way), is hidden whole; a
// fragment is hidden too.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || strings.Contains(u.Path, "@") || strings.Contains(u.Opaque, "@") {
		return redactedValue
	}
	const mark = "REDACTED"
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), mark)
	}
	u.RawQuery = redactQuery(u.RawQuery, mark)
	if u.Fragment != "" {
		u.Fragment, u.RawFragment = mark, ""
	}
	return strings.ReplaceAll(u.String(), mark, redactedValue)
}

// redactQuery replaces the values of credential-like parameters of the
// raw query q by mark, leaving the rest byte for byte.
func redactQuery(q, mark string) string {
	if q == "" {
		return ""
	}
	pairs := strings.Split(q, "&")
	for i, p := range pairs {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && credentialParam(name) {
			pairs[i] = k + "=" + mark
		}
	}
	return strings.Join(pairs, "&")
}

// credentialParam reports whether a URL query parameter may carry a
// credential: libpq's password and sslpassword, tokens, API keys,
// secrets, signatures, auth values. Over-matching (sslkey is a path)
// only hides a harmless value.
func credentialParam(name string) bool {
	n := strings.ToLower(name)
	for _, part := range []string{"pass", "pwd", "token", "key", "secret", "sig", "auth", "cred"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}
