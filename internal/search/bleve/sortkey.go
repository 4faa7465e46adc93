package bleve

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// sortKey orders by time (13 hex digits of milliseconds), then carries the
// chat type (one letter), the chat and, after a slash, the sender: what the
// key cache gives every match (the permission check, the filters, the
// ranking and the facets). Layouts written before, still read: the first
// "<ms>:<type>:<chat>", the second "<ms><letter><chat>" (no sender).
func sortKey(d search.Doc) string {
	return fmt.Sprintf("%013x%c%d/%d", max(d.CreatedAt.UnixMilli(), 0), chatTypeLetter(d.ChatType), d.ChatID, d.SenderID)
}

// chatTypeLetters maps chat types to their letter in a sort key.
var chatTypeLetters = map[model.ChatType]byte{
	model.ChatDirect: 'd', model.ChatGroup: 'g', model.ChatPrivateChannel: 'p', model.ChatPublicChannel: 'c',
}

func chatTypeLetter(t model.ChatType) byte {
	if l, ok := chatTypeLetters[t]; ok {
		return l
	}
	return 'x'
}

func chatTypeOfLetter(l byte) string {
	switch l { // a switch, not a walk of chatTypeLetters: it runs per match
	case 'd':
		return string(model.ChatDirect)
	case 'g':
		return string(model.ChatGroup)
	case 'p':
		return string(model.ChatPrivateChannel)
	case 'c':
		return string(model.ChatPublicChannel)
	}
	return ""
}

// parseFirstLayout reads a key of the first layout, "<ms>:<type>:<chat>".
func parseFirstLayout(k string) docKey {
	parts := strings.SplitN(k, ":", 3)
	if len(parts) != 3 {
		return docKey{}
	}
	ms, err1 := strconv.ParseInt(parts[0], 16, 64)
	chat, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return docKey{}
	}
	return docKey{ms: ms, chat: chat, letter: chatTypeLetter(model.ChatType(parts[1]))}
}

// docKey is a document's sort key, parsed: what the permission check, the
// client's filters, the ranking and the facets need of a match.
type docKey struct {
	ms     int64
	chat   int64
	sender int64 // 0 in keys of the layouts before the sender was added
	letter byte  // the chat type's (chatTypeLetters)
}

func (k docKey) chatType() string { return chatTypeOfLetter(k.letter) }

// parseDocKey reads a sort key of any layout (see sortKey); what is not a
// key gives chat 0, which no scope holds. The layouts with a letter are
// parsed in place, without allocating: 1M keys are read in under a second.
func parseDocKey(sk []byte) docKey {
	if len(sk) < 15 {
		return docKey{}
	}
	if sk[13] == ':' {
		return parseFirstLayout(string(sk))
	}
	var k docKey
	for _, c := range sk[:13] {
		switch {
		case c >= '0' && c <= '9':
			k.ms = k.ms<<4 | int64(c-'0')
		case c >= 'a' && c <= 'f':
			k.ms = k.ms<<4 | int64(c-'a'+10)
		default:
			return docKey{}
		}
	}
	k.letter = sk[13]
	rest := sk[14:]
	if slash := bytes.IndexByte(rest, '/'); slash >= 0 {
		var ok bool
		if k.sender, ok = decimal(rest[slash+1:]); !ok {
			return docKey{}
		}
		rest = rest[:slash]
	}
	var ok bool
	if k.chat, ok = decimal(rest); !ok {
		return docKey{}
	}
	return k
}

// decimal reads a non-empty run of digits.
func decimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}
