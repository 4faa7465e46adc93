package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

func TestCheckNotInUse(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fechatter.db")
	if err := CheckNotInUse(ctx, path); err != nil {
		t.Fatalf("no database yet: %v", err)
	}
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := CheckNotInUse(ctx, path); !errors.Is(err, ErrInUse) {
		t.Fatalf("open store, idle: %v, want ErrInUse", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := CheckNotInUse(ctx, path); err != nil {
		t.Fatalf("closed store: %v", err)
	}
	// The check leaves the database usable.
	st, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CountUsers(ctx); err != nil {
		t.Fatal(err)
	}
}
