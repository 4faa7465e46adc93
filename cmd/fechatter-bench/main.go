// Command fechatter-bench is Fechatter's load generator. It drives a running
// server (or one it spawns) over HTTP and SSE with the public Go client: N
// users each hold one event stream, spread over M chats of --recipients
// members; K senders post at a total rate; every message.created event is
// matched to its send. It reports send latency, send-to-deliver latency,
// throughput, lost and duplicated deliveries, and the server's memory.
//
// It only talks to loopback addresses, and every run is bounded in users and
// time.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Hard caps: a run never exceeds them, whatever the flags say.
const (
	maxDuration = 10 * time.Minute
	maxUsers    = 10000
	maxSenders  = 1000
	maxRate     = 50000
	maxGrace    = time.Minute
	maxMembers  = 1000 // chat.CreateChat takes at most 1000 member ids
)

// options are the command line.
type options struct {
	URL            string
	Mode           string
	Users          int
	Chats          int
	Senders        int
	Rate           float64
	Duration       time.Duration
	Recipients     int
	Grace          time.Duration
	SettleMax      time.Duration
	Setup          bool
	SetupToken     string
	AdminEmail     string
	AdminPassword  string
	WorkspaceID    int64
	Spawn          bool
	ServerBin      string
	SpawnDBURL     string
	KeepData       bool
	SpawnDataDir   string
	State          string
	JSON           bool
	SignupWorkers  int
	ConnectWorkers int
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(cli(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// cli parses args, runs the load and prints the report; it returns the exit
// code: 0 when nothing was lost or duplicated, 1 otherwise, 2 for bad flags.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "fechatter-bench:", err)
		return 2
	}
	rep, err := run(ctx, opts, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "fechatter-bench:", err)
		return 1
	}
	if opts.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		rep.writeTable(stdout)
	}
	if rep.Lost > 0 || rep.Duplicated > 0 {
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("fechatter-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "server base URL; must resolve to a loopback address (ignored with --spawn)")
	fs.StringVar(&o.Mode, "mode", modeRate, "rate: open loop at --rate msg/s; closed: each sender posts again as soon as its previous send returns (--rate unused); delivery: one send at a time in chat 0, waiting until every member's stream carried it (needs --senders 1)")
	fs.IntVar(&o.Users, "users", 20, fmt.Sprintf("users, each holding one SSE connection (at most %d)", maxUsers))
	fs.IntVar(&o.Chats, "chats", 5, "chats the users are spread over")
	fs.IntVar(&o.Senders, "senders", 2, "concurrent senders")
	fs.Float64Var(&o.Rate, "rate", 10, "messages per second, all senders together")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, fmt.Sprintf("how long to send (at most %v)", maxDuration))
	fs.IntVar(&o.Recipients, "recipients", 0, "members per chat (0: users/chats, rounded up)")
	fs.DurationVar(&o.Grace, "grace", 5*time.Second, "how long to wait after the last send for deliveries still due")
	fs.DurationVar(&o.SettleMax, "settle-max", 5*time.Minute, "after connecting, wait until no presence event arrived for 2s, at most this long")
	fs.BoolVar(&o.Setup, "setup", false, "run first-run setup when the server is fresh (else sign in); without it, sign in with --admin-email/--admin-password")
	fs.StringVar(&o.SetupToken, "setup-token", "", "with --setup on a fresh server: the token of the setup link it printed (also in <data_dir>/setup.token); --spawn makes its own")
	fs.StringVar(&o.AdminEmail, "admin-email", "bench-admin@example.test", "the workspace admin who invites the users")
	fs.StringVar(&o.AdminPassword, "admin-password", "bench-password-1", "the admin's password")
	fs.Int64Var(&o.WorkspaceID, "workspace", 0, "workspace to use (0: the admin's first workspace they administer)")
	fs.BoolVar(&o.Spawn, "spawn", false, "build and start `fechatter serve` on a random loopback port with a temp data dir (implies --setup), and stop it at the end")
	fs.StringVar(&o.ServerBin, "server-bin", "", "with --spawn: the fechatter binary to run (default: go build ./cmd/fechatter of the module in the working directory, kept in the user cache dir for the next run of the same sources)")
	fs.StringVar(&o.SpawnDBURL, "spawn-database-url", "", "with --spawn: a postgres:// URL for the server (default: SQLite in the temp data dir)")
	fs.BoolVar(&o.KeepData, "keep-data", false, "with --spawn: keep the temp data dir and the server log")
	fs.StringVar(&o.SpawnDataDir, "spawn-data-dir", "", "with --spawn: use (and keep) this data dir instead of a temp one, e.g. to reuse a --state population")
	fs.StringVar(&o.State, "state", "", "a file to save the users, chats and sessions to, and to load them from on later runs (skips the sign-ups)")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON instead of a table")
	fs.IntVar(&o.SignupWorkers, "signup-workers", 4, "concurrent sign-ups while populating (each costs an argon2id hash on the server)")
	fs.IntVar(&o.ConnectWorkers, "connect-workers", 64, "concurrent SSE connection attempts")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if o.Spawn {
		o.Setup = true
		if o.SetupToken == "" {
			o.SetupToken = newSetupToken()
		}
	}
	return o, o.validate()
}

