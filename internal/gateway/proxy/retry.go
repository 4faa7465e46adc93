package proxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
)

// route is where one request may go: its key's backends in order, and
// whether it may be sent twice.
type route struct {
	order      []*backend
	idempotent bool
	// replayable: the body is empty or kept in memory (GetBody set).
	replayable bool
	// cancel ends the request to the node (see drainableStream).
	cancel context.CancelFunc
}

type routeKey struct{}

func withRoute(ctx context.Context, rt *route) context.Context {
	return context.WithValue(ctx, routeKey{}, rt)
}

func routeOf(ctx context.Context) *route {
	rt, _ := ctx.Value(routeKey{}).(*route)
	return rt
}

// isIdempotent: methods that RFC 9110 §9.2.2 calls idempotent, which a
// client would also repeat.
func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// prepareBody keeps r's body in memory when it is small enough (at most
// MaxBodyBytes), so the request can be sent again, and marks a JSON POST
// that carries a client_id idempotent: the node deduplicates it. A larger
// body is streamed as it comes, and the request is never sent twice.
func (p *Proxy) prepareBody(r *http.Request, rt *route) error {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		rt.replayable = true
		return nil
	}
	if r.ContentLength > p.maxBody {
		return nil
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, p.maxBody+1))
	if err != nil {
		return fmt.Errorf("read request body: %w", err)
	}
	if int64(len(buf)) > p.maxBody {
		// Longer than it said, or no length given: pass it on unread.
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(buf), r.Body), r.Body}
		return nil
	}
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(buf))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf)), nil }
	r.ContentLength = int64(len(buf))
	rt.replayable = true
	if r.Method == http.MethodPost && carriesClientID(r.Header.Get("Content-Type"), buf) {
		rt.idempotent = true
	}
	return nil
}

// carriesClientID reports whether a JSON body is an object with a
// non-empty string client_id (a message send the node deduplicates).
func carriesClientID(contentType string, body []byte) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return false
	}
	var v struct {
		ClientID *string `json:"client_id"`
	}
	return json.Unmarshal(body, &v) == nil && v.ClientID != nil && *v.ClientID != ""
}

// retryTransport sends a request to its route's first backend and, when
// that fails to answer, once more to the next: always when the connection
// could not be made (nothing was sent), and otherwise only for a request
// that may be repeated. A backend that fails to answer is marked down until
// its health check passes again.
type retryTransport struct {
	p    *Proxy
	next http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt := routeOf(req.Context())
	resp, err := t.next.RoundTrip(req)
	if err == nil || rt == nil || req.Context().Err() != nil {
		return resp, err
	}
	t.p.eject(rt.order[0], err)
	if len(rt.order) < 2 || !rt.replayable || !(rt.idempotent || isDialError(err)) {
		return nil, err
	}
	retry := req.Clone(req.Context())
	retry.URL.Scheme, retry.URL.Host = rt.order[1].url.Scheme, rt.order[1].url.Host
	if req.GetBody != nil {
		if retry.Body, err = req.GetBody(); err != nil {
			return nil, fmt.Errorf("replay request body: %w", err)
		}
	}
	resp, err = t.next.RoundTrip(retry)
	if err != nil && req.Context().Err() == nil {
		t.p.eject(rt.order[1], err)
	}
	return resp, err
}

// isDialError reports whether err happened before anything was sent.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// eject marks b down after a request to it failed (passive health check).
func (p *Proxy) eject(b *backend, err error) {
	if b.set(StateDown) {
		p.log.LogAttrs(context.Background(), slog.LevelWarn, "gateway backend down",
			slog.String("backend", b.name), slog.String("error", err.Error()))
	}
}
