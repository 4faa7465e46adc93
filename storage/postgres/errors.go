package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fechatter/fechatter/storage"
)

// SQLSTATE codes this package maps (postgresql.org/docs/current/errcodes-appendix.html).
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeCheckViolation      = "23514"
	// Class 22 is "data exception": text Postgres cannot store (a NUL
	// byte, invalid UTF-8), numbers out of range and the like.
	classDataException = "22"
)

// wrap gives err the operation as context and maps it to the storage
// sentinels: no rows and a missing referenced row are ErrNotFound, a
// uniqueness violation is ErrConflict.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, wrapErr(err))
}

// wrapErr maps a driver error to the storage sentinels, keeping the driver
// error in the chain: a value the database cannot hold is ErrInvalid, which
// the use cases answer as bad input (a 400), never as an internal error.
func wrapErr(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.ErrNotFound
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == codeUniqueViolation:
		return fmt.Errorf("%w: %w", storage.ErrConflict, err)
	case pe.Code == codeForeignKeyViolation:
		return fmt.Errorf("referenced row: %w: %w", storage.ErrNotFound, err)
	case pe.Code == codeCheckViolation:
		return fmt.Errorf("a value is not one of those allowed: %w: %w", storage.ErrInvalid, err)
	case strings.HasPrefix(pe.Code, classDataException):
		return fmt.Errorf("a value cannot be stored (invalid text or number out of range): %w: %w", storage.ErrInvalid, err)
	}
	return err
}

// notFound is ErrNotFound with context, for when a statement touched no row.
func notFound(op string) error { return fmt.Errorf("%s: %w", op, storage.ErrNotFound) }

// conflict is ErrConflict with context, for when ON CONFLICT DO NOTHING
// inserted nothing.
func conflict(op string) error { return fmt.Errorf("%s: %w", op, storage.ErrConflict) }

// mustAffect turns a statement that touched no row into ErrNotFound.
func mustAffect(op string, tag pgconn.CommandTag, err error) error {
	if err != nil {
		return wrap(op, err)
	}
	if tag.RowsAffected() == 0 {
		return notFound(op)
	}
	return nil
}
