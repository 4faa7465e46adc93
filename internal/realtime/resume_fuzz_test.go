package realtime

import (
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
)

// resumeEvents is how many events the fuzzed stream holds (all user 1's).
const resumeEvents = 3

// FuzzResumeLastEventID sends junk, huge, negative and padded resume
// points, as a Last-Event-ID header and as the last_event_id query
// parameter (read the way the API reads them: the header first). Every
// answer is a 200 event stream that starts with ready; a resume point that
// is decimal digits (white space around allowed) within the stream
// replays from the next event, anything else gets resync. The seed corpus
// runs with go test; go test -fuzz=FuzzResume explores further.
func FuzzResumeLastEventID(f *testing.F) {
	for _, seed := range []string{
		"", "0", "1", "3", " 2 ", "\t1\t", "002", "4", "-1", "+1", "1e3", "0x2", "abc", "1 2", "٣",
		"18446744073709551615", "18446744073709551616", "99999999999999999999999999", " ", "\x00", "1\n",
	} {
		f.Add(seed)
	}
	e := newEnv(f, Options{})
	for range resumeEvents {
		e.publish(f, 1, 10, model.EventMessageCreated, nil)
	}
	waitSeq(f, e.hub, resumeEvents)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		last := req.Header.Get("Last-Event-ID")
		if last == "" {
			last = req.URL.Query().Get("last_event_id")
		}
		w.Header().Set("X-Seen", strconv.Quote(last))
		_ = e.hub.Serve(w, req, Credential{UserID: 1}, last)
	}))
	f.Cleanup(srv.Close)
	f.Fuzz(func(t *testing.T, last string) {
		checkResume(t, srv.URL+"?last_event_id="+url.QueryEscape(last), nil)
		if headerSafe(last) {
			checkResume(t, srv.URL, http.Header{"Last-Event-ID": {last}})
		}
	})
}

// checkResume opens one stream and checks how it starts.
func checkResume(t *testing.T, target string, hdr http.Header) {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	s := &stream{resp: resp, events: make(chan sseEvent, 64)}
	go s.read()
	defer s.close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
	}
	seen, err := strconv.Unquote(resp.Header.Get("X-Seen"))
	if err != nil {
		t.Fatalf("the server saw %q", resp.Header.Get("X-Seen"))
	}
	ready := s.next(t)
	if ready.Event != "ready" || ready.Data["last_event_id"] != float64(resumeEvents) {
		t.Fatalf("resume from %q: first event %+v, want ready with last_event_id %d", seen, ready, resumeEvents)
	}
	n, ok := resumePoint(seen)
	switch {
	case seen == "":
		if ready.ID != strconv.Itoa(resumeEvents) {
			t.Fatalf("fresh start: ready id %q", ready.ID)
		}
	case !ok:
		if ev := s.nextOf(t, "resync", model.EventMessageCreated); ev.Event != "resync" || ev.ID != strconv.Itoa(resumeEvents) {
			t.Fatalf("resume from %q: got %+v, want resync", seen, ev)
		}
	default:
		if want := strconv.FormatUint(n, 10); (n == 0 && ready.ID != "") || (n > 0 && ready.ID != want) {
			t.Fatalf("resume from %q: ready id %q, want %q", seen, ready.ID, want)
		}
		if n < resumeEvents {
			if ev := s.nextOf(t, "resync", model.EventMessageCreated); ev.ID != strconv.FormatUint(n+1, 10) {
				t.Fatalf("resume from %q: got %+v, want event %d", seen, ev, n+1)
			}
		}
	}
}

// resumePoint is the rule a resume point follows, written apart from the
// hub's parser: ASCII digits with white space around, a value that fits a
// uint64, within the stream (which holds 1..resumeEvents).
func resumePoint(s string) (uint64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	v, _ := new(big.Int).SetString(s, 10)
	if v.Cmp(new(big.Int).SetUint64(math.MaxUint64)) > 0 || v.Uint64() > resumeEvents {
		return 0, false
	}
	return v.Uint64(), true
}

// headerSafe reports whether an HTTP client can send s as a header value:
// no control characters but tab (RFC 9110, section 5.5).
func headerSafe(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
