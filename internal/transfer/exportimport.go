package transfer

import (
	"archive/zip"
	"bufio"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/storage"
)

// maxRecordLine bounds one line of workspace.jsonl.
const maxRecordLine = 16 << 20

// ImportExport imports a file written by Export into the workspace named
// opt.Workspace (default: the exported workspace's name), in one
// transaction.
func ImportExport(ctx context.Context, st storage.Store, file string, opt Options) (Result, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return Result{}, fmt.Errorf("open %s: %w", file, err)
	}
	defer zr.Close()
	var records *zip.File
	blobFiles := map[string]*zip.File{}
	for _, f := range zr.File {
		if f.Name == exportRecords {
			records = f
		} else if sum, ok := strings.CutPrefix(f.Name, exportFiles); ok {
			blobFiles[sum] = f
		}
	}
	if records == nil {
		return Result{}, fmt.Errorf("%s: no %s: not a Fechatter export", file, exportRecords)
	}
	var res Result
	err = st.InTx(ctx, func(tx storage.Tx) error {
		im := &exportImport{tx: tx, opt: opt, blobFiles: blobFiles, total: int(records.UncompressedSize64)}
		err := im.run(ctx, records, &res)
		if im.h != nil {
			res.Report = im.h.Report
		}
		return err
	})
	return res, err
}

// exportImport is one run of ImportExport.
type exportImport struct {
	tx        storage.Tx
	opt       Options
	h         *chat.History
	blobFiles map[string]*zip.File
	// chats are our chat ids by exported chat id (0: left out).
	chats map[int64]int64
	total int
	read  int
}

func (im *exportImport) run(ctx context.Context, records *zip.File, res *Result) error {
	rc, err := records.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), maxRecordLine)
	line := 0
	for sc.Scan() {
		line++
		im.read += len(sc.Bytes()) + 1
		if err := im.record(ctx, line, sc.Bytes(), res); err != nil {
			return err
		}
		if im.opt.Progress != nil && line%100 == 0 {
			im.opt.Progress(im.read, im.total)
		}
	}
	if err := sc.Err(); err != nil {
		return &FormatError{File: exportRecords, Line: line + 1, Err: err}
	}
	if line == 0 {
		return &FormatError{File: exportRecords, Line: 1, Err: errors.New("empty")}
	}
	if im.opt.Progress != nil {
		im.opt.Progress(im.total, im.total)
	}
	return nil
}

// record imports one line.
func (im *exportImport) record(ctx context.Context, line int, data []byte, res *Result) error {
	var kind struct {
		Type string `json:"type"`
	}
	if err := decodeJSON(exportRecords, line, data, &kind); err != nil {
		return err
	}
	if line == 1 {
		return im.header(ctx, data, res)
	}
	bad := func(err error) error { return &FormatError{File: exportRecords, Line: line, Err: err} }
	switch kind.Type {
	case "user":
		var u exportUser
		if err := decodeJSON(exportRecords, line, data, &u); err != nil {
			return err
		}
		_, err := im.h.User(ctx, chat.ImportedUser{Key: key(u.ID), Email: u.Email, Username: u.Username,
			DisplayName: u.DisplayName, IsBot: u.IsBot, Role: u.Role, Deleted: u.Role == ""})
		return err
	case "chat":
		var c exportChat
		if err := decodeJSON(exportRecords, line, data, &c); err != nil {
			return err
		}
		if !c.ChatType.Valid() {
			return bad(fmt.Errorf("unknown chat_type %q", c.ChatType))
		}
		members := make([]string, len(c.Members))
		for i, m := range c.Members {
			members[i] = key(m)
		}
		id, err := im.h.Chat(ctx, chat.ImportedChat{Key: key(c.ID), Type: c.ChatType, Name: c.Name, Topic: c.Topic,
			CreatedBy: key(c.CreatedBy), CreatedAt: c.CreatedAt, Members: members})
		im.chats[c.ID] = id
		return err
	case "message":
		var m exportMessage
		if err := decodeJSON(exportRecords, line, data, &m); err != nil {
			return err
		}
		if err := im.message(ctx, m); err != nil {
			return bad(err)
		}
		return nil
	}
	return bad(fmt.Errorf("unknown record type %q", kind.Type))
}

