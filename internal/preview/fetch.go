package preview

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/fechatter/fechatter/internal/netguard"
)

// Errors of a fetch that the image proxy tells apart.
var (
	// ErrNotHTML is a page that is not HTML (nothing to preview).
	ErrNotHTML = errors.New("not an HTML page")
	// ErrNotImage is an image URL whose answer is not a raster image.
	ErrNotImage = errors.New("not an image")
	// ErrStatus is an answer other than 200 OK.
	ErrStatus = errors.New("unexpected status")
)

// fetcher makes the outbound requests of previews: every one through the
// netguard policy (addresses checked after DNS resolution and on every
// redirect, no cookies, no proxy, the policy's time limit) and with a
// body limit of its own for pages and for images.
type fetcher struct {
	pages, images netguard.Policy
	client        *http.Client
	userAgent     string
}

func newFetcher(p netguard.Policy, maxPage, maxImage int64, userAgent string) *fetcher {
	pages, images := p, p
	pages.MaxBytes, images.MaxBytes = maxPage, maxImage
	return &fetcher{pages: pages, images: images, client: p.Client(), userAgent: userAgent}
}

// get sends a checked GET and answers the response if its status is 200.
func (f *fetcher) get(ctx context.Context, p netguard.Policy, raw, accept string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", netguard.ErrForbidden, err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", accept)
	resp, err := p.Do(f.client, req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: %s", ErrStatus, resp.Status)
	}
	return resp, nil
}

// page fetches an HTML page and reads its preview tags.
func (f *fetcher) page(ctx context.Context, raw string) (page, error) {
	resp, err := f.get(ctx, f.pages, raw, "text/html,application/xhtml+xml;q=0.9")
	if err != nil {
		return page{}, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "text/html" && mt != "application/xhtml+xml" {
		resp.Body.Close()
		return page{}, fmt.Errorf("%w: %q", ErrNotHTML, mt)
	}
	body, err := f.pages.ReadBody(resp)
	if err != nil {
		return page{}, err
	}
	return parsePage(body, resp.Request.URL), nil
}

// imageTypes are the image types the proxy passes on: raster formats a
// browser shows in <img>. SVG is left out: served from our origin it
// could carry script.
var imageTypes = map[string]bool{
	"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/avif": true,
}

// image fetches an image, checking both the declared type and the bytes.
func (f *fetcher) image(ctx context.Context, raw string) (string, []byte, error) {
	resp, err := f.get(ctx, f.images, raw, "image/avif,image/webp,image/png,image/jpeg,image/gif")
	if err != nil {
		return "", nil, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if !imageTypes[mt] {
		resp.Body.Close()
		return "", nil, fmt.Errorf("%w: %q", ErrNotImage, mt)
	}
	body, err := f.images.ReadBody(resp)
	if err != nil {
		return "", nil, err
	}
	if sniffed := http.DetectContentType(body); !strings.HasPrefix(sniffed, "image/") && mt != "image/avif" {
		return "", nil, fmt.Errorf("%w: the bytes are %s", ErrNotImage, sniffed)
	}
	return mt, body, nil
}
