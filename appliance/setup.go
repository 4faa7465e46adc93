package appliance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/fechatter/fechatter/internal/auth"
)

// SetupTokenPath is where a generated setup token is kept until setup is
// done.
func SetupTokenPath(cfg Config) string { return layoutOf(cfg.DataDir).SetupToken }

// loadSetupToken settles the setup token at start. Once a user exists there
// is none (and a leftover file is removed). Otherwise it is the configured
// setup_token, or the one in <data_dir>/setup.token, generated on first
// start, so a restart keeps the link that was printed. Setup retires it and
// removes the file.
func (a *Appliance) loadSetupToken(ctx context.Context) (*auth.SetupToken, error) {
	path := SetupTokenPath(a.cfg)
	n, err := a.store.CountUsers(ctx)
	if err != nil {
		return nil, fmt.Errorf("setup token: count users: %w", err)
	}
	if n > 0 {
		return auth.NewSetupToken("", nil), removeSetupTokenFile(path)
	}
	a.setupPending = true
	token := a.cfg.SetupToken
	if token == "" {
		if token, err = readOrCreateSetupToken(path); err != nil {
			return nil, err
		}
		a.setupLinkToken = token
	}
	return auth.NewSetupToken(token, func() {
		if err := removeSetupTokenFile(path); err != nil {
			a.log.Warn("setup is done but the setup token file stays; delete it", "path", path, "error", err)
		}
		a.log.Info("setup is done: the setup token is retired")
	}), nil
}

// readOrCreateSetupToken returns the token in path, creating the file
// (mode 0600) with a new token when there is none.
func readOrCreateSetupToken(path string) (string, error) {
	data, err := readCapped(path, maxSecretFile)
	if err == nil && strings.TrimSpace(string(data)) != "" {
		return strings.TrimSpace(string(data)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("read setup token: %w", err)
	}
	token := auth.GenerateSetupToken()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", fmt.Errorf("create setup token: %w", err)
	}
	if err := writeSynced(f, []byte(token+"\n")); err != nil {
		return "", fmt.Errorf("write setup token: %w", err)
	}
	syncDir(filepath.Dir(path))
	return token, nil
}

// removeSetupTokenFile deletes the setup token file; a missing one is fine.
func removeSetupTokenFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove setup token: %w", err)
	}
	return nil
}

// announceSetup logs where to finish first-run setup, while it is pending:
// a ready link with the generated token (like Jupyter's), or, for a token
// the operator configured, the page without it.
func (a *Appliance) announceSetup(bound net.Addr) {
	if !a.setupPending {
		return
	}
	if a.setupLinkToken == "" {
		page := a.setupURL(bound, "")
		a.log.Warn("first-run setup is pending: open the setup page and enter the configured setup_token", "url", page)
		return
	}
	a.log.Warn("first-run setup is pending: open this link to create the administrator (it holds the setup token, also in "+SetupTokenPath(a.cfg)+")",
		"url", a.setupURL(bound, a.setupLinkToken))
}

// setupURL is the setup page on server.public_url when it is set (the
// operator opens it through the proxy), else on the bound address.
func (a *Appliance) setupURL(bound net.Addr, token string) string {
	if a.cfg.Server.PublicURL == "" {
		return SetupURL(a.cfg.Server.Listen, bound.String(), token)
	}
	u, err := url.Parse(a.PublicURL())
	if err != nil { // validated at load
		return SetupURL(a.cfg.Server.Listen, bound.String(), token)
	}
	u.Path = "/setup"
	if token != "" {
		u.RawQuery = url.Values{"token": {token}}.Encode()
	}
	return u.String()
}

// SetupURL is the web app's setup page of a server configured to listen
// on listen and bound to bound (see AppURL), with token in the query when
// it is not empty.
func SetupURL(listen, bound, token string) string {
	u := appURL(listen, bound)
	u.Path = "/setup"
	if token != "" {
		u.RawQuery = url.Values{"token": {token}}.Encode()
	}
	return u.String()
}

// AppURL is the web app of a server configured to listen on listen and
// bound to bound (whose port counts, for ":0"). An unspecified host
// becomes localhost.
func AppURL(listen, bound string) string {
	u := appURL(listen, bound)
	return u.String()
}

func appURL(listen, bound string) url.URL {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = ""
	}
	_, port, err := net.SplitHostPort(bound)
	if err != nil {
		_, port, _ = net.SplitHostPort(listen)
	}
	if ip, err := netip.ParseAddr(host); host == "" || err == nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/"}
}

// PublicURL is where people reach this server, with a trailing slash:
// server.public_url, else https:// the first of tls.domains (with the
// HTTPS port when it is not 443), else the bound listen address. Links
// the server hands out (emails, sign-in redirects, webhook URLs) start
// with it.
func (a *Appliance) PublicURL() string {
	if p := a.cfg.Server.PublicURL; p != "" {
		return strings.TrimSuffix(p, "/") + "/"
	}
	if d := a.cfg.TLS.Domains; len(d) > 0 {
		u := url.URL{Scheme: "https", Host: d[0], Path: "/"}
		if _, port, err := net.SplitHostPort(a.cfg.TLS.HTTPSListen); err == nil && port != "443" {
			u.Host = net.JoinHostPort(d[0], port)
		}
		return u.String()
	}
	return AppURL(a.cfg.Server.Listen, a.Addr())
}

// Welcome is the start log's pointer for the operator: where to finish
// first-run setup while it is pending, else where the app is.
func (a *Appliance) Welcome() string {
	app := a.PublicURL()
	if a.setupPending {
		return "open " + app + " to finish setup"
	}
	return "open " + app + " to use Fechatter"
}
