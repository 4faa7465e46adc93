package client

import (
	"context"
	"net/http"
)

// logLevel is the body of /api/admin/log-level.
type logLevel struct {
	Level string `json:"level"`
}

// LogLevel returns the server's log level (instance admins only).
func (c *Client) LogLevel(ctx context.Context) (string, error) {
	var out logLevel
	err := c.Do(ctx, http.MethodGet, "/api/admin/log-level", nil, &out)
	return out.Level, err
}

// SetLogLevel changes the server's log level at once (debug, info, warn or
// error; instance admins only) and returns the level now in force.
func (c *Client) SetLogLevel(ctx context.Context, level string) (string, error) {
	var out logLevel
	err := c.Do(ctx, http.MethodPut, "/api/admin/log-level", logLevel{Level: level}, &out)
	return out.Level, err
}
