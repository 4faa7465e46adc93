package realtime

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/events"
)

// TestEveryStreamGetsEveryEventUnderHeartbeats: 17 streams of one chat
// take a burst of events while a 1 ms heartbeat wakes their pumps between
// frames (wake-ups with nothing queued); every stream must carry every
// event. A pump that reused a batch's array as the queue lost a few in
// 20,000 here.
func TestEveryStreamGetsEveryEventUnderHeartbeats(t *testing.T) {
	const listeners = 17
	const n = 5000
	_, js, addr := newBenchHub(t, benchRoster{chatSize: listeners}, Options{Heartbeat: time.Millisecond})
	tr := &http.Transport{MaxIdleConnsPerHost: listeners, DisableCompression: true}
	client := &http.Client{Transport: tr}
	var counts [listeners + 1]atomic.Int64
	for u := int64(1); u <= listeners; u++ {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr, nil)
		req.Header.Set("X-User", strconv.FormatInt(u, 10))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		go func() {
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if bytes.HasPrefix(sc.Bytes(), msgCreated) {
					counts[u].Add(1)
				}
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	for i := range n {
		body, _ := json.Marshal(map[string]any{"type": "message.created", "workspace_id": 1, "chat_id": 1,
			"message": map[string]any{"id": i + 1, "content": strings.Repeat("x", 80)}})
		m, _ := events.Message(events.Envelope{ID: fmt.Sprintf("b%d", i), Type: "message.created", WorkspaceID: 1, ChatID: 1, Payload: body})
		if i%3 == 0 {
			time.Sleep(time.Duration(i%7) * 50 * time.Microsecond)
		}
		if _, err := js.PublishMsgAsync(m); err != nil {
			t.Fatal(err)
		}
	}
	<-js.PublishAsyncComplete()
	// Generous: a hang turns into a failure that names who missed what.
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		all := true
		for u := 1; u <= listeners; u++ {
			if counts[u].Load() < n {
				all = false
			}
		}
		if all {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	for u := 1; u <= listeners; u++ {
		if got := counts[u].Load(); got != n {
			t.Errorf("user %d's stream carried %d of %d events", u, got, n)
		}
	}
}
