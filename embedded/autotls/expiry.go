package autotls

import (
	"crypto/x509"
	"time"
)

// CertificateExpiry reports when each certificate in service expires, by
// name: the ACME domains held so far, or the first name of an own
// certificate. It reads what is cached and never contacts the CA.
func (s *Server) CertificateExpiry() map[string]time.Time {
	return s.source.expiry()
}

func (a *acmeSource) expiry() map[string]time.Time {
	out := map[string]time.Time{}
	for _, d := range a.domains {
		for _, c := range a.cache.AllMatchingCertificates(d) {
			if leaf := c.Leaf; leaf != nil && leaf.NotAfter.After(out[d]) {
				out[d] = leaf.NotAfter
			}
		}
	}
	return out
}

func (o *ownCert) expiry() map[string]time.Time {
	c := o.current.Load()
	if c == nil || c.leaf == nil {
		return map[string]time.Time{}
	}
	return map[string]time.Time{certName(c.leaf): c.leaf.NotAfter}
}

// certName is a certificate's first DNS name, else its common name.
func certName(leaf *x509.Certificate) string {
	if len(leaf.DNSNames) > 0 {
		return leaf.DNSNames[0]
	}
	if leaf.Subject.CommonName != "" {
		return leaf.Subject.CommonName
	}
	return "certificate"
}
