// Package transfer moves a workspace's history in and out of Fechatter:
// it reads Slack's standard export (ImportSlack) and Fechatter's own
// export format (Export, ImportExport; docs/export-format.md). An import
// is one database transaction: a malformed file fails it with the file
// and line, and nothing of it stays. What it brought in is recorded
// (storage.Transfers), so running it again adds nothing; new messages go
// through the outbox, so the server indexes and delivers them as it does
// sent ones.
package transfer

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/blobs"
)

// Options are the settings of an import.
type Options struct {
	// Workspace is the name of the workspace to import into: found by
	// name, or created (owned by the instance administrator). For
	// ImportExport, empty means the exported workspace's name.
	Workspace string
	// Files is the blob store of uploaded files (<data_dir>/files).
	Files *blobs.Store
	// MaxFileSize is the largest attachment imported; larger ones are
	// skipped (files.max_size).
	MaxFileSize int64
	// Progress, when set, is called as the import goes: done of total steps.
	Progress func(done, total int)
}

// Result is what an import did.
type Result struct {
	WorkspaceID   int64  `json:"workspace_id"`
	WorkspaceName string `json:"workspace_name"`
	// CreatedWorkspace is true when the import created the workspace.
	CreatedWorkspace bool              `json:"created_workspace"`
	Report           chat.ImportReport `json:"report"`
}

// ErrNoAdmin means no instance administrator exists to own a new workspace.
var ErrNoAdmin = errors.New("no instance administrator yet: finish first-run setup (open the server's setup link) before importing")

// targetWorkspace finds the workspace named name, or creates it owned by
// the oldest instance administrator.
func targetWorkspace(ctx context.Context, tx storage.Tx, name string) (model.Workspace, bool, error) {
	found, err := tx.WorkspacesByName(ctx, name)
	if err != nil {
		return model.Workspace{}, false, err
	}
	switch len(found) {
	case 0:
	case 1:
		return found[0], false, nil
	default:
		ids := make([]string, len(found))
		for i, w := range found {
			ids[i] = fmt.Sprint(w.ID)
		}
		return model.Workspace{}, false, fmt.Errorf("several workspaces are named %q (ids %s): rename all but one first",
			name, strings.Join(ids, ", "))
	}
	admins, err := tx.InstanceAdmins(ctx)
	if err != nil {
		return model.Workspace{}, false, err
	}
	if len(admins) == 0 {
		return model.Workspace{}, false, ErrNoAdmin
	}
	w, err := chat.CreateImportWorkspace(ctx, tx, admins[0].ID, name)
	if err != nil {
		return model.Workspace{}, false, fmt.Errorf("create workspace %q: %w", name, err)
	}
	return w, true, nil
}

// maxJSONFile bounds one JSON file of an export read into memory.
const maxJSONFile = 256 << 20

// readZipJSON decodes one JSON file of a zip into v; a malformed file
// fails with its name and the line of the fault.
func readZipJSON(f *zip.File, v any) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxJSONFile+1))
	if err != nil {
		return fmt.Errorf("%s: %w", f.Name, err)
	}
	if len(data) > maxJSONFile {
		return fmt.Errorf("%s: larger than %d MiB", f.Name, maxJSONFile>>20)
	}
	return decodeJSON(f.Name, 0, data, v)
}

// decodeJSON decodes data into v; an error names name and the line of the
// fault (firstLine is the line data starts on, 0 for 1).
func decodeJSON(name string, firstLine int, data []byte, v any) error {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	line := max(firstLine, 1)
	if off >= 0 && off <= int64(len(data)) {
		line = max(firstLine, 1) + bytes.Count(data[:off], []byte("\n"))
		// A syntax error's offset is just past the byte that broke it.
		if off > 0 && data[off-1] == '\n' {
			line--
		}
	}
	return &FormatError{File: name, Line: line, Err: err}
}

// FormatError is malformed input: which file, which line, what is wrong.
type FormatError struct {
	File string
	Line int
	Err  error
}

func (e *FormatError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

func (e *FormatError) Unwrap() error { return e.Err }
