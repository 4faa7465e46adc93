package realtime

import (
	"bufio"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/client"
)

// rawGet sends GET /api/events with exactly the given query and headers
// (no client logic: no token unless hdr has one, no refresh). The caller
// closes the body; the request ends with the test.
func rawGet(t *testing.T, n *node, query url.Values, hdr http.Header) *http.Response {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	u := n.url() + "/api/events"
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	must(t, err)
	req.Header.Set("Accept", "text/event-stream")
	for k, vs := range hdr {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := httpClient.Do(req)
	must(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// rawEvents reads SSE events from a response body.
type rawEvents struct{ sc *bufio.Scanner }

func newRawEvents(t *testing.T, resp *http.Response) *rawEvents {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/events: %s, want 200", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("GET /api/events: content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	return &rawEvents{sc: sc}
}

// next returns the next stored or ready/resync event (typing and presence
// are skipped), failing the test when the stream ends first. Read it only
// when an event is sure to come.
func (r *rawEvents) next(t *testing.T) client.Event {
	t.Helper()
	var ev client.Event
	var data strings.Builder
	for r.sc.Scan() {
		line := r.sc.Text()
		if line == "" {
			if ev.Type == "" || ephemeral(ev.Type) {
				ev, data = client.Event{}, strings.Builder{}
				continue
			}
			ev.Data = []byte(data.String())
			return ev
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			ev.ID, _ = strconv.ParseUint(value, 10, 64)
		case "event":
			ev.Type = value
		case "data":
			data.WriteString(value)
		}
	}
	t.Fatalf("event stream ended (%v)", r.sc.Err())
	return ev
}

// readyOf reads the first event, which must be ready for user.
func (r *rawEvents) readyOf(t *testing.T, user int64) client.Event {
	t.Helper()
	ev := r.next(t)
	if ev.Type != "ready" || decode(t, ev).UserID != user {
		t.Fatalf("first event = %s %s, want ready of user %d", ev.Type, ev.Data, user)
	}
	return ev
}

// bearer is an Authorization header with c's access token.
func bearer(c *client.Client) http.Header {
	access, _ := c.Tokens()
	return http.Header{"Authorization": {"Bearer " + access}}
}
