package client

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUploadFile checks the multipart shape of an upload.
func TestUploadFile(t *testing.T) {
	payload := []byte("hello\x00bytes")
	var gotName string
	var gotData []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/api/workspaces/3/files" || r.Header.Get("Authorization") != "Bearer acc" {
			http.Error(w, "wrong request "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
			return
		}
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/form-data" {
			http.Error(w, "not multipart", http.StatusBadRequest)
			return
		}
		part, err := multipart.NewReader(r.Body, params["boundary"]).NextPart()
		if err != nil || part.FormName() != "file" {
			http.Error(w, "no file part", http.StatusBadRequest)
			return
		}
		gotName = part.FileName()
		gotData, _ = io.ReadAll(part)
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":8,"name":"notes.txt","size":11}`))
	}))
	defer srv.Close()
	f, err := New(srv.URL, WithTokens("acc", "")).UploadFile(context.Background(), 3, "notes.txt", bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	if f.ID != 8 || gotName != "notes.txt" || !bytes.Equal(gotData, payload) {
		t.Fatalf("file %+v, server saw name %q data %q", f, gotName, gotData)
	}
}

// TestDownloadFile checks that bytes reach dst only on success.
func TestDownloadFile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/files/8" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"code":"not_found","message":"file not found"}}`))
			return
		}
		w.Header().Set("Content-Disposition", `attachment; filename="notes.txt"`)
		_, _ = w.Write([]byte("the bytes"))
	}))
	defer srv.Close()
	c := New(srv.URL, WithTokens("acc", ""))
	for _, tc := range []struct {
		id       int64
		wantBody string
		wantErr  bool
	}{
		{id: 8, wantBody: "the bytes"},
		{id: 9, wantErr: true},
	} {
		var buf bytes.Buffer
		h, err := c.DownloadFile(context.Background(), tc.id, &buf)
		if tc.wantErr != IsNotFound(err) || (err != nil && !tc.wantErr) {
			t.Fatalf("file %d: err %v", tc.id, err)
		}
		if buf.String() != tc.wantBody {
			t.Errorf("file %d: body %q, want %q", tc.id, buf.String(), tc.wantBody)
		}
		if err == nil && !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
			t.Errorf("file %d: headers %v", tc.id, h)
		}
	}
}
