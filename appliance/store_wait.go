package appliance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fechatter/fechatter/storage"
)

// Backoff between attempts to reach Postgres at start: doubling from
// connectFirstWait up to connectMaxWait.
const (
	connectFirstWait = time.Second
	connectMaxWait   = 10 * time.Second
	// connectAttempt bounds one attempt (an unroutable host never answers).
	connectAttempt = 10 * time.Second
)

// openStoreWaiting opens the configured store like openStore, but keeps
// retrying a Postgres that cannot be reached for database.connect_timeout,
// logging each retry: in a compose file or after a reboot the database may
// come up after the server. A refused password or a missing database is
// not retried: waiting does not fix it.
func (a *Appliance) openStoreWaiting(ctx context.Context) (storage.Store, error) {
	bound := a.cfg.Database.ConnectTimeout
	if a.cfg.Database.URL == "" || bound <= 0 {
		return openStore(ctx, a.cfg)
	}
	deadline := time.Now().Add(bound)
	wait := connectFirstWait
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, connectAttempt)
		st, err := openStore(actx, a.cfg)
		cancel()
		if err == nil {
			if attempt > 1 {
				a.log.Info("database reachable", "attempts", attempt)
			}
			return st, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		left := time.Until(deadline)
		if !retryableConnect(err) || left <= 0 {
			if left <= 0 {
				return nil, fmt.Errorf("database not reachable within database.connect_timeout (%s), after %d attempts: %w", bound, attempt, err)
			}
			return nil, err
		}
		wait = min(wait, left)
		a.log.Warn("database not reachable yet; retrying", "attempt", attempt, "retry_in", wait.String(),
			"gives_up_in", left.Round(time.Second).String(), "error", err.Error())
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, connectMaxWait)
	}
}

// retryableConnect tells a database that is not up yet (refused, unknown
// host, starting up) from one that answered no: a refused login (SQLSTATE
// class 28), a missing database (3D000) or a URL that does not parse.
func retryableConnect(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return !strings.HasPrefix(pg.Code, "28") && pg.Code != "3D000"
	}
	var parse *pgconn.ParseConfigError
	return !errors.As(err, &parse) && !strings.Contains(err.Error(), "parse url")
}
