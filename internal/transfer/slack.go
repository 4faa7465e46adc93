package transfer

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/blobs"
)

// slackSource names Slack in the import record.
const slackSource = "slack"

type slackUser struct {
	ID                string `json:"id"`
	Name              string `json:"name"`
	RealName          string `json:"real_name"`
	Deleted           bool   `json:"deleted"`
	IsBot             bool   `json:"is_bot"`
	IsAdmin           bool   `json:"is_admin"`
	IsOwner           bool   `json:"is_owner"`
	IsPrimaryOwner    bool   `json:"is_primary_owner"`
	IsRestricted      bool   `json:"is_restricted"`
	IsUltraRestricted bool   `json:"is_ultra_restricted"`
	Profile           struct {
		Email       string `json:"email"`
		RealName    string `json:"real_name"`
		DisplayName string `json:"display_name"`
	} `json:"profile"`
}

// role is the workspace role of a Slack user.
func (u slackUser) role() model.Role {
	switch {
	case u.IsOwner || u.IsPrimaryOwner:
		return model.RoleOwner
	case u.IsAdmin:
		return model.RoleAdmin
	case u.IsRestricted || u.IsUltraRestricted:
		return model.RoleGuest
	}
	return model.RoleMember
}

type slackText struct {
	Value string `json:"value"`
}

// slackChannel is an entry of channels.json, groups.json, dms.json or mpims.json.
type slackChannel struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Created int64     `json:"created"`
	Creator string    `json:"creator"`
	Members []string  `json:"members"`
	Topic   slackText `json:"topic"`
	Purpose slackText `json:"purpose"`
	// User is the other person of a direct chat in some exports.
	User string `json:"user"`
}

type slackFile struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Title    string `json:"title"`
	Mimetype string `json:"mimetype"`
	Mode     string `json:"mode"`
}

