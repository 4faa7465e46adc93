package transfer

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/blobs"
)

// The export format (docs/export-format.md): a zip holding
// workspace.jsonl, one JSON object a line, and the attached files under
// files/<sha256>.
const (
	exportFormat  = "fechatter-export"
	exportVersion = 1
	exportRecords = "workspace.jsonl"
	exportFiles   = "files/"
)

type exportHeader struct {
	Type       string          `json:"type"`
	Version    int             `json:"version"`
	Source     string          `json:"source"`
	ExportedAt time.Time       `json:"exported_at"`
	Workspace  exportWorkspace `json:"workspace"`
}

type exportWorkspace struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

type exportUser struct {
	Type        string `json:"type"`
	ID          int64  `json:"id"`
	Email       string `json:"email"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	IsBot       bool   `json:"is_bot"`
	// Role is the workspace role; empty for a sender who left.
	Role model.Role `json:"role"`
}

type exportChat struct {
	Type      string         `json:"type"`
	ID        int64          `json:"id"`
	ChatType  model.ChatType `json:"chat_type"`
	Name      string         `json:"name"`
	Topic     string         `json:"topic"`
	CreatedBy int64          `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
	Members   []int64        `json:"members"`
}

type exportReaction struct {
	Emoji string  `json:"emoji"`
	Users []int64 `json:"users"`
}

type exportFile struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
}