func (im *exportImport) header(ctx context.Context, data []byte, res *Result) error {
	var h exportHeader
	if err := decodeJSON(exportRecords, 1, data, &h); err != nil {
		return err
	}
	switch {
	case h.Type != exportFormat:
		return &FormatError{File: exportRecords, Line: 1, Err: fmt.Errorf("not a %s header", exportFormat)}
	case h.Version != exportVersion:
		return &FormatError{File: exportRecords, Line: 1, Err: fmt.Errorf("version %d; this binary reads version %d", h.Version, exportVersion)}
	case h.Source == "":
		return &FormatError{File: exportRecords, Line: 1, Err: errors.New("no source")}
	}
	name := im.opt.Workspace
	if strings.TrimSpace(name) == "" {
		name = h.Workspace.Name
	}
	w, created, err := targetWorkspace(ctx, im.tx, name)
	if err != nil {
		return err
	}
	*res = Result{WorkspaceID: w.ID, WorkspaceName: w.Name, CreatedWorkspace: created}
	im.h = chat.NewHistory(im.tx, w.ID, h.Source)
	im.chats = map[int64]int64{}
	return nil
}

func (im *exportImport) message(ctx context.Context, m exportMessage) error {
	chatID, ok := im.chats[m.ChatID]
	if !ok {
		return fmt.Errorf("message %d: chat %d is not above it", m.ID, m.ChatID)
	}
	if chatID == 0 {
		im.h.Report.Skip("message of a chat left out")
		return nil
	}
	k := key(m.ID)
	if known, err := im.h.Known(ctx, k); err != nil || known {
		if known {
			im.h.Report.Existing++
		}
		return err
	}
	in := chat.ImportedMessage{Key: k, ChatID: chatID, SenderKey: key(m.SenderID), Content: m.Content,
		CreatedAt: m.CreatedAt, EditedAt: m.EditedAt, DeletedAt: m.DeletedAt}
	if m.ReplyTo != nil {
		in.ParentKey = key(*m.ReplyTo)
	}
	for _, r := range m.Reactions {
		users := make([]string, len(r.Users))
		for i, u := range r.Users {
			users[i] = key(u)
		}
		in.Reactions = append(in.Reactions, chat.ImportedReaction{Emoji: r.Emoji, Users: users})
	}
	for _, f := range m.Files {
		imported, err := im.file(f)
		if err != nil {
			return err
		}
		in.Files = append(in.Files, imported)
	}
	return im.h.Message(ctx, in)
}

// file puts one attachment's bytes in the blob store, checking them.
func (im *exportImport) file(f exportFile) (chat.ImportedFile, error) {
	zf, ok := im.blobFiles[f.SHA256]
	if !ok {
		return chat.ImportedFile{}, fmt.Errorf("file %d: %s%s is not in the archive", f.ID, exportFiles, f.SHA256)
	}
	rc, err := zf.Open()
	if err != nil {
		return chat.ImportedFile{}, err
	}
	defer rc.Close()
	max := im.opt.MaxFileSize
	if max < f.Size {
		max = f.Size // moving a workspace keeps what it had
	}
	info, err := im.opt.Files.Put(rc, max)
	switch {
	case err != nil:
		return chat.ImportedFile{}, fmt.Errorf("file %d: %w", f.ID, err)
	case info.SHA256 != f.SHA256:
		return chat.ImportedFile{}, fmt.Errorf("file %d: %s%s does not hold what its name says (sha256 %s)", f.ID, exportFiles, f.SHA256, info.SHA256)
	}
	return chat.ImportedFile{Key: key(f.ID), Name: f.Name, ContentType: f.ContentType, Size: info.Size, SHA256: info.SHA256}, nil
}

// key is the import key of an exported id.
func key(id int64) string { return strconv.FormatInt(id, 10) }
