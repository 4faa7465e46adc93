package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// AvatarCrop is a square of the source picture, in its pixels.
type AvatarCrop struct {
	X, Y, Size int
}

// SetAvatar uploads the picture in r as the caller's avatar, cropped to
// crop (nil: the centred square) and scaled to 256x256 by the server.
func (c *Client) SetAvatar(ctx context.Context, r io.Reader, crop *AvatarCrop) (model.User, error) {
	body, ctype, err := multipartFile("avatar", r)
	if err != nil {
		return model.User{}, err
	}
	req := request{method: http.MethodPut, path: "/api/me/avatar", raw: body, contentType: ctype}
	if crop != nil {
		req.query = url.Values{"x": {strconv.Itoa(crop.X)}, "y": {strconv.Itoa(crop.Y)}, "size": {strconv.Itoa(crop.Size)}}
	}
	var u model.User
	_, err = c.call(ctx, req, &u)
	return u, err
}

// DeleteAvatar removes the caller's avatar.
func (c *Client) DeleteAvatar(ctx context.Context) (model.User, error) {
	var u model.User
	_, err := c.call(ctx, request{method: http.MethodDelete, path: "/api/me/avatar"}, &u)
	return u, err
}

// Avatar writes a user's avatar to dst and returns the answer's headers
// (ETag, Cache-Control, Content-Type). avatarURL is the user's AvatarURL.
func (c *Client) Avatar(ctx context.Context, avatarURL string, dst io.Writer) (http.Header, error) {
	resp, err := c.send(ctx, request{method: http.MethodGet, path: avatarURL})
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	if _, err := io.Copy(dst, resp.Body); err != nil {
		return resp.Header, fmt.Errorf("download avatar: %w", err)
	}
	return resp.Header, nil
}

// SetStatus sets the caller's status until expiresAt (nil: until cleared).
func (c *Client) SetStatus(ctx context.Context, emoji, text string, expiresAt *time.Time) (model.User, error) {
	body := map[string]any{"emoji": emoji, "text": text, "expires_at": expiresAt}
	var u model.User
	_, err := c.call(ctx, request{method: http.MethodPut, path: "/api/me/status", body: body}, &u)
	return u, err
}

// ClearStatus removes the caller's status.
func (c *Client) ClearStatus(ctx context.Context) (model.User, error) {
	var u model.User
	_, err := c.call(ctx, request{method: http.MethodDelete, path: "/api/me/status"}, &u)
	return u, err
}
