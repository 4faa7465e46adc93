// Package slacktest writes small exports in Slack's standard export format
// for tests: users, a public channel, a private channel, a direct chat and
// a group DM, with threads, edits, reactions, mentions and a file.
package slacktest

import (
	"archive/zip"
	"os"
)

// Fixture facts the tests check against.
const (
	// AdminEmail is the email of Slack user U1 (alice): an instance whose
	// administrator has it maps alice to that account.
	AdminEmail = "alice@example.com"
	// FileBody is the content of the one attached file, notes.txt.
	FileBody = "the minutes of the meeting\n"
	// SearchWord occurs in one message of #general only.
	SearchWord = "zebracorn"
	// ParentText is the thread root in #general (after conversion).
	ParentText = "Hello @bob, see #random and the site (https://example.com/a?b=1&c=2) & <more>"
	// ReplyText is the reply in its thread.
	ReplyText = "a reply in the thread"
	// EditedText is the final text of the edited message.
	EditedText = "edited text, final version"
	// ParentTS, EditTS are Slack timestamps of the fixture.
	ParentTS = "1577872800.000100"
	EditTS   = "1577873000.000000"
)

// Files are the export's files by name; Write puts them in a zip.
type Files map[string]string

// Standard returns the fixture export.
func Standard() Files {
	return Files{
		"users.json": `[
 {"id": "U1", "name": "alice", "real_name": "Alice A", "is_admin": true, "is_owner": true,
  "profile": {"email": "alice@example.com", "real_name": "Alice A", "display_name": "alice"}},
 {"id": "U2", "name": "bob", "real_name": "Bob B", "profile": {"email": "bob@example.com", "real_name": "Bob B"}},
 {"id": "U3", "name": "carol", "real_name": "Carol C", "profile": {"email": "carol@example.com"}},
 {"id": "U4", "name": "dave", "deleted": true, "profile": {"email": "dave@example.com"}},
 {"id": "U5", "name": "Erin E.", "profile": {"real_name": "Erin"}}
]`,
		"channels.json": `[
 {"id": "C1", "name": "general", "created": 1577872000, "creator": "U1", "members": ["U1", "U2", "U3"],
  "topic": {"value": "Company-wide"}, "purpose": {"value": ""}},
 {"id": "C2", "name": "random", "created": 1577872000, "creator": "U2", "members": ["U1", "U2"]}
]`,
		"groups.json": `[{"id": "G1", "name": "secret", "created": 1577872000, "creator": "U1", "members": ["U1", "U3"]}]`,
		"dms.json":    `[{"id": "D1", "created": 1577872000, "members": ["U1", "U2"]}]`,
		"mpims.json":  `[{"id": "G2", "name": "mpdm-alice--bob--carol-1", "created": 1577872000, "creator": "U1", "members": ["U1", "U2", "U3"]}]`,
		"general/2020-01-01.json": `[
 {"type": "message", "subtype": "channel_join", "user": "U3", "text": "<@U3> has joined the channel", "ts": "1577872700.000100"},
 {"type": "message", "user": "U1", "text": "Hello <@U2>, see <#C2|random> and <https://example.com/a?b=1&amp;c=2|the site> &amp; &lt;more&gt;",
  "ts": "` + ParentTS + `", "thread_ts": "` + ParentTS + `", "reply_count": 1,
  "reactions": [{"name": "thumbsup", "users": ["U2", "U3"], "count": 2}]},
 {"type": "message", "user": "U2", "text": "` + ReplyText + `", "ts": "1577872900.000200", "thread_ts": "` + ParentTS + `"},
 {"type": "message", "user": "U3", "text": "` + EditedText + `", "ts": "1577872950.000300", "edited": {"user": "U3", "ts": "` + EditTS + `"}},
 {"type": "message", "subtype": "file_share", "user": "U2", "text": "here are the notes", "ts": "1577873100.000400",
  "files": [{"id": "F1", "name": "notes.txt", "title": "notes", "mimetype": "text/plain", "url_private": "https://files.slack.com/F1/notes.txt"},
            {"id": "F2", "name": "missing.png", "mimetype": "image/png", "url_private": "https://files.slack.com/F2/missing.png"}]},
 {"type": "message", "user": "U4", "text": "from someone who left", "ts": "1577873200.000500"}
]`,
		"general/2020-01-02.json": `[{"type": "message", "user": "U1", "text": "the ` + SearchWord + ` has landed", "ts": "1577959200.000100"}]`,
		"random/2020-01-01.json":  `[{"type": "message", "user": "U2", "text": "random chatter", "ts": "1577872800.000900"}]`,
		"secret/2020-01-01.json":  `[{"type": "message", "user": "U3", "text": "private plans for <@U1>", "ts": "1577872800.000200"}]`,
		"D1/2020-01-01.json":      `[{"type": "message", "user": "U2", "text": "a direct word", "ts": "1577872800.000300"}]`,
		"mpdm-alice--bob--carol-1/2020-01-01.json": `[{"type": "message", "user": "U3", "text": "the three of us", "ts": "1577872800.000400",
  "reactions": [{"name": "tada", "users": ["U1"], "count": 1}]}]`,
		"files/F1/notes.txt": FileBody,
	}
}

// Counts of the standard fixture, as the import report gives them: users
// created (alice maps to an existing account when AdminEmail has one),
// chats, messages, thread replies, reactions, files.
const (
	Chats     = 5
	Messages  = 10
	Replies   = 1
	Reactions = 3
	FilesIn   = 1
)

// Write writes files as a zip at path.
func Write(path string, files Files) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			return err
		}
		if _, err := w.Write([]byte(body)); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
