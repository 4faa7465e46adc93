package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// report is the outcome of a run.
type report struct {
	Server  string    `json:"server"`
	Options options   `json:"-"`
	Config  runConfig `json:"config"`

	SetupSeconds    float64 `json:"setup_seconds"`
	SettleSeconds   float64 `json:"settle_seconds"`
	SendSeconds     float64 `json:"send_seconds"`
	DrainSeconds    float64 `json:"drain_seconds"`
	Sent            int64   `json:"sent"`
	SendErrors      int64   `json:"send_errors"`
	NotCreated      int64   `json:"send_not_created"`
	SentPerSec      float64 `json:"sent_per_sec"`
	Expected        int64   `json:"expected_deliveries"`
	Delivered       int64   `json:"delivered"`
	DeliveredPerSec float64 `json:"delivered_per_sec"`
	Send            summary `json:"send_latency"`
	Deliver         summary `json:"deliver_latency"`
	DeliverLast     summary `json:"deliver_last_of_chat_latency"`
	MaxLagMs        float64 `json:"max_schedule_lag_ms"`

	ConnectionsOpen int64 `json:"connections_open"`
	ConnectionsPeak int64 `json:"connections_peak"`
	Reconnects      int64 `json:"reconnects"`
	StreamsFailed   int64 `json:"streams_failed"`
	Resyncs         int64 `json:"resyncs"`

	PresenceAtConnect int64 `json:"presence_events_at_connect"`
	PresenceTotal     int64 `json:"presence_events_total"`
	OtherEvents       int64 `json:"other_events"`

	Lost             int64 `json:"lost"`
	Duplicated       int64 `json:"duplicated"`
	Foreign          int64 `json:"foreign_events"`
	UnackedDelivered int64 `json:"unacked_delivered"`

	ServerRSSPeakMiB    float64 `json:"server_rss_peak_mib,omitempty"`
	ServerRSSHWMMiB     float64 `json:"server_rss_hwm_mib,omitempty"`
	ServerCPUPercent    float64 `json:"server_cpu_percent,omitempty"`
	GeneratorCPUPercent float64 `json:"generator_cpu_percent"`
	LoadAvgStart        string  `json:"loadavg_start"`
	LoadAvgEnd          string  `json:"loadavg_end"`
}

// runConfig is the part of the options a report repeats (no password).
type runConfig struct {
	Mode       string  `json:"mode"`
	Users      int     `json:"users"`
	Chats      int     `json:"chats"`
	Recipients int     `json:"recipients"`
	Senders    int     `json:"senders"`
	Rate       float64 `json:"rate"`
	Duration   string  `json:"duration"`
	Spawned    bool    `json:"spawned"`
	Engine     string  `json:"engine,omitempty"`
}

// fill takes the counters of the run.
func (r *report) fill(t *tracker, ls *listeners, s *senders, sendTime, drain time.Duration) {
	o := r.Options
	r.Config = runConfig{Mode: o.Mode, Users: o.Users, Chats: o.Chats, Recipients: o.Recipients, Senders: o.Senders,
		Rate: o.Rate, Duration: o.Duration.String(), Spawned: o.Spawn}
	if o.Spawn {
		r.Config.Engine = "sqlite"
		if o.SpawnDBURL != "" {
			r.Config.Engine = "postgres"
		}
	}
	r.SendSeconds, r.DrainSeconds = sendTime.Seconds(), drain.Seconds()
	r.Sent, r.SendErrors, r.NotCreated = t.sent.Load(), t.sendErrors.Load(), t.notCreated.Load()
	r.Expected, r.Delivered = t.expected.Load(), t.delivered.Load()
	if sendTime > 0 {
		r.SentPerSec = float64(r.Sent) / sendTime.Seconds()
		// Deliveries span the send phase plus the tail that drained after it.
		r.DeliveredPerSec = float64(r.Delivered) / (sendTime + drain).Seconds()
	}
	r.Send, r.Deliver, r.DeliverLast = t.send.summarize(), t.deliver.summarize(), t.last.summarize()
	r.MaxLagMs = ms(time.Duration(s.maxLag.Load()))
	r.ConnectionsPeak = ls.peak.Load()
	r.Reconnects, r.StreamsFailed, r.Resyncs = ls.reconnects.Load(), ls.failed.Load(), ls.resyncs.Load()
	r.PresenceTotal, r.OtherEvents = ls.presence.Load(), ls.otherEvents.Load()
	r.Lost, r.UnackedDelivered = t.lost()
	r.Duplicated, r.Foreign = t.duplicated.Load(), t.foreign.Load()
}

// writeTable prints the report for people.
func (r *report) writeTable(w io.Writer) {
	c := r.Config
	fmt.Fprintf(w, "fechatter-bench against %s", r.Server)
	if c.Engine != "" {
		fmt.Fprintf(w, " (spawned, %s)", c.Engine)
	}
	rate := fmt.Sprintf("at %g msg/s", c.Rate)
	switch c.Mode {
	case modeClosed:
		rate = "in a closed loop"
	case modeDelivery:
		rate = "one message at a time"
	}
	fmt.Fprintf(w, "\n%d users/streams, %d chats x %d members, %d senders %s for %s\n\n",
		c.Users, c.Chats, c.Recipients, c.Senders, rate, c.Duration)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "latency (ms)\tcount\tp50\tp90\tp99\tp99.9\tmax\t")
	for _, row := range []struct {
		name string
		s    summary
	}{{"send (HTTP)", r.Send}, {"send-to-deliver", r.Deliver}, {"last member of chat", r.DeliverLast}} {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", row.name, row.s.Count, row.s.P50, row.s.P90, row.s.P99, row.s.P999, row.s.Max)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rows := [][2]string{
		{"messages sent", fmt.Sprintf("%d in %.1fs = %.1f/s (send errors %d, of which %d not created; max lag behind schedule %.1f ms)", r.Sent, r.SendSeconds, r.SentPerSec, r.SendErrors, r.NotCreated, r.MaxLagMs)},
		{"deliveries", fmt.Sprintf("%d of %d expected = %.1f/s (drained %.2fs after the last send)", r.Delivered, r.Expected, r.DeliveredPerSec, r.DrainSeconds)},
		{"connections", fmt.Sprintf("%d open at the end, peak %d, reconnects %d, gave up %d, resyncs %d", r.ConnectionsOpen, r.ConnectionsPeak, r.Reconnects, r.StreamsFailed, r.Resyncs)},
		{"lost", fmt.Sprint(r.Lost)},
		{"duplicated", fmt.Sprint(r.Duplicated)},
		{"other events", fmt.Sprintf("%d foreign, %d deliveries of failed sends, %d presence (%d while connecting), %d of other types", r.Foreign, r.UnackedDelivered, r.PresenceTotal, r.PresenceAtConnect, r.OtherEvents)},
		{"generator CPU", fmt.Sprintf("%.0f%% of one core", r.GeneratorCPUPercent)},
		{"load average", fmt.Sprintf("%s at start, %s at end", r.LoadAvgStart, r.LoadAvgEnd)},
		{"setup", fmt.Sprintf("%.1fs, then %.1fs for presence events to drain", r.SetupSeconds, r.SettleSeconds)},
	}
	if c.Spawned {
		rows = append(rows,
			[2]string{"server CPU", fmt.Sprintf("%.0f%% of one core", r.ServerCPUPercent)},
			[2]string{"server RSS", fmt.Sprintf("peak %.1f MiB (sampled), VmHWM %.1f MiB", r.ServerRSSPeakMiB, r.ServerRSSHWMMiB)})
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	tw.Flush()
}
