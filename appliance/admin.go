package appliance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"slices"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// The administrator's types, for `fechatter admin` (cmd imports only this
// package).
type (
	// AdminUserInput is an account made by the administrator.
	AdminUserInput = chat.AdminUserInput
	// InviteInput is the invite form (0: the defaults).
	InviteInput = chat.InviteInput
	// AuditQuery pages through the audit log.
	AuditQuery = chat.AuditQuery
	// AdminActor is who performs an administrative action.
	AdminActor = chat.Actor
	// User is an account.
	User = model.User
)

// Admin runs the instance administrator's use cases (package chat) on the
// configured database, beside a running server or without one: the same
// rules and validation as the API, each action audited as the command
// line's actor. A change that ends a user's credentials writes an outbox
// event that a running server's relay publishes within its poll interval
// (one second), which ends the user's event streams on every node; their
// tokens are refused at once, since every request reads the user's row.
type Admin struct {
	*chat.Service
	// Actor is whom the audit records name: "cli:<os user>", from "local".
	Actor chat.Actor
	store storage.Store
}

// OpenAdmin opens and migrates the configured database for `fechatter
// admin` run by the operating-system user osUser. A SQLite data dir without
// a database is refused rather than created: the command was most likely
// pointed at the wrong --data-dir. Close it when done.
func OpenAdmin(ctx context.Context, cfg Config, osUser string) (*Admin, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	if cfg.Database.URL == "" {
		if _, err := os.Stat(SQLitePath(cfg)); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s: pass the server's --data-dir (or --database-url), or start the server once first", SQLitePath(cfg))
		}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := migrateStore(ctx, st); err != nil {
		return nil, errors.Join(err, st.Close())
	}
	// No signing key: the command line issues no token. Without a hub,
	// revocations reach running servers through the outbox only.
	authSvc := auth.New(st, auth.Config{Log: NewLogger(discard{}, LogConfig{Format: "json", Level: "error"})})
	svc := chat.New(st, authSvc, cfg.chatConfig(layoutOf(cfg.DataDir).Files), nil)
	return &Admin{Service: svc, Actor: chat.CLIActor(osUser), store: st}, nil
}

// Close closes the database.
func (a *Admin) Close() error { return a.store.Close() }

// DescribeError is err as the command line shows it: a use case's safe
// message with every rejected field ("invalid input: email: not a valid
// email address"), or the error itself.
func DescribeError(err error) string {
	var ae *apperr.Error
	if !errors.As(err, &ae) {
		return err.Error()
	}
	msg := ae.Message
	for _, f := range slices.Sorted(maps.Keys(ae.Fields)) {
		msg += "; " + f + ": " + ae.Fields[f]
	}
	return msg
}
