package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/fechatter/fechatter/internal/model"
)

// UploadFile uploads the bytes of r as a file named name in a workspace,
// ready to be attached to messages. The body is buffered so that the request
// can be repeated after a token refresh.
func (c *Client) UploadFile(ctx context.Context, wsID int64, name string, r io.Reader) (model.File, error) {
	body, ctype, err := multipartFile(name, r)
	if err != nil {
		return model.File{}, err
	}
	var f model.File
	req := request{method: http.MethodPost, path: wsPath(wsID) + "/files", raw: body, contentType: ctype}
	_, err = c.call(ctx, req, &f)
	return f, err
}

// multipartFile encodes r as the form field "file".
func multipartFile(name string, r io.Reader) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		return nil, "", fmt.Errorf("build upload: %w", err)
	}
	if _, err := io.Copy(part, r); err != nil {
		return nil, "", fmt.Errorf("read upload %q: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("build upload: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// DownloadFile writes the bytes of a file to dst and returns the answer's
// headers (Content-Type, Content-Disposition, ...). Nothing is written to
// dst when the server refuses.
func (c *Client) DownloadFile(ctx context.Context, fileID int64, dst io.Writer) (http.Header, error) {
	resp, err := c.send(ctx, request{method: http.MethodGet, path: "/api/files/" + id(fileID)})
	if err != nil {
		return nil, err
	}
	defer closeBody(resp)
	if _, err := io.Copy(dst, resp.Body); err != nil {
		return resp.Header, fmt.Errorf("download file %d: %w", fileID, err)
	}
	return resp.Header, nil
}
