package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Event is one Server-Sent Event from GET /api/events.
type Event struct {
	// ID is the stream sequence; 0 for ephemeral events (typing, presence).
	ID uint64
	// Type is the event name (message.created, ready, resync, typing, ...).
	Type string
	// Data is the JSON data line.
	Data json.RawMessage
}

// Decode unmarshals the event's data into v.
func (e Event) Decode(v any) error { return json.Unmarshal(e.Data, v) }

// EventStream is an open SSE connection.
type EventStream struct {
	resp   *http.Response
	sc     *bufio.Scanner
	lastID uint64
	retry  time.Duration
}

// Events opens the event stream with the client's access token. lastEventID
// (0 for a fresh start) resumes after that sequence.
func (c *Client) Events(ctx context.Context, lastEventID uint64) (*EventStream, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.baseURL+"/api/events", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("User-Agent", c.userAgent)
	if tok := c.accessToken(); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if lastEventID > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatUint(lastEventID, 10))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("open event stream: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer closeBody(resp)
		return nil, decodeError(resp)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		resp.Body.Close()
		return nil, fmt.Errorf("event stream: content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	return &EventStream{resp: resp, sc: sc, lastID: lastEventID}, nil
}

// EventTicket asks for a single-use ticket for an EventSource URL.
func (c *Client) EventTicket(ctx context.Context) (string, error) {
	var out struct {
		Ticket string `json:"ticket"`
	}
	if err := c.Do(ctx, http.MethodPost, "/api/events/ticket", nil, &out); err != nil {
		return "", err
	}
	return out.Ticket, nil
}

// ErrStreamEnded is returned by Next when the server closed the stream.
var ErrStreamEnded = errors.New("event stream ended")

// Next blocks for the next event. Comments (heartbeats) are skipped.
func (s *EventStream) Next() (Event, error) {
	var ev Event
	var data strings.Builder
	seen := false
	for s.sc.Scan() {
		line := s.sc.Text()
		if line == "" {
			if !seen {
				continue
			}
			ev.Data = json.RawMessage(data.String())
			if ev.ID != 0 {
				s.lastID = ev.ID
			}
			return ev, nil
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			// a comment
		case "id":
			if id, err := strconv.ParseUint(value, 10, 64); err == nil {
				ev.ID = id
			}
		case "event":
			ev.Type, seen = value, true
		case "data":
			if data.Len() > 0 {
				data.WriteByte('\n')
			}
			data.WriteString(value)
			seen = true
		case "retry":
			if ms, err := strconv.Atoi(value); err == nil {
				s.retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
	if err := s.sc.Err(); err != nil {
		return Event{}, err
	}
	return Event{}, ErrStreamEnded
}

// LastEventID is the id of the last event with an id: where to resume.
func (s *EventStream) LastEventID() uint64 { return s.lastID }

// Retry is the reconnect delay the server asked for (0 if none).
func (s *EventStream) Retry() time.Duration { return s.retry }

// Close ends the stream.
func (s *EventStream) Close() error { return s.resp.Body.Close() }
