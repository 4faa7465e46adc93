package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700:4700::1111": true, "93.184.216.34": true,
		"127.0.0.1": false, "127.9.9.9": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false,
		"172.31.255.255": false, "192.168.1.1": false, "169.254.169.254": false, "169.254.0.1": false,
		"fe80::1": false, "fd00:ec2::254": false, "fc00::1": false, "::ffff:127.0.0.1": false,
		"::ffff:10.0.0.1": false, "100.64.0.1": false, "0.0.0.0": false, "::": false, "224.0.0.1": false,
		"ff02::1": false, "255.255.255.255": false, "198.18.0.1": false, "240.0.0.1": false,
		"64:ff9b::7f00:1": false, "192.0.0.170": false,
	} {
		if got := Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestParsePrefixes(t *testing.T) {
	got, err := ParsePrefixes([]string{"10.0.0.5", "192.168.0.0/16", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Bits() != 32 || got[2].Bits() != 128 {
		t.Fatalf("ParsePrefixes = %v", got)
	}
	if _, err := ParsePrefixes([]string{"intranet"}); err == nil || !strings.Contains(err.Error(), "intranet") {
		t.Fatalf("ParsePrefixes(intranet) = %v, want an error naming it", err)
	}
}

// serve starts a server on addr (a loopback IP) and returns its base URL.
func serve(t *testing.T, ip string, h http.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("listen on %s: %v", ip, err)
	}
	s := &httptest.Server{Listener: ln, Config: &http.Server{Handler: h}}
	s.Start()
	t.Cleanup(s.Close)
	return s.URL
}

func get(p Policy, rawURL string) (*http.Response, error) {
	return p.Get(context.Background(), p.Client(), rawURL)
}

func TestRefusesWhatIsNotPublic(t *testing.T) {
	hit := 0
	base := serve(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) { hit++ })
	port := strings.TrimPrefix(base, "http://127.0.0.1")
	for _, u := range []string{
		base,                      // a loopback literal
		"http://localhost" + port, // a name that resolves to loopback
		"http://[::ffff:127.0.0.1]" + port,
		"http://169.254.169.254/latest/meta-data/",
		"http://10.0.0.1/",
		"file:///etc/passwd",
		"gopher://example.com/",
		"http://user:pw@example.com/",
		"http:///nohost",
	} {
		resp, err := get(Policy{Timeout: 2 * time.Second}, u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s succeeded, want a refusal", u)
			continue
		}
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("GET %s: %v, want ErrForbidden", u, err)
		}
	}
	if hit != 0 {
		t.Fatalf("the loopback server was reached %d times", hit)
	}
}

func TestRedirectsAreRechecked(t *testing.T) {
	inner := 0
	target := serve(t, "127.0.0.2", func(w http.ResponseWriter, r *http.Request) { inner++ })
	front := serve(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+"/secret", http.StatusFound)
	})
	// The policy lets 127.0.0.1 through (an operator's exemption), not .2.
	p := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Timeout: 2 * time.Second}
	resp, err := get(p, front)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a redirect to %s was followed", target)
	}
	if !errors.Is(err, ErrForbidden) || inner != 0 {
		t.Fatalf("err = %v, inner hits = %d; want ErrForbidden and none", err, inner)
	}
	// With both allowed, the same redirect is followed.
	p.Allow = append(p.Allow, netip.MustParsePrefix("127.0.0.2/32"))
	resp, err = get(p, front)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if inner != 1 {
		t.Fatalf("inner hits = %d, want 1", inner)
	}
}

func TestLimits(t *testing.T) {
	big := strings.Repeat("x", 3000)
	base := serve(t, "127.0.0.1", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/sized":
			fmt.Fprint(w, big)
		case "/chunked":
			for range 3 {
				fmt.Fprint(w, big[:1000])
				w.(http.Flusher).Flush()
			}
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case "/cookie":
			http.SetCookie(w, &http.Cookie{Name: "s", Value: "1"})
			http.Redirect(w, r, "/check", http.StatusFound)
		case "/check":
			if _, err := r.Cookie("s"); err == nil {
				w.WriteHeader(http.StatusTeapot)
			}
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		}
	})
	p := Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, Timeout: 300 * time.Millisecond, MaxBytes: 2048}
	for _, path := range []string{"/sized", "/chunked"} {
		resp, err := get(p, base+path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.ReadBody(resp); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: ReadBody = %v, want ErrTooLarge", path, err)
		}
	}
	p.MaxBytes = 4096
	resp, err := get(p, base+"/sized")
	if err != nil {
		t.Fatal(err)
	}
	if b, err := p.ReadBody(resp); err != nil || len(b) != len(big) {
		t.Fatalf("ReadBody within the limit = %d bytes, %v", len(b), err)
	}
	if resp, err := get(p, base+"/slow"); err == nil {
		resp.Body.Close()
		t.Error("a server slower than the timeout answered")
	}
	resp, err = get(p, base+"/cookie")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusTeapot {
		t.Error("a cookie set by the destination was sent back")
	}
	if resp, err := get(p, base+"/loop"); err == nil {
		resp.Body.Close()
		t.Error("an endless redirect loop was followed to the end")
	}
}
