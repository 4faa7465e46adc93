package appliance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
)

func TestSetupURL(t *testing.T) {
	for _, tc := range []struct{ listen, bound, token, want string }{
		{":8080", "[::]:8080", "abc", "http://localhost:8080/setup?token=abc"},
		{"0.0.0.0:0", "0.0.0.0:41234", "abc", "http://localhost:41234/setup?token=abc"},
		{"[::]:8080", "[::]:8080", "", "http://localhost:8080/setup"},
		{"127.0.0.1:0", "127.0.0.1:5555", "a b", "http://127.0.0.1:5555/setup?token=a+b"},
		{"[::1]:9000", "[::1]:9000", "x", "http://[::1]:9000/setup?token=x"},
		{"chat.internal:80", "10.0.0.5:80", "x", "http://chat.internal:80/setup?token=x"},
	} {
		if got := SetupURL(tc.listen, tc.bound, tc.token); got != tc.want {
			t.Errorf("SetupURL(%q, %q, %q) = %q, want %q", tc.listen, tc.bound, tc.token, got, tc.want)
		}
	}
}

// setupLink returns the url of the last "setup is pending" log line.
func setupLink(t *testing.T, logs string) string {
	t.Helper()
	link := ""
	for _, line := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && strings.HasPrefix(m["msg"].(string), "first-run setup is pending") {
			link, _ = m["url"].(string)
		}
	}
	if link == "" {
		t.Fatalf("no setup link in the log:\n%s", logs)
	}
	return link
}

// postSetup posts a setup form with token (omitted when nil) and returns
// the status.
func postSetup(t *testing.T, a *Appliance, token any) int {
	t.Helper()
	form := map[string]any{"email": "admin@example.com", "password": "correct horse battery",
		"username": "admin", "workspace_name": "Acme"}
	if token != nil {
		form["setup_token"] = token
	}
	body, _ := json.Marshal(form)
	resp, err := http.Post("http://"+a.Addr()+"/api/setup", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

func TestSetupTokenGenerated(t *testing.T) {
	cfg := testConfig(t)
	var logs syncBuffer
	a := startAppliance(t, cfg, &logs)
	link, err := url.Parse(setupLink(t, logs.String()))
	if err != nil {
		t.Fatal(err)
	}
	token := link.Query().Get("token")
	if link.Host != a.Addr() || link.Path != "/setup" || len(token) < 32 {
		t.Fatalf("setup link %s: want http://%s/setup?token=<at least 128 bits>", link, a.Addr())
	}
	path := SetupTokenPath(cfg)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("setup token file: %v, mode %v; want 0600", err, st)
	}
	if data, _ := os.ReadFile(path); strings.TrimSpace(string(data)) != token {
		t.Fatalf("the file holds %q, the link %q", data, token)
	}
	// A restart before setup keeps the token and prints the link again.
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	var logs2 syncBuffer
	a = startAppliance(t, cfg, &logs2)
	again, _ := url.Parse(setupLink(t, logs2.String()))
	if again.Query().Get("token") != token {
		t.Fatalf("restart changed the token: %s, was %s", again, link)
	}
	for _, tc := range []struct {
		name  string
		token any
		want  int
	}{
		{"no token", nil, http.StatusForbidden},
		{"wrong token", token[:len(token)-1] + "x", http.StatusForbidden},
		{"right token", token, http.StatusCreated},
		{"token after setup", token, http.StatusConflict},
	} {
		if got := postSetup(t, a, tc.token); got != tc.want {
			t.Fatalf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("setup token file after setup: %v, want it removed", err)
	}
	// Once set up, a restart prints no link and makes no token.
	if err := a.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	var logs3 syncBuffer
	startAppliance(t, cfg, &logs3)
	if strings.Contains(logs3.String(), "setup is pending") {
		t.Fatalf("a set-up instance asks for setup:\n%s", logs3.String())
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("setup token file after a restart: %v", err)
	}
}

func TestSetupTokenConfigured(t *testing.T) {
	cfg := testConfig(t)
	const token = "operator-chosen-setup-token"
	env := []string{"FECHATTER_SETUP_TOKEN=" + token, "FECHATTER_DATA_DIR=" + cfg.DataDir, "FECHATTER_SERVER__LISTEN=127.0.0.1:0", "FECHATTER_AUTH__SIGNUPS_PER_HOUR=0"}
	loaded, err := Load(LoadOptions{Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if loaded.SetupToken != token || loaded.Auth.SignupsPerHour != 0 {
		t.Fatalf("FECHATTER_SETUP_TOKEN gave setup_token %q; FECHATTER_AUTH__SIGNUPS_PER_HOUR=0 gave %d", loaded.SetupToken, loaded.Auth.SignupsPerHour)
	}
	var logs syncBuffer
	a := startAppliance(t, loaded, &logs)
	if link := setupLink(t, logs.String()); strings.Contains(link, token) || !strings.HasSuffix(link, "/setup") {
		t.Fatalf("the log shows %q for a configured token; want the page without it", link)
	}
	if _, err := os.Stat(SetupTokenPath(cfg)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a token file was made although one is configured: %v", err)
	}
	if got := postSetup(t, a, "generated-looking-0123456789abcdef"); got != http.StatusForbidden {
		t.Fatalf("another token: %d, want 403", got)
	}
	if got := postSetup(t, a, token); got != http.StatusCreated {
		t.Fatalf("the configured token: %d, want 201", got)
	}
}