// The send modes.
const (
	modeRate     = "rate"
	modeClosed   = "closed"
	modeDelivery = "delivery"
)

// validate checks the flags against each other and the hard caps.
func (o *options) validate() error {
	switch {
	case o.Mode != modeRate && o.Mode != modeClosed && o.Mode != modeDelivery:
		return fmt.Errorf("--mode %q: want %s, %s or %s", o.Mode, modeRate, modeClosed, modeDelivery)
	case o.Mode == modeDelivery && o.Senders != 1:
		return fmt.Errorf("--mode delivery sends one message at a time: want --senders 1, not %d", o.Senders)
	case o.Users < 1 || o.Users > maxUsers:
		return fmt.Errorf("--users %d: want 1..%d", o.Users, maxUsers)
	case o.Chats < 1 || o.Chats > o.Users:
		return fmt.Errorf("--chats %d: want 1..users (%d)", o.Chats, o.Users)
	case o.Senders < 1 || o.Senders > maxSenders || o.Senders > o.Chats*maxMembers:
		return fmt.Errorf("--senders %d: want 1..%d", o.Senders, maxSenders)
	case o.Rate <= 0 || o.Rate > maxRate:
		return fmt.Errorf("--rate %g: want a positive rate up to %d/s", o.Rate, maxRate)
	case o.Duration <= 0 || o.Duration > maxDuration:
		return fmt.Errorf("--duration %v: want more than 0 and at most %v", o.Duration, maxDuration)
	case o.SettleMax < 0 || o.SettleMax > maxDuration:
		return fmt.Errorf("--settle-max %v: want 0..%v", o.SettleMax, maxDuration)
	case o.Grace < 0 || o.Grace > maxGrace:
		return fmt.Errorf("--grace %v: want 0..%v", o.Grace, maxGrace)
	case o.SignupWorkers < 1 || o.SignupWorkers > 64:
		return fmt.Errorf("--signup-workers %d: want 1..64", o.SignupWorkers)
	case o.ConnectWorkers < 1 || o.ConnectWorkers > 1024:
		return fmt.Errorf("--connect-workers %d: want 1..1024", o.ConnectWorkers)
	}
	if o.Recipients == 0 {
		o.Recipients = (o.Users + o.Chats - 1) / o.Chats
	}
	if o.Recipients < 1 || o.Recipients > o.Users || o.Recipients > maxMembers {
		return fmt.Errorf("--recipients %d: want 1..min(users, %d)", o.Recipients, maxMembers)
	}
	if o.Mode == modeClosed && o.Senders > o.Chats*o.Recipients {
		return fmt.Errorf("--mode closed: %d senders need as many seats, and %d chats x %d members have %d", o.Senders, o.Chats, o.Recipients, o.Chats*o.Recipients)
	}
	if !o.Spawn && (o.ServerBin != "" || o.SpawnDBURL != "" || o.KeepData || o.SpawnDataDir != "") {
		return errors.New("--server-bin, --spawn-database-url, --spawn-data-dir and --keep-data need --spawn")
	}
	return nil
}
