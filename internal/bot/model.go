package bot

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// modelClient streams chat completions from an OpenAI-compatible endpoint.
type modelClient struct {
	client openai.Client
	cfg    Config
}

func newModelClient(cfg Config) *modelClient {
	key := cfg.APIKey
	if key == "" {
		key = "none" // local servers (Ollama) want a key and ignore it
	}
	opts := []option.RequestOption{
		option.WithBaseURL(cfg.BaseURL),
		option.WithAPIKey(key),
		// A failure ends as a sentence in the reply at once; the SDK's
		// retries would only keep the asker waiting in silence.
		option.WithMaxRetries(0),
	}
	if cfg.HTTPClient != nil {
		opts = append(opts, option.WithHTTPClient(cfg.HTTPClient))
	}
	return &modelClient{client: openai.NewClient(opts...), cfg: cfg}
}

// turn is one message of a conversation for the model.
type turn struct {
	role    string // system, user or assistant
	content string
}

// usage is what the model reports it spent.
type usage struct {
	prompt, completion int64
}

// stream asks the model and calls onText with the whole text so far as it
// grows. It returns the text, the usage (zero when the server sent none)
// and the error that ended the stream.
func (m *modelClient) stream(ctx context.Context, turns []turn, onText func(string)) (string, usage, error) {
	params := openai.ChatCompletionNewParams{
		Model:         m.cfg.Model,
		Messages:      make([]openai.ChatCompletionMessageParamUnion, 0, len(turns)),
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	}
	if m.cfg.MaxOutputTokens > 0 {
		params.MaxTokens = openai.Int(m.cfg.MaxOutputTokens)
	}
	for _, t := range turns {
		switch t.role {
		case "system":
			params.Messages = append(params.Messages, openai.SystemMessage(t.content))
		case "assistant":
			params.Messages = append(params.Messages, openai.AssistantMessage(t.content))
		default:
			params.Messages = append(params.Messages, openai.UserMessage(t.content))
		}
	}
	st := m.client.Chat.Completions.NewStreaming(ctx, params)
	defer st.Close()
	var (
		text strings.Builder
		use  usage
	)
	for st.Next() {
		chunk := st.Current()
		if chunk.Usage.TotalTokens > 0 || chunk.Usage.PromptTokens > 0 {
			use = usage{prompt: chunk.Usage.PromptTokens, completion: chunk.Usage.CompletionTokens}
		}
		for _, c := range chunk.Choices {
			if c.Index == 0 && c.Delta.Content != "" {
				text.WriteString(c.Delta.Content)
				onText(text.String())
			}
		}
	}
	return text.String(), use, st.Err()
}

// Outcomes of a model request (the values of the outcome label of
// telemetry.AssistantRequests).
const (
	outcomeOK      = "ok"
	outcomeTimeout = "timeout"
	outcomeRefused = "refused"
	outcomeBudget  = "budget"
	outcomeError   = "error"
)

// explain turns a model failure into the outcome and the sentence the
// reply ends with.
func explain(err error, ctxErr error) (outcome, sentence string) {
	var apiErr *openai.Error
	switch {
	case errors.Is(ctxErr, context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return outcomeTimeout, "I could not answer: the model took too long to respond."
	case errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden):
		return outcomeRefused, "I could not answer: the model server refused the API key. An operator should check bot.api_key."
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusTooManyRequests:
		return outcomeError, "I could not answer: the model server is rate limiting requests. Please try again in a moment."
	case errors.As(err, &apiErr):
		return outcomeError, "I could not answer: the model server returned an error (HTTP " + itoa(int64(apiErr.StatusCode)) + ")."
	}
	return outcomeError, "I could not answer: the model server could not be reached or broke off the answer."
}
