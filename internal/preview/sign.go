package preview

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
)

// ImagePath is where the API serves proxied preview images.
const ImagePath = "/api/link-previews/image"

// signer signs image URLs so that the image proxy fetches only what the
// server itself put in a preview: without a valid signature it is not an
// open proxy.
type signer struct{ key []byte }

// newSigner derives the proxy's key from the server's secret, so that a
// cluster whose nodes share the secret accepts each other's URLs.
func newSigner(secret []byte) signer {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("fechatter link preview image proxy v1"))
	return signer{key: m.Sum(nil)}
}

func (s signer) sig(raw string) string {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(raw))
	return hex.EncodeToString(m.Sum(nil))
}

// path returns the proxy path of an image URL.
func (s signer) path(raw string) string {
	return ImagePath + "?" + url.Values{"url": {raw}, "sig": {s.sig(raw)}}.Encode()
}

// valid reports whether sig is raw's signature.
func (s signer) valid(raw, sig string) bool {
	want := s.sig(raw)
	return hmac.Equal([]byte(want), []byte(sig))
}
