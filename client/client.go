// Package client is a Go client of Fechatter's REST API (see API.md): typed
// methods per endpoint, returning the domain types of internal/model, plus a
// Do escape hatch for raw requests.
//
// A Client keeps the access token and the refresh token of the session it
// started (it asks the server for the refresh token in the body rather than in
// a cookie) and, when a request answers 401 while it holds a refresh token, it
// refreshes once and repeats the request. A Client is safe for concurrent use.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// DefaultUserAgent is sent when no WithUserAgent option is given.
const DefaultUserAgent = "fechatter-go-client"

// Client talks to one Fechatter server.
type Client struct {
	baseURL   string
	http      *http.Client
	userAgent string

	mu      sync.Mutex // guards access and refresh
	access  string
	refresh string

	// refreshMu serialises refreshes so that concurrent 401s spend the
	// refresh token once: spending it twice would look like token theft to
	// the server (reuse detection) and revoke the whole session.
	refreshMu sync.Mutex
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient makes the Client send its requests through h.
func WithHTTPClient(h *http.Client) Option {
	return func(c *Client) {
		if h != nil {
			c.http = h
		}
	}
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// WithTokens starts the Client with an access token and a refresh token
// (either may be empty).
func WithTokens(access, refresh string) Option {
	return func(c *Client) { c.access, c.refresh = access, refresh }
}

// New returns a Client of the server at baseURL (e.g. "http://127.0.0.1:8080").
func New(baseURL string, opts ...Option) *Client {
	c := &Client{
		baseURL:   strings.TrimRight(baseURL, "/"),
		http:      http.DefaultClient,
		userAgent: DefaultUserAgent,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// BaseURL returns the server address the Client was made for.
func (c *Client) BaseURL() string { return c.baseURL }

// Tokens returns the access token and the refresh token the Client holds.
func (c *Client) Tokens() (access, refresh string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.access, c.refresh
}

// SetTokens replaces the tokens the Client holds; empty strings forget them.
func (c *Client) SetTokens(access, refresh string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.access, c.refresh = access, refresh
}

func (c *Client) accessToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.access
}

// request describes one API call.
type request struct {
	method string
	path   string // may carry its own query string
	query  url.Values
	// body is encoded as JSON unless it is []byte or json.RawMessage
	// (sent as is, as JSON); raw with contentType overrides it (multipart).
	body        any
	raw         []byte
	contentType string
	// public requests carry no bearer token and never trigger a refresh.
	public bool
}

// Do sends a request with a JSON body (nil for none; []byte and
// json.RawMessage are sent as they are) and decodes a JSON answer into out
// (nil to discard it). A status of 400 or more is returned as *APIError. It
// authenticates and refreshes like the typed methods do.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	_, err := c.call(ctx, request{method: method, path: path, body: body}, out)
	return err
}

// call sends r and decodes a successful answer into out; it returns the status.
func (c *Client) call(ctx context.Context, r request, out any) (int, error) {
	resp, err := c.send(ctx, r)
	if err != nil {
		return 0, err
	}
	defer closeBody(resp)
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return resp.StatusCode, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return resp.StatusCode, fmt.Errorf("decode %s %s answer: %w", r.method, r.path, err)
	}
	return resp.StatusCode, nil
}

// send performs r and returns a response with a status below 400, or the
// error the server answered. On a 401 to an authenticated request it
// refreshes once (when it holds a refresh token) and repeats the request.
func (c *Client) send(ctx context.Context, r request) (*http.Response, error) {
	payload, ctype, err := r.encode()
	if err != nil {
		return nil, err
	}
	token := ""
	if !r.public {
		token = c.accessToken()
	}
	resp, err := c.roundTrip(ctx, r, payload, ctype, token)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized && !r.public && c.refreshAfter(ctx, token) {
		closeBody(resp)
		if resp, err = c.roundTrip(ctx, r, payload, ctype, c.accessToken()); err != nil {
			return nil, err
		}
	}
	if resp.StatusCode >= 400 {
		defer closeBody(resp)
		return nil, decodeError(resp)
	}
	return resp, nil
}

// encode returns the bytes and content type of r's body.
func (r request) encode() ([]byte, string, error) {
	switch b := r.body; {
	case r.raw != nil:
		return r.raw, r.contentType, nil
	case b == nil:
		return nil, "", nil
	default:
		if raw, ok := b.([]byte); ok {
			return raw, "application/json", nil
		}
		if raw, ok := b.(json.RawMessage); ok {
			return raw, "application/json", nil
		}
		data, err := json.Marshal(b)
		if err != nil {
			return nil, "", fmt.Errorf("encode %s %s body: %w", r.method, r.path, err)
		}
		return data, "application/json", nil
	}
}

func (c *Client) roundTrip(ctx context.Context, r request, payload []byte, ctype, token string) (*http.Response, error) {
	u := c.baseURL + r.path
	if len(r.query) > 0 {
		sep := "?"
		if strings.Contains(r.path, "?") {
			sep = "&"
		}
		u += sep + r.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", r.method, r.path, err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	return resp, nil
}

// refreshAfter gets a fresh access token after failed was rejected. It
// reports whether the request is worth repeating: another caller may have
// refreshed meanwhile, or this call refreshed successfully.
func (c *Client) refreshAfter(ctx context.Context, failed string) bool {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	access, refresh := c.Tokens()
	if access != "" && access != failed {
		return true
	}
	if refresh == "" {
		return false
	}
	_, err := c.refreshLocked(ctx)
	return err == nil
}

func closeBody(resp *http.Response) {
	// Drain a little so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// esc escapes one path segment.
func esc(s string) string { return url.PathEscape(s) }

// id formats an id as a path segment.
func id(n int64) string { return fmt.Sprint(n) }