type exportMessage struct {
	Type      string           `json:"type"`
	ID        int64            `json:"id"`
	ChatID    int64            `json:"chat_id"`
	SenderID  int64            `json:"sender_id"`
	Content   string           `json:"content"`
	ReplyTo   *int64           `json:"reply_to,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
	EditedAt  *time.Time       `json:"edited_at,omitempty"`
	DeletedAt *time.Time       `json:"deleted_at,omitempty"`
	Reactions []exportReaction `json:"reactions,omitempty"`
	Files     []exportFile     `json:"files,omitempty"`
}

// ExportReport counts what an export wrote.
type ExportReport struct {
	Users, Chats, Messages, Files int
}

// exportSource names a workspace wherever it moves: its id and its
// creation time (to the microsecond) on the instance that made it.
func exportSource(w model.Workspace) string {
	return fmt.Sprintf("fechatter:%d@%d", w.ID, w.CreatedAt.UnixMicro())
}

// exportPage is how many messages an export reads at once.
const exportPage = 1000

// Export writes workspace workspaceID to the file out (written aside and
// renamed into place when complete). It reads the database as it is while
// it runs: messages sent meanwhile may or may not be in it.
func Export(ctx context.Context, st storage.Store, files *blobs.Store, workspaceID int64, out string, progress func(done, total int)) (ExportReport, error) {
	w, err := st.WorkspaceByID(ctx, workspaceID)
	if err != nil {
		return ExportReport{}, fmt.Errorf("workspace %d: %w", workspaceID, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".export-*")
	if err != nil {
		return ExportReport{}, err
	}
	defer os.Remove(tmp.Name())
	ex := &exporter{st: st, files: files, ws: w, zw: zip.NewWriter(tmp), users: map[int64]bool{},
		blobs: map[string]bool{}, progress: progress}
	err = ex.run(ctx)
	if cerr := ex.zw.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return ExportReport{}, err
	}
	return ex.report, os.Rename(tmp.Name(), out)
}

type exporter struct {
	st       storage.Store
	files    *blobs.Store
	ws       model.Workspace
	zw       *zip.Writer
	enc      *json.Encoder
	buf      *bufio.Writer
	users    map[int64]bool
	blobs    map[string]bool
	report   ExportReport
	progress func(done, total int)
}

func (ex *exporter) run(ctx context.Context) error {
	rec, err := ex.zw.CreateHeader(&zip.FileHeader{Name: exportRecords, Method: zip.Deflate, Modified: time.Now()})
	if err != nil {
		return err
	}
	ex.buf = bufio.NewWriter(rec)
	ex.enc = json.NewEncoder(ex.buf)
	ex.enc.SetEscapeHTML(false)
	err = ex.enc.Encode(exportHeader{Type: exportFormat, Version: exportVersion, Source: exportSource(ex.ws),
		ExportedAt: time.Now().UTC(), Workspace: exportWorkspace{ID: ex.ws.ID, Name: ex.ws.Name, CreatedAt: ex.ws.CreatedAt}})
	if err != nil {
		return err
	}
	if err := ex.members(ctx); err != nil {
		return err
	}
	if err := ex.chats(ctx); err != nil {
		return err
	}
	// The records end before the first file (a zip writes one entry at a time).
	var pending []exportFile
	if pending, err = ex.messages(ctx); err != nil {
		return err
	}
	if err := ex.buf.Flush(); err != nil {
		return err
	}
	for _, f := range pending {
		if err := ex.blob(f.SHA256); err != nil {
			return err
		}
	}
	return nil
}

func (ex *exporter) members(ctx context.Context) error {
	members, err := ex.st.ListMembers(ctx, ex.ws.ID)
	if err != nil {
		return err
	}
	for _, m := range members {
		if err := ex.user(m.User, m.Role); err != nil {
			return err
		}
	}
	return nil
}

func (ex *exporter) user(u model.User, role model.Role) error {
	if ex.users[u.ID] {
		return nil
	}
	ex.users[u.ID] = true
	ex.report.Users++
	return ex.enc.Encode(exportUser{Type: "user", ID: u.ID, Email: u.Email, Username: u.Username,
		DisplayName: u.DisplayName, IsBot: u.IsBot, Role: role})
}

func (ex *exporter) chats(ctx context.Context) error {
	chats, err := ex.st.WorkspaceChats(ctx, ex.ws.ID)
	if err != nil {
		return err
	}
	for _, c := range chats {
		members, err := ex.st.ListChatMembers(ctx, c.ID)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, len(members))
		for _, m := range members {
			ids = append(ids, m.UserID)
		}
		ex.report.Chats++
		err = ex.enc.Encode(exportChat{Type: "chat", ID: c.ID, ChatType: c.Type, Name: c.Name, Topic: c.Topic,
			CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, Members: ids})
		if err != nil {
			return err
		}
	}
	return nil
}

// messages writes every message and returns the files to add, once each.
func (ex *exporter) messages(ctx context.Context) ([]exportFile, error) {
	total, err := ex.st.CountMessages(ctx, ex.ws.ID)
	if err != nil {
		return nil, err
	}
	var pending []exportFile
	for after := int64(0); ; {
		page, err := ex.st.AllMessages(ctx, ex.ws.ID, after, exportPage)
		if err != nil || len(page) == 0 {
			return pending, err
		}
		files, err := ex.page(ctx, page)
		if err != nil {
			return nil, err
		}
		pending = append(pending, files...)
		after = page[len(page)-1].ID
		if ex.progress != nil {
			ex.progress(ex.report.Messages, total)
		}
	}
}

func (ex *exporter) page(ctx context.Context, page []model.Message) ([]exportFile, error) {
	ids := make([]int64, len(page))
	for i, m := range page {
		ids[i] = m.ID
	}
	reactions, err := ex.st.ReactionsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	byMsg := map[int64][]exportReaction{}
	for _, r := range reactions {
		rs := byMsg[r.MessageID]
		if n := len(rs); n > 0 && rs[n-1].Emoji == r.Emoji {
			rs[n-1].Users = append(rs[n-1].Users, r.UserID)
		} else {
			rs = append(rs, exportReaction{Emoji: r.Emoji, Users: []int64{r.UserID}})
		}
		byMsg[r.MessageID] = rs
	}
	attached, err := ex.st.AttachmentsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	var newFiles []exportFile
	for _, m := range page {
		if err := ex.user(m.Sender, ""); err != nil {
			return nil, err
		}
		rec := exportMessage{Type: "message", ID: m.ID, ChatID: m.ChatID, SenderID: m.SenderID, Content: m.Content,
			ReplyTo: m.ReplyTo, CreatedAt: m.CreatedAt, EditedAt: m.EditedAt, DeletedAt: m.DeletedAt, Reactions: byMsg[m.ID]}
		for _, f := range attached[m.ID] {
			ef := exportFile{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256}
			rec.Files = append(rec.Files, ef)
			if !ex.blobs[f.SHA256] {
				ex.blobs[f.SHA256] = true
				newFiles = append(newFiles, ef)
			}
		}
		if err := ex.enc.Encode(rec); err != nil {
			return nil, err
		}
		ex.report.Messages++
	}
	return newFiles, nil
}

// blob copies one stored file into the archive.
func (ex *exporter) blob(sum string) error {
	src, err := ex.files.Open(sum)
	if err != nil {
		return fmt.Errorf("file %s: %w", sum, err)
	}
	defer src.Close()
	dst, err := ex.zw.CreateHeader(&zip.FileHeader{Name: exportFiles + sum, Method: zip.Store, Modified: time.Now()})
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		return fmt.Errorf("file %s: %w", sum, err)
	}
	ex.report.Files++
	return nil
}