type slackMessage struct {
	Type     string `json:"type"`
	Subtype  string `json:"subtype"`
	User     string `json:"user"`
	Text     string `json:"text"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
	Edited   *struct {
		TS string `json:"ts"`
	} `json:"edited"`
	Reactions []struct {
		Name  string   `json:"name"`
		Users []string `json:"users"`
	} `json:"reactions"`
	Files []slackFile `json:"files"`
}

// importedSubtypes are the Slack message subtypes that are messages
// someone wrote; every other subtype (joins, topic changes, ...) is left out.
var importedSubtypes = map[string]bool{"": true, "thread_broadcast": true, "file_share": true,
	"me_message": true, "bot_message": true, "reply_broadcast": true}

// slackKinds are the list files of an export and the chat type of each.
var slackKinds = []struct {
	file string
	typ  model.ChatType
	// dirByID: the chat's messages are under its id, not its name.
	dirByID bool
}{
	{"channels.json", model.ChatPublicChannel, false},
	{"groups.json", model.ChatPrivateChannel, false},
	{"dms.json", model.ChatDirect, true},
	{"mpims.json", model.ChatGroup, false},
}

// slackArchive is an open export: the zip and where its parts are.
type slackArchive struct {
	zr   *zip.ReadCloser
	root string
	// days are the per-day message files by chat directory, sorted.
	days map[string][]*zip.File
	// files are attachments in the archive by Slack file id.
	files map[string]*zip.File
	total int
}

func openSlack(zipPath string) (*slackArchive, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", zipPath, err)
	}
	a := &slackArchive{zr: zr, root: "", days: map[string][]*zip.File{}, files: map[string]*zip.File{}}
	for _, f := range zr.File {
		if path.Base(f.Name) == "users.json" && (a.root == "" || len(f.Name) < len(a.root)+len("users.json")) {
			a.root = strings.TrimSuffix(f.Name, "users.json")
		}
	}
	if _, ok := a.find("users.json"); !ok {
		_ = zr.Close()
		return nil, fmt.Errorf("%s: no users.json: not a Slack export", zipPath)
	}
	a.index()
	return a, nil
}

// index finds the per-day message files and the attachments.
func (a *slackArchive) index() {
	for _, f := range a.zr.File {
		rel, ok := strings.CutPrefix(f.Name, a.root)
		if !ok || strings.HasSuffix(rel, "/") {
			continue
		}
		parts := strings.Split(rel, "/")
		switch {
		case len(parts) == 3 && (parts[0] == "files" || parts[0] == "__uploads"):
			if _, seen := a.files[parts[1]]; !seen {
				a.files[parts[1]] = f
			}
		case len(parts) == 2 && isDayFile(parts[1]):
			a.days[parts[0]] = append(a.days[parts[0]], f)
			a.total++
		}
	}
	for _, fs := range a.days {
		sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	}
}

// isDayFile reports whether name is YYYY-MM-DD.json.
func isDayFile(name string) bool {
	day, ok := strings.CutSuffix(name, ".json")
	if !ok {
		return false
	}
	_, err := time.Parse(time.DateOnly, day)
	return err == nil
}

func (a *slackArchive) find(name string) (*zip.File, bool) {
	for _, f := range a.zr.File {
		if f.Name == a.root+name {
			return f, true
		}
	}
	return nil, false
}

// list reads one of the top-level JSON lists; a missing one is empty.
func (a *slackArchive) list(name string, v any) error {
	f, ok := a.find(name)
	if !ok {
		return nil
	}
	return readZipJSON(f, v)
}

// ImportSlack imports a Slack export zip into the workspace named
// opt.Workspace, in one transaction.
func ImportSlack(ctx context.Context, st storage.Store, zipPath string, opt Options) (Result, error) {
	a, err := openSlack(zipPath)
	if err != nil {
		return Result{}, err
	}
	defer a.zr.Close()
	if strings.TrimSpace(opt.Workspace) == "" {
		return Result{}, errors.New("a workspace name is needed (--workspace)")
	}
	var res Result
	err = st.InTx(ctx, func(tx storage.Tx) error {
		w, created, err := targetWorkspace(ctx, tx, opt.Workspace)
		if err != nil {
			return err
		}
		res = Result{WorkspaceID: w.ID, WorkspaceName: w.Name, CreatedWorkspace: created}
		im := &slackImport{a: a, tx: tx, opt: opt, h: chat.NewHistory(tx, w.ID, slackSource),
			names: map[string]string{}, channels: map[string]string{}}
		err = im.run(ctx)
		res.Report = im.h.Report
		return err
	})
	return res, err
}

// slackImport is one run of ImportSlack.
type slackImport struct {
	a   *slackArchive
	tx  storage.Tx
	opt Options
	h   *chat.History
	// names are the usernames of the Slack users, by Slack id.
	names map[string]string
	// channels are the chat names, by Slack id.
	channels map[string]string
	done     int
}

func (im *slackImport) run(ctx context.Context) error {
	if err := im.users(ctx); err != nil {
		return err
	}
	type chatDir struct {
		c   slackChannel
		typ model.ChatType
		dir string
	}
	var chats []chatDir
	for _, k := range slackKinds {
		var list []slackChannel
		if err := im.a.list(k.file, &list); err != nil {
			return err
		}
		for _, c := range list {
			if c.ID == "" {
				return &FormatError{File: im.a.root + k.file, Line: 1, Err: errors.New("a chat without an id")}
			}
			dir := c.Name
			if k.dirByID || dir == "" {
				dir = c.ID
			}
			im.channels[c.ID] = c.Name
			chats = append(chats, chatDir{c, k.typ, dir})
		}
	}
	for _, cd := range chats {
		if err := im.chat(ctx, cd.c, cd.typ, cd.dir); err != nil {
			return err
		}
	}
	return nil
}

func (im *slackImport) users(ctx context.Context) error {
	var users []slackUser
	if err := im.a.list("users.json", &users); err != nil {
		return err
	}
	for _, u := range users {
		if u.ID == "" {
			return &FormatError{File: im.a.root + "users.json", Line: 1, Err: errors.New("a user without an id")}
		}
		display := firstNonEmpty(u.Profile.DisplayName, u.Profile.RealName, u.RealName, u.Name)
		id, err := im.h.User(ctx, chat.ImportedUser{Key: u.ID, Email: u.Profile.Email, Username: u.Name,
			DisplayName: display, IsBot: u.IsBot, Role: u.role(), Deleted: u.Deleted})
		if err != nil {
			return err
		}
		acct, err := im.tx.UserByID(ctx, id)
		if err != nil {
			return err
		}
		im.names[u.ID] = acct.Username
	}
	return nil
}

func (im *slackImport) chat(ctx context.Context, c slackChannel, typ model.ChatType, dir string) error {
	members := c.Members
	if len(members) == 0 && c.User != "" {
		members = []string{c.User}
	}
	if c.Creator != "" && !slices.Contains(members, c.Creator) && typ != model.ChatDirect {
		members = append([]string{c.Creator}, members...)
	}
	topic := firstNonEmpty(c.Topic.Value, c.Purpose.Value)
	name := c.Name
	if typ == model.ChatGroup {
		name = "" // Slack's "mpdm-a--b--c-1"; a group shows its members
	}
	id, err := im.h.Chat(ctx, chat.ImportedChat{Key: c.ID, Type: typ, Name: name, Topic: slackToText(topic, im.names, im.channels),
		CreatedBy: c.Creator, CreatedAt: time.Unix(c.Created, 0), Members: members})
	if err != nil {
		return err
	}
	for _, day := range im.a.days[dir] {
		if err := im.day(ctx, c.ID, id, day); err != nil {
			return err
		}
	}
	return nil
}

// day imports one per-day file of chat chatID (0: the chat is left out,
// but its file is still checked).
func (im *slackImport) day(ctx context.Context, key string, chatID int64, f *zip.File) error {
	var msgs []slackMessage
	if err := readZipJSON(f, &msgs); err != nil {
		return err
	}
	defer im.step()
	if chatID == 0 {
		for range msgs {
			im.h.Report.Skip("message of a chat left out")
		}
		return nil
	}
	sort.SliceStable(msgs, func(i, j int) bool { return tsLess(msgs[i].TS, msgs[j].TS) })
	for _, m := range msgs {
		if err := im.message(ctx, key, chatID, m); err != nil {
			return fmt.Errorf("%s: message %s: %w", f.Name, m.TS, err)
		}
	}
	return nil
}

func (im *slackImport) step() {
	im.done++
	if im.opt.Progress != nil {
		im.opt.Progress(im.done, im.a.total)
	}
}

func (im *slackImport) message(ctx context.Context, chatKey string, chatID int64, m slackMessage) error {
	created, err := parseTS(m.TS)
	switch {
	case m.Type != "" && m.Type != "message":
		im.h.Report.Skip("slack entry that is not a message")
		return nil
	case !importedSubtypes[m.Subtype]:
		im.h.Report.Skip("slack message subtype " + m.Subtype)
		return nil
	case err != nil:
		return err
	case m.User == "":
		im.h.Report.Skip("slack message without a user (integration)")
		return nil
	}
	key := chatKey + "/" + m.TS
	if known, err := im.h.Known(ctx, key); err != nil || known {
		if known {
			im.h.Report.Existing++
		}
		return err
	}
	in := chat.ImportedMessage{Key: key, ChatID: chatID, SenderKey: m.User, CreatedAt: created,
		Content: slackToText(m.Text, im.names, im.channels)}
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		in.ParentKey = chatKey + "/" + m.ThreadTS
	}
	if m.Edited != nil {
		if t, err := parseTS(m.Edited.TS); err == nil {
			in.EditedAt = &t
		}
	}
	for _, r := range m.Reactions {
		in.Reactions = append(in.Reactions, chat.ImportedReaction{Emoji: r.Name, Users: r.Users})
	}
	if in.Files, err = im.files(m.Files); err != nil {
		return err
	}
	return im.h.Message(ctx, in)
}

// files stores the attachments present in the archive.
func (im *slackImport) files(in []slackFile) ([]chat.ImportedFile, error) {
	var out []chat.ImportedFile
	for _, f := range in {
		zf, ok := im.a.files[f.ID]
		if !ok || f.ID == "" {
			im.h.Report.Skip("file not in the archive (Slack exports hold only links)")
			continue
		}
		info, err := im.putFile(zf)
		if errors.Is(err, blobs.ErrTooLarge) {
			im.h.Report.Skip("file larger than files.max_size")
			continue
		}
		if errors.Is(err, blobs.ErrEmpty) {
			im.h.Report.Skip("empty file")
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("file %s: %w", zf.Name, err)
		}
		ct := f.Mimetype
		if ct == "" {
			ct = info.ContentType
		}
		out = append(out, chat.ImportedFile{Key: f.ID, Name: firstNonEmpty(f.Name, f.Title, path.Base(zf.Name)),
			ContentType: ct, Size: info.Size, SHA256: info.SHA256})
	}
	return out, nil
}

func (im *slackImport) putFile(zf *zip.File) (blobs.Info, error) {
	rc, err := zf.Open()
	if err != nil {
		return blobs.Info{}, err
	}
	defer rc.Close()
	return im.opt.Files.Put(rc, im.opt.MaxFileSize)
}

// parseTS turns a Slack timestamp ("1512085950.000216") into a time.
func parseTS(ts string) (time.Time, error) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || len(frac) > 6 {
		return time.Time{}, fmt.Errorf("bad ts %q", ts)
	}
	us := int64(0)
	if frac != "" {
		if us, err = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64); err != nil {
			return time.Time{}, fmt.Errorf("bad ts %q", ts)
		}
	}
	return time.Unix(s, us*1000).UTC(), nil
}

// tsLess orders Slack timestamps by time.
func tsLess(a, b string) bool {
	ta, errA := parseTS(a)
	tb, errB := parseTS(b)
	if errA != nil || errB != nil {
		return a < b
	}
	return ta.Before(tb)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}
