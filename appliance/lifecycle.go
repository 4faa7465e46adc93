package appliance

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// readyTimeout bounds one component's readiness check.
const readyTimeout = 2 * time.Second

// Component is one long-lived part of the appliance. Start returns once
// the component works (or has failed); Stop releases what Start took.
// Stop and Ready may be nil.
type Component struct {
	// Name identifies the component in errors and readiness reports.
	Name string
	// Start brings the component up.
	Start func(ctx context.Context) error
	// Stop brings it down; it is called at most once, and only after Start
	// succeeded.
	Stop func(ctx context.Context) error
	// Ready reports why the component cannot serve right now (nil: ready).
	Ready func(ctx context.Context) error
	// WithPrevious starts the component concurrently with the one before
	// it (and that one's WithPrevious predecessors): neither may use what
	// the other starts. The next component without it waits for all of them.
	WithPrevious bool
}

// lifecycle starts components in order, those marked WithPrevious
// together with the ones before them, and stops them in reverse.
type lifecycle struct {
	components []Component
	// log, when set, gets a debug line per component with its start time.
	log *slog.Logger

	// op serialises start and stop; mu guards started and stopped, so that
	// readiness can be read while a start or stop is under way.
	op      sync.Mutex
	mu      sync.Mutex
	started []Component
	stopped bool
}

// start starts every component in order, each group of WithPrevious
// components at once. When one fails, those already started (including
// the rest of its group) are stopped in reverse, and the error names the
// failed component joined with any errors from stopping the others.
func (l *lifecycle) start(ctx context.Context) error {
	l.op.Lock()
	defer l.op.Unlock()
	l.mu.Lock()
	stopped, running := l.stopped, len(l.started) > 0
	l.mu.Unlock()
	if stopped {
		return errors.New("appliance was stopped; build a new one to start again")
	}
	if running {
		return errors.New("appliance is already started")
	}
	for i := 0; i < len(l.components); {
		j := i + 1
		for j < len(l.components) && l.components[j].WithPrevious {
			j++
		}
		group := l.components[i:j]
		errs := make([]error, len(group))
		if len(group) == 1 {
			errs[0] = l.startOne(ctx, group[0])
		} else {
			var wg sync.WaitGroup
			for k, c := range group {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[k] = l.startOne(ctx, c)
				}()
			}
			wg.Wait()
		}
		l.mu.Lock()
		for k, c := range group {
			if errs[k] == nil {
				l.started = append(l.started, c)
			}
		}
		l.mu.Unlock()
		if err := errors.Join(errs...); err != nil {
			return errors.Join(err, l.stopStarted(context.WithoutCancel(ctx)))
		}
		i = j
	}
	return nil
}

// startOne starts c (unless ctx has ended); the error names c.
func (l *lifecycle) startOne(ctx context.Context, c Component) error {
	err := ctx.Err()
	if err == nil {
		began := time.Now()
		err = c.Start(ctx)
		if l.log != nil {
			l.log.Debug("component started", "component", c.Name, "took", time.Since(began), "error", err)
		}
	}
	if err != nil {
		return fmt.Errorf("start %s: %w", c.Name, err)
	}
	return nil
}

// stop stops the started components in reverse order. It is idempotent;
// errors of all components are joined, each naming its component.
func (l *lifecycle) stop(ctx context.Context) error {
	l.op.Lock()
	defer l.op.Unlock()
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
	return l.stopStarted(ctx)
}

// stopStarted stops the started components, last first; the caller holds op.
func (l *lifecycle) stopStarted(ctx context.Context) error {
	var errs []error
	for c, ok := l.popStarted(); ok; c, ok = l.popStarted() {
		if c.Stop == nil {
			continue
		}
		if err := c.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", c.Name, err))
		}
	}
	return errors.Join(errs...)
}

// popStarted removes and returns the last started component.
func (l *lifecycle) popStarted() (Component, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.started)
	if n == 0 {
		return Component{}, false
	}
	c := l.started[n-1]
	l.started = l.started[:n-1]
	return c, true
}

// notReady names the components that are not started or whose Ready
// check fails, in start order.
func (l *lifecycle) notReady(ctx context.Context) []string {
	var names []string
	for _, c := range l.states(ctx) {
		if !c.Ready {
			names = append(names, c.Name)
		}
	}
	return names
}

// states reports every component's readiness, in start order: what
// /readyz sums up and the status API lists.
func (l *lifecycle) states(ctx context.Context) []telemetry.ComponentState {
	l.mu.Lock()
	running := make(map[string]bool, len(l.started))
	for _, c := range l.started {
		running[c.Name] = true
	}
	l.mu.Unlock()
	out := make([]telemetry.ComponentState, 0, len(l.components))
	for _, c := range l.components {
		st := telemetry.ComponentState{Name: c.Name, Ready: running[c.Name]}
		if !st.Ready {
			st.Error = "not started"
		} else if err := checkReady(ctx, c); err != nil {
			st.Ready, st.Error = false, err.Error()
		}
		out = append(out, st)
	}
	return out
}

func checkReady(ctx context.Context, c Component) error {
	if c.Ready == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	return c.Ready(ctx)
}
