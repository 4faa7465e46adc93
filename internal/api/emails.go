package api

import (
	"bytes"
	"context"
	"strconv"

	"github.com/gin-gonic/gin"
)

// Members see each other's email addresses only where the instance
// settings allow it (chat.Service.SeesEmails). Users reach a response in
// many shapes (members, senders of messages, search hits, mentions,
// pins, bots, bans...), so the rule is applied once, to every JSON body
// an authenticated request gets (writeJSON), rather than in each handler:
// a new endpoint cannot forget it.
//
// It works on the encoded JSON, which is sound because model.User is the
// only type whose JSON starts {"id":<n>,"email":"..." (TestUserJSONPrefix
// pins the field order), and encoding/json escapes every quote inside a
// string, so that text in user content can never look like that.

// emailGateKey holds, in the gin context of an authenticated request,
// the function that says whether the caller sees other users' addresses.
const emailGateKey = "fechatter.emailGate"

// emailGate reports whether viewerID sees other users' email addresses.
type emailGate func(ctx context.Context, viewerID int64) (bool, error)

var (
	userPrefix  = []byte(`{"id":`)
	emailPrefix = []byte(`,"email":"`)
)

// redactEmails returns data with the email of every user other than
// viewerID blanked, unless sees says the viewer may see them. sees is
// called at most once, and only when there is an address to hide.
func redactEmails(data []byte, viewerID int64, sees func() bool) []byte {
	var out []byte // nil until the first change: most bodies have none
	decided, keep := false, false
	last := 0
	for i := 0; ; {
		j := bytes.Index(data[i:], userPrefix)
		if j < 0 {
			break
		}
		start := i + j + len(userPrefix)
		end := start
		for end < len(data) && data[end] >= '0' && data[end] <= '9' {
			end++
		}
		i = end
		if end == start || !bytes.HasPrefix(data[end:], emailPrefix) {
			continue
		}
		valStart := end + len(emailPrefix)
		valEnd := jsonStringEnd(data, valStart)
		i = valEnd
		if valEnd <= valStart || valEnd >= len(data) {
			continue // empty address, or not a whole string
		}
		if id, err := strconv.ParseInt(string(data[start:end]), 10, 64); err == nil && id == viewerID {
			continue
		}
		if !decided {
			decided, keep = true, sees()
		}
		if keep {
			return data
		}
		if out == nil {
			out = make([]byte, 0, len(data))
		}
		out = append(out, data[last:valStart]...)
		last = valEnd
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}

// jsonStringEnd returns the index of the closing quote of the JSON string
// whose contents start at i (len(data) when it has none).
func jsonStringEnd(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case '\\':
			i += 2
		case '"':
			return i
		default:
			i++
		}
	}
	return len(data)
}

// emailRedactor returns data as the caller of c may see it.
func emailRedactor(c *gin.Context, data []byte) []byte {
	v, ok := c.Get(emailGateKey)
	if !ok {
		return data // unauthenticated: no other user's data is served
	}
	gate, _ := v.(emailGate)
	viewer := userID(c)
	return redactEmails(data, viewer, func() bool {
		ok, err := gate(c.Request.Context(), viewer)
		return err == nil && ok // on doubt, hide
	})
}
