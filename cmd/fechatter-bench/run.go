package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// run performs one load run and returns its report.
func run(ctx context.Context, o options, log io.Writer) (*report, error) {
	limit, err := raiseFileLimit()
	if err != nil {
		return nil, err
	}
	if need := uint64(o.Users + o.Senders + 256); need > limit {
		return nil, fmt.Errorf("%d users need about %d open files; the limit is %d", o.Users, need, limit)
	}
	base := strings.TrimRight(o.URL, "/")
	var srv *server
	if o.Spawn {
		if srv, err = spawnServer(ctx, o, log); err != nil {
			return nil, err
		}
		defer srv.stop()
		base = srv.url
	} else if err := checkLoopback(ctx, base); err != nil {
		return nil, err
	}
	hc := newHTTPClient(o)
	setupStart := time.Now()
	pop, err := loadOrPopulate(ctx, o, base, hc, log)
	if err != nil {
		return nil, err
	}
	if o.State != "" {
		defer func() {
			if err := saveState(o.State, pop); err != nil {
				fmt.Fprintf(log, "save state: %v\n", err)
			}
		}()
	}
	t := newTracker(pop, log)
	ls := &listeners{t: t}
	runCtx, cancelRun := context.WithCancel(ctx)
	defer func() { cancelRun(); ls.wait() }()
	if err := ls.connect(ctx, runCtx, o.ConnectWorkers, progress(log, "streams open", o.Users)); err != nil {
		return nil, err
	}
	rep := &report{Server: base, Options: o, SetupSeconds: time.Since(setupStart).Seconds()}
	fmt.Fprintf(log, "%d streams ready after %.1fs\n", ls.open.Load(), rep.SetupSeconds)
	rep.SettleSeconds = ls.settle(ctx, 2*time.Second, o.SettleMax, log).Seconds()
	rep.PresenceAtConnect = ls.presence.Load()
	fmt.Fprintf(log, "settled after %.1fs (%d presence events); sending for %v\n", rep.SettleSeconds, rep.PresenceAtConnect, o.Duration)
	m := startMeasure(srv)
	stopProgress := reportProgress(runCtx, log, t, ls)
	snd := &senders{t: t, k: o.Senders, rate: o.Rate, mode: o.Mode}
	sendTime := snd.run(ctx, o.Duration)
	drained := waitDrained(ctx, t, o.Grace)
	stopProgress()
	m.finish(rep, srv)
	rep.ConnectionsOpen = ls.open.Load()
	rep.fill(t, ls, snd, sendTime, drained)
	return rep, nil
}

// loadOrPopulate loads the users and chats from --state, or creates them
// (and saves them there when --state is given).
func loadOrPopulate(ctx context.Context, o options, base string, hc *http.Client, log io.Writer) (*population, error) {
	if o.State != "" {
		p, err := loadState(o.State, o, base, hc)
		switch {
		case err == nil:
			if err := checkState(ctx, p); err != nil {
				return nil, err
			}
			fmt.Fprintf(log, "loaded %d users and %d chats from %s\n", len(p.users), len(p.chats), o.State)
			return p, nil
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
	}
	p, err := populate(ctx, o, base, hc, log)
	if err == nil && o.State != "" {
		err = saveState(o.State, p)
	}
	return p, err
}

// newHTTPClient shares one transport between all users: enough idle
// connections for the senders, and a dialer that only reaches loopback.
func newHTTPClient(o options) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnlyDial}
	tr := &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConns:        2*o.Senders + 64,
		MaxIdleConnsPerHost: 2*o.Senders + 64,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	return &http.Client{Transport: tr}
}

// waitDrained waits up to grace for every expected delivery; it returns
// how long after the last send that took (or the grace when it did not).
func waitDrained(ctx context.Context, t *tracker, grace time.Duration) time.Duration {
	start := time.Now()
	deadline := start.Add(grace)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		// The cheap counters first; the exact walk only to confirm.
		if t.delivered.Load() >= t.expected.Load() && t.outstanding() <= 0 {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// reportProgress prints a line every 5 s until the returned stop is called.
func reportProgress(ctx context.Context, log io.Writer, t *tracker, ls *listeners) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { // owned by the returned stop
		defer close(done)
		tick := time.NewTicker(5 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				fmt.Fprintf(log, "sent %d (errors %d), delivered %d/%d, streams open %d, reconnects %d, load %s\n",
					t.sent.Load(), t.sendErrors.Load(), t.delivered.Load(), t.expected.Load(),
					ls.open.Load(), ls.reconnects.Load(), loadAverage())
			}
		}
	}()
	return func() { cancel(); <-done }
}

// measure holds the CPU counters at the start of the send phase.
type measure struct {
	start           time.Time
	load            string
	selfCPU, srvCPU time.Duration
}

func startMeasure(srv *server) *measure {
	m := &measure{start: time.Now(), load: loadAverage()}
	m.selfCPU, _ = processCPU(os.Getpid())
	if srv != nil {
		m.srvCPU, _ = processCPU(srv.pid())
	}
	return m
}

// finish writes the CPU shares, memory and load of the send phase into rep.
func (m *measure) finish(rep *report, srv *server) {
	wall := time.Since(m.start)
	rep.LoadAvgStart, rep.LoadAvgEnd = m.load, loadAverage()
	if self, err := processCPU(os.Getpid()); err == nil {
		rep.GeneratorCPUPercent = 100 * (self - m.selfCPU).Seconds() / wall.Seconds()
	}
	if srv == nil {
		return
	}
	if cpu, err := processCPU(srv.pid()); err == nil {
		rep.ServerCPUPercent = 100 * (cpu - m.srvCPU).Seconds() / wall.Seconds()
	}
	sampled, hwm := srv.peak()
	rep.ServerRSSPeakMiB, rep.ServerRSSHWMMiB = float64(sampled)/1024, float64(hwm)/1024
}
