package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"

	msqlite "modernc.org/sqlite"

	"github.com/fechatter/fechatter/storage"
)

// SQLite extended result codes (sqlite.org/rescode.html).
const (
	codeConstraint           = 19
	codeConstraintCheck      = 275
	codeConstraintForeignKey = 787
	codeConstraintPrimaryKey = 1555
	codeConstraintUnique     = 2067
)

// wrap gives err the operation as context and maps it to the storage
// sentinels: no rows and a missing referenced row are ErrNotFound, a
// uniqueness violation is ErrConflict, a value outside a column's CHECK is
// ErrInvalid.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, storage.ErrNotFound)
	}
	switch constraintCode(err) {
	case codeConstraintUnique, codeConstraintPrimaryKey:
		return fmt.Errorf("%s: %w: %w", op, storage.ErrConflict, err)
	case codeConstraintForeignKey:
		return fmt.Errorf("%s: referenced row: %w: %w", op, storage.ErrNotFound, err)
	case codeConstraintCheck:
		return fmt.Errorf("%s: a value is not one of those allowed: %w: %w", op, storage.ErrInvalid, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// constraintCode returns the extended code of a constraint violation, 0
// for any other error.
func constraintCode(err error) int {
	var se *msqlite.Error
	if !errors.As(err, &se) || se.Code()&0xff != codeConstraint {
		return 0
	}
	if se.Code() != codeConstraint {
		return se.Code()
	}
	// Extended codes are on for every connection, but do not rely on it.
	switch msg := se.Error(); {
	case strings.Contains(msg, "UNIQUE constraint failed"):
		return codeConstraintUnique
	case strings.Contains(msg, "FOREIGN KEY constraint failed"):
		return codeConstraintForeignKey
	}
	return codeConstraint
}

// notFound is ErrNotFound with context, for when a statement touched no row.
func notFound(op string) error { return fmt.Errorf("%s: %w", op, storage.ErrNotFound) }

// mustAffect turns a result that touched no row into ErrNotFound.
func mustAffect(op string, res sql.Result, err error) error {
	if err != nil {
		return wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return notFound(op)
	}
	return nil
}
