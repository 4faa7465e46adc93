package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Millisecond)
	}
	s := h.summarize()
	for _, tc := range []struct {
		name      string
		got, want float64
	}{
		{"p50", s.P50, 500}, {"p99", s.P99, 990}, {"max", s.Max, 1000},
	} {
		if d := (tc.got - tc.want) / tc.want; d < -0.02 || d > 0.02 {
			t.Errorf("%s = %.2f ms, want %.0f within 2%%", tc.name, tc.got, tc.want)
		}
	}
	if s.Count != 1000 {
		t.Errorf("count = %d, want 1000", s.Count)
	}
}

func TestBucketRoundTrip(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 129, 1000, 1 << 20, 123456789, 1<<63 - 1} {
		got := bucketValue(bucketOf(v))
		lo, hi := float64(v)*0.98, float64(v)*1.02+1
		if float64(got) < lo || float64(got) > hi {
			t.Errorf("bucketValue(bucketOf(%d)) = %d, off by more than 2%%", v, got)
		}
	}
}

func TestLayout(t *testing.T) {
	for _, tc := range []struct{ n, chats, r int }{{20, 5, 4}, {5000, 250, 20}, {10, 4, 5}, {7, 3, 7}} {
		seen := map[int]int{}
		for c, members := range layout(tc.n, tc.chats, tc.r) {
			if len(members) != tc.r {
				t.Fatalf("%+v: chat %d has %d members", tc, c, len(members))
			}
			distinct := map[int]bool{}
			for _, u := range members {
				if distinct[u] {
					t.Fatalf("%+v: chat %d lists user %d twice", tc, c, u)
				}
				distinct[u] = true
				seen[u]++
			}
		}
		if tc.chats*tc.r >= tc.n && len(seen) != tc.n {
			t.Errorf("%+v: %d of %d users are in a chat", tc, len(seen), tc.n)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	ctx := context.Background()
	for _, ok := range []string{"http://127.0.0.1:8080", "http://[::1]:9000/", "http://127.3.2.1", "http://localhost:1"} {
		if err := checkLoopback(ctx, ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8080", "http://8.8.8.8", "ftp://127.0.0.1", "http://[2001:db8::1]:80", "127.0.0.1:8080", "http://0.0.0.0:8080"} {
		if err := checkLoopback(ctx, bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if err := loopbackOnlyDial("tcp", "192.0.2.1:80", nil); err == nil {
		t.Error("dial guard let 192.0.2.1 through")
	}
	if err := loopbackOnlyDial("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("dial guard refused loopback: %v", err)
	}
}

func TestMessageNumber(t *testing.T) {
	tr := &tracker{prefix: "fb-abc123-"}
	for _, tc := range []struct {
		data string
		n    uint64
		ok   bool
	}{
		{`{"type":"message.created","message":{"id":9,"client_id":"fb-abc123-42","content":"x"}}`, 42, true},
		{`{"message":{"client_id" : "fb-abc123-7"}}`, 7, true}, // spaced: the JSON fallback
		{`{"message":{"client_id":"fb-other-42"}}`, 0, false},
		{`{"message":{"client_id":""}}`, 0, false},
		{`not json`, 0, false},
	} {
		n, ok := tr.messageNumber([]byte(tc.data))
		if n != tc.n || ok != tc.ok {
			t.Errorf("messageNumber(%s) = %d, %v; want %d, %v", tc.data, n, ok, tc.n, tc.ok)
		}
	}
}

func TestFlagsEnforceCaps(t *testing.T) {
	for _, args := range [][]string{
		{"--users", "10001"}, {"--duration", "11m"}, {"--users", "10", "--chats", "11"},
		{"--rate", "0"}, {"--recipients", "30", "--users", "20"}, {"--server-bin", "x"},
	} {
		var sb strings.Builder
		if _, err := parseFlags(args, &sb); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
	o, err := parseFlags([]string{"--users", "20", "--chats", "5"}, &strings.Builder{})
	if err != nil || o.Recipients != 4 {
		t.Errorf("default recipients = %d (%v), want 4", o.Recipients, err)
	}
}

func TestFlagsModes(t *testing.T) {
	for _, args := range [][]string{
		{"--mode", "burst"},
		{"--mode", "delivery", "--senders", "2"},
		{"--mode", "closed", "--users", "4", "--chats", "1", "--senders", "5"},
	} {
		if _, err := parseFlags(args, &strings.Builder{}); err == nil {
			t.Errorf("parseFlags(%q) accepted", args)
		}
	}
	for _, tc := range []struct {
		args []string
		mode string
	}{
		{nil, modeRate},
		{[]string{"--mode", "closed", "--users", "17", "--chats", "1", "--senders", "16"}, modeClosed},
		{[]string{"--mode", "delivery", "--users", "200", "--chats", "1", "--senders", "1"}, modeDelivery},
	} {
		o, err := parseFlags(tc.args, &strings.Builder{})
		if err != nil || o.Mode != tc.mode {
			t.Errorf("parseFlags(%q) = mode %q, %v; want %q", tc.args, o.Mode, err, tc.mode)
		}
	}
}

func TestSeatOfClosedSenders(t *testing.T) {
	p := &population{chats: []benchChat{{members: make([]int, 17)}}}
	s := &senders{t: &tracker{pop: p}, k: 16, mode: modeClosed}
	seen := map[int]bool{}
	for id := range s.k {
		c, pos := s.seatOf(id)
		if c != 0 || seen[pos] {
			t.Fatalf("sender %d: chat %d position %d (taken: %v)", id, c, pos, seen[pos])
		}
		seen[pos] = true
	}
}

func TestPadContent(t *testing.T) {
	for _, in := range []string{"", "bench abc #1", strings.Repeat("x", 100)} {
		if got := padContent(in, contentLen); len(got) != contentLen || !strings.HasPrefix(got, in[:min(len(in), contentLen)]) {
			t.Errorf("padContent(%q) = %q (%d bytes)", in, got, len(got))
		}
	}
}

func TestReportNamesModeAndLastMember(t *testing.T) {
	var h histogram
	h.record(3 * time.Millisecond)
	for _, tc := range []struct{ mode, want string }{
		{modeClosed, "in a closed loop"}, {modeDelivery, "one message at a time"}, {modeRate, "at 10 msg/s"},
	} {
		r := &report{Config: runConfig{Mode: tc.mode, Rate: 10}, DeliverLast: h.summarize()}
		var sb strings.Builder
		r.writeTable(&sb)
		if !strings.Contains(sb.String(), tc.want) || !strings.Contains(sb.String(), "last member of chat") {
			t.Errorf("%s report lacks %q or the last-member row:\n%s", tc.mode, tc.want, sb.String())
		}
	}
}

func TestLastOfChatRecordedOnce(t *testing.T) {
	p := &population{run: "r", chats: []benchChat{{members: []int{0, 1}}}, memberPos: []map[int]int{{0: 0}, {0: 1}}}
	tr := newTracker(p, io.Discard)
	cid, m := tr.begin(1, 0)
	tr.finish(m, true, nil)
	ev := []byte(`{"message":{"client_id":"` + cid + `"}}`)
	tr.observe(0, ev, m.start.Add(time.Millisecond))
	select {
	case <-m.all:
		t.Fatal("complete after one of two members")
	default:
	}
	tr.observe(1, ev, m.start.Add(5*time.Millisecond))
	tr.observe(1, ev, m.start.Add(9*time.Millisecond)) // a duplicate must not complete it twice
	<-m.all
	if s := tr.last.summarize(); s.Count != 1 || s.Max < 4.9 || s.Max > 5.1 {
		t.Errorf("last-of-chat = %+v, want one sample of 5 ms", s)
	}
}
