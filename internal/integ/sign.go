package integ

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
)

// Headers of every request sent to an outgoing webhook or a slash command.
const (
	// HeaderTimestamp is the unix time (seconds) the request was signed.
	HeaderTimestamp = "X-Fechatter-Timestamp"
	// HeaderSignature is "v1=" and the hex HMAC-SHA256, keyed with the
	// integration's secret, of the timestamp, a dot and the raw body.
	HeaderSignature = "X-Fechatter-Signature"
	// HeaderEventID names the event, the same on every retry: receivers
	// de-duplicate on it.
	HeaderEventID = "X-Fechatter-Event-Id"
)

// Sign returns the HeaderSignature value of body sent at unix time ts.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify reports whether sig is the signature of body at ts, in constant
// time. Receivers should also refuse a ts far from their clock.
func Verify(secret string, ts int64, body []byte, sig string) bool {
	return hmac.Equal([]byte(Sign(secret, ts, body)), []byte(sig))
}
