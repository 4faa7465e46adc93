package appliance

import (
	"errors"
	"net"
	"net/netip"
	"testing"
)

// TestOperatorConfigValidation: a bad admin network or a short metrics
// token stops the start with an error naming the key.
func TestOperatorConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *Config)
		key  string
	}{
		{"bad CIDR", func(c *Config) { c.Admin.AllowCIDRs = []string{"10.0.0.0/33"} }, "admin.allow_cidrs"},
		{"not an address", func(c *Config) { c.Admin.AllowCIDRs = []string{"localhost"} }, "admin.allow_cidrs"},
		{"outbound not an address", func(c *Config) { c.Outbound.AllowCIDRs = []string{"ci.lan"} }, "outbound.allow_cidrs"},
		{"short token", func(c *Config) { c.Metrics.Token = "short" }, "metrics.token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.edit(&c)
			var fe *FieldError
			if err := c.Validate(); !errors.As(err, &fe) || fe.Key != tc.key {
				t.Fatalf("Validate() = %v, want an error on %s", err, tc.key)
			}
		})
	}
	c := Default()
	c.Admin.AllowCIDRs = []string{"192.0.2.7", "2001:db8::/32"}
	c.Metrics.Token = "long-enough-token-123"
	if err := c.Validate(); err != nil {
		t.Fatalf("valid operator keys refused: %v", err)
	}
}

// TestOutboundPolicy: outbound.allow_cidrs opens exactly those private
// networks to user-given URLs; loopback and metadata stay shut.
func TestOutboundPolicy(t *testing.T) {
	c := Default()
	c.Outbound.AllowCIDRs = []string{"192.168.10.0/24", "10.0.0.7"}
	p := c.outboundPolicy()
	for addr, want := range map[string]bool{
		"192.168.10.20": true, "10.0.0.7": true, "8.8.8.8": true,
		"192.168.11.1": false, "10.0.0.8": false, "127.0.0.1": false, "169.254.169.254": false,
	} {
		if got := p.Permitted(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Permitted(%s) = %v, want %v", addr, got, want)
		}
	}
}

// TestPublicURL: server.public_url wins, then the first TLS domain; a
// URL with a query or another scheme is refused at load.
func TestPublicURL(t *testing.T) {
	c := Default()
	c.Server.PublicURL = "https://chat.example.org/"
	if got := (&Appliance{cfg: c}).PublicURL(); got != "https://chat.example.org/" {
		t.Errorf("PublicURL = %q", got)
	}
	bound := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	if got := (&Appliance{cfg: c}).setupURL(bound, "tok"); got != "https://chat.example.org/setup?token=tok" {
		t.Errorf("setupURL with public_url = %q", got)
	}

	c.Server.PublicURL = ""
	c.TLS.Domains = []string{"chat.example.org"}
	c.TLS.HTTPSListen = ":8443"
	if got := (&Appliance{cfg: c}).PublicURL(); got != "https://chat.example.org:8443/" {
		t.Errorf("PublicURL from tls.domains = %q", got)
	}
	for _, bad := range []string{"chat.example.org", "ftp://chat.example.org", "https://chat.example.org/?a=1", "https://", "https://example.org/chat"} {
		c := Default()
		c.Server.PublicURL = bad
		var fe *FieldError
		if err := c.Validate(); !errors.As(err, &fe) || fe.Key != "server.public_url" {
			t.Errorf("Validate(public_url %q) = %v, want an error on server.public_url", bad, err)
		}
	}
}
