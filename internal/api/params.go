package api

import (
	"fmt"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
)

// List limits of API.md "Conventions" (defined once, in storage).
const (
	defaultLimit = chat.DefaultPageLimit
	maxLimit     = chat.MaxPageLimit
)

// pathID parses the positive int64 path parameter name. Anything else
// names a resource that cannot exist, so it is 404 (what), not 400.
func pathID(c *gin.Context, name, what string) (int64, error) {
	id, ok := parseID(c.Param(name))
	if !ok {
		return 0, apperr.NotFound(what)
	}
	return id, nil
}

// parseID accepts decimal digits without sign or leading zero that fit a
// positive int64.
func parseID(s string) (int64, bool) {
	if s == "" || s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil
}

// pathString returns the path parameter name, URL-decoded: gin routes on
// the decoded URL.Path (UseRawPath is off), so "%F0%9F%91%8D" arrives as
// the emoji itself. Empty names nothing that exists (404 what).
func pathString(c *gin.Context, name, what string) (string, error) {
	v := c.Param(name)
	if v == "" {
		return "", apperr.NotFound(what)
	}
	return v, nil
}

// queryInt parses the integer query parameter name within [lo, hi]; absent
// gives def.
func queryInt(c *gin.Context, name string, def, lo, hi int64) (int64, error) {
	raw, ok := c.GetQuery(name)
	if !ok {
		return def, nil
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, apperr.Field(name, "must be an integer from "+strconv.FormatInt(lo, 10)+" to "+strconv.FormatInt(hi, 10))
	}
	return v, nil
}

// limitRange describes the limit parameter for the OpenAPI document.
var limitRange = fmt.Sprintf("1 to %d (default %d)", maxLimit, defaultLimit)

// queryLimit parses limit: 1 to maxLimit, default defaultLimit.
func queryLimit(c *gin.Context) (int, error) {
	v, err := queryInt(c, "limit", defaultLimit, 1, maxLimit)
	return int(v), err
}

// queryBool parses the boolean query parameter name; absent gives false.
func queryBool(c *gin.Context, name string) (bool, error) {
	raw, ok := c.GetQuery(name)
	if !ok {
		return false, nil
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		return false, apperr.Field(name, "must be true or false")
	}
	return v, nil
}
