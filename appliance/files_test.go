package appliance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// seedBlobFile stores a file row created at created and its blob, as an
// upload would have.
func seedBlobFile(t *testing.T, cfg Config, ws model.Workspace, content string, created time.Time) string {
	t.Helper()
	sum := sha256.Sum256([]byte(content))
	hexSum := hex.EncodeToString(sum[:])
	path := filepath.Join(layoutOf(cfg.DataDir).Files, hexSum[:2], hexSum)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(context.Background(), SQLitePath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f := model.File{WorkspaceID: ws.ID, UploaderID: ws.CreatedBy, Name: content, Size: int64(len(content)),
		ContentType: "text/plain", SHA256: hexSum, CreatedAt: created}
	if err := st.CreateFile(context.Background(), &f); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestApplianceSweepsOrphanFiles: the appliance runs the orphan sweep, which
// deletes an unattached upload older than files.orphan_grace and keeps a
// young one.
func TestApplianceSweepsOrphanFiles(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	cfg.Files.OrphanGrace = time.Minute
	if err := ensureDataDir(cfg.DataDir); err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, SQLitePath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u := model.User{Email: "o@example.com", Username: "o", DisplayName: "O"}
	if err := st.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	ws := model.Workspace{Name: "Acme", CreatedBy: u.ID}
	if err := st.CreateWorkspace(ctx, &ws); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	old := seedBlobFile(t, cfg, ws, "old orphan", time.Now().Add(-time.Hour))
	young := seedBlobFile(t, cfg, ws, "young orphan", time.Now())

	a := startAppliance(t, cfg, nil)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(old); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the old orphan's blob is still there after 20s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(young); err != nil {
		t.Fatalf("the young upload's blob is gone: %v", err)
	}
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}
