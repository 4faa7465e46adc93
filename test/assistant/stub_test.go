package assistant

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// stubModel is an OpenAI-compatible chat-completions server speaking the
// real protocol: SSE `data:` chunks for stream=true, a usage chunk with no
// choices, `data: [DONE]`, and OpenAI's error bodies for failures. It
// records every request body.
type stubModel struct {
	srv *httptest.Server

	mu       sync.Mutex
	requests []string
	// answer is the text streamed, split into chunks at spaces.
	answer string
	// status, when not 200, answers with an OpenAI error body instead.
	status int
	// hold, when set, is waited for after the first chunk (a model that
	// stalls mid-answer); started is closed once a held stream began.
	hold    chan struct{}
	started chan struct{}
	// embeds are the texts sent to /v1/embeddings; embedStatus, when not
	// 200, refuses them.
	embeds      []string
	embedStatus int
}

func newStubModel(t *testing.T, answer string) *stubModel {
	s := &stubModel{answer: answer, status: http.StatusOK, embedStatus: http.StatusOK}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// baseURL is what bot.base_url points at.
func (s *stubModel) baseURL() string { return s.srv.URL + "/v1" }

func (s *stubModel) set(f func(s *stubModel)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

// bodies returns the request bodies received so far.
func (s *stubModel) bodies() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

func (s *stubModel) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/v1/embeddings" {
		s.serveEmbeddings(w, r)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Model    string `json:"model"`
		Stream   bool   `json:"stream"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil || !req.Stream || req.Model == "" || len(req.Messages) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "bad request: "+string(body))
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, string(body))
	status, answer, hold, started := s.status, s.answer, s.hold, s.started
	s.mu.Unlock()
	if status != http.StatusOK {
		writeError(w, status, map[int]string{401: "invalid_api_key", 429: "rate_limit_exceeded"}[status], fmt.Sprintf("stub refuses with %d", status))
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	send := func(v string) {
		fmt.Fprintf(w, "data: %s\n\n", v)
		fl.Flush()
	}
	words := strings.SplitAfter(answer, " ")
	for i, word := range words {
		delta := map[string]any{"content": word}
		if i == 0 {
			delta["role"] = "assistant"
		}
		send(chunk(req.Model, []any{map[string]any{"index": 0, "delta": delta, "finish_reason": nil}}, nil))
		if i == 0 && hold != nil {
			close(started)
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
	}
	send(chunk(req.Model, []any{map[string]any{"index": 0, "delta": map[string]any{}, "finish_reason": "stop"}}, nil))
	send(chunk(req.Model, []any{}, map[string]any{"prompt_tokens": 42, "completion_tokens": len(words), "total_tokens": 42 + len(words)}))
	send("[DONE]")
}

func chunk(model string, choices []any, usage map[string]any) string {
	b, _ := json.Marshal(map[string]any{
		"id": "chatcmpl-stub", "object": "chat.completion.chunk", "created": 1, "model": model,
		"choices": choices, "usage": usage,
	})
	return string(b)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": "invalid_request_error", "param": nil, "code": code}})
	_, _ = w.Write(b)
}

// stubConcepts map words to a dimension of the stub's embeddings, so texts
// that share a concept but no word are similar: "zebra" and "animal".
var stubConcepts = map[string]int{"zebra": 0, "animal": 0, "ziggy": 0, "laptop": 1, "computer": 1}

// stubEmbedding is a text's vector: one dimension per concept it names,
// plus a constant one so no vector is zero.
func stubEmbedding(text string) []float64 {
	v := make([]float64, 8)
	v[7] = 1
	for w, dim := range stubConcepts {
		if strings.Contains(strings.ToLower(text), w) {
			v[dim] += 2
		}
	}
	return v
}

// serveEmbeddings answers the OpenAI embeddings API for an array input.
func (s *stubModel) serveEmbeddings(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Model string   `json:"model"`
		Input []string `json:"input"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Model == "" || len(req.Input) == 0 {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "bad request: "+string(body))
		return
	}
	s.mu.Lock()
	s.embeds = append(s.embeds, req.Input...)
	status := s.embedStatus
	s.mu.Unlock()
	if status != http.StatusOK {
		writeError(w, status, "server_error", fmt.Sprintf("stub refuses with %d", status))
		return
	}
	data := make([]any, len(req.Input))
	for i, text := range req.Input {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": stubEmbedding(text)}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"object": "list", "data": data, "model": req.Model,
		"usage": map[string]any{"prompt_tokens": len(req.Input), "total_tokens": len(req.Input)},
	})
}
