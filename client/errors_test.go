package client

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestAPIErrorDecoding checks how error answers become *APIError.
func TestAPIErrorDecoding(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		header map[string]string
		body   string
		want   APIError
	}{
		{name: "validation", status: 400,
			body: `{"error":{"code":"invalid_request","message":"invalid name","request_id":"r1","fields":{"name":"too long"}}}`,
			want: APIError{Status: 400, Code: "invalid_request", Message: "invalid name", RequestID: "r1", Fields: map[string]string{"name": "too long"}}},
		{name: "not found, request id from header", status: 404, header: map[string]string{"X-Request-Id": "h1"},
			body: `{"error":{"code":"not_found","message":"chat not found"}}`,
			want: APIError{Status: 404, Code: "not_found", Message: "chat not found", RequestID: "h1"}},
		{name: "rate limited", status: 429, header: map[string]string{"Retry-After": "7"},
			body: `{"error":{"code":"rate_limited","message":"slow down"}}`,
			want: APIError{Status: 429, Code: "rate_limited", Message: "slow down", RetryAfter: 7 * time.Second}},
		{name: "not the api's shape", status: 502, body: "<html>bad gateway</html>",
			want: APIError{Status: 502, Message: "<html>bad gateway</html>"}},
		{name: "empty body", status: 405,
			want: APIError{Status: 405, Message: "Method Not Allowed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			err := New(srv.URL).Do(context.Background(), "GET", "/api/x", nil, nil)
			wrapped := fmt.Errorf("outer: %w", err)
			got, ok := AsAPIError(wrapped)
			if !ok {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if fmt.Sprint(*got) != fmt.Sprint(tc.want) {
				t.Errorf("got %+v, want %+v", *got, tc.want)
			}
			if StatusOf(wrapped) != tc.status || IsNotFound(wrapped) != (tc.status == 404) {
				t.Errorf("StatusOf = %d, IsNotFound = %v", StatusOf(wrapped), IsNotFound(wrapped))
			}
			if CodeOf(wrapped) != tc.want.Code {
				t.Errorf("CodeOf = %q", CodeOf(wrapped))
			}
		})
	}
}

// TestStatusOfOtherErrors checks errors that did not come from the server.
func TestStatusOfOtherErrors(t *testing.T) {
	for _, err := range []error{nil, fmt.Errorf("dial: refused")} {
		if StatusOf(err) != 0 || IsNotFound(err) {
			t.Errorf("StatusOf(%v) = %d", err, StatusOf(err))
		}
	}
}
