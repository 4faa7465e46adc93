package bleve

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// The sort key is a document's time, chat type, chat, sender and id in one
// keyword with doc values: what the key cache gives every match (the
// permission check, the filters, the ranking, newest-first order and the
// facets). Its layouts, all still read (an index holds the keys of every
// version that wrote to it until it is rebuilt), <ms> being 13 hex digits
// of Unix milliseconds:
//
//  1. "<ms>:<chat type>:<chat>"
//  2. "<ms><letter><chat>" (chatTypeLetters)
//  3. "<ms><letter><chat>/<sender>"
//  4. "<ms><us><letter><chat>/<sender>/<id>", <us> being 3 decimal digits of
//     microseconds within the millisecond: the database keeps microseconds,
//     and messages of the same millisecond order, and filter, by their
//     exact time; the message id breaks ties in newest-first order.
//
// Keys sort by time to the millisecond across layouts (a key of the fourth
// sorts before the older layouts' keys of its millisecond: a digit where
// they have a letter), and to the microsecond within the fourth.
const keyLayout = 4

// The first layouts whose keys hold the sender and the message id.
const (
	senderLayout = 3
	idLayout     = 4
)

// sortKey writes the key of d in the current layout.
func sortKey(d search.Doc) string {
	us := max(d.CreatedAt.UnixMicro(), 0)
	return fmt.Sprintf("%013x%03d%c%d/%d/%d", us/1000, us%1000, chatTypeLetter(d.ChatType), d.ChatID, d.SenderID, d.ID)
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
	return docKey{us: ms * 1000, chat: chat, letter: chatTypeLetter(model.ChatType(parts[1])), layout: 1}
}

// docKey is a document's sort key, parsed: what the permission check, the
// client's filters, the ranking, the order and the facets need of a match.
type docKey struct {
	us     int64 // Unix microseconds (layouts before the fourth: milliseconds × 1000)
	chat   int64
	sender int64 // 0 in keys of the layouts before the sender was added
	id     int64 // the message; 0 in keys of the layouts before the fourth
	letter byte  // the chat type's (chatTypeLetters)
	layout uint8 // the layout the key was written in; 0: not a key
}

func (k docKey) chatType() string { return chatTypeOfLetter(k.letter) }

// parseDocKey reads a sort key of any layout (see keyLayout); what is not a
// key gives chat 0, which no scope holds. The layouts with a letter are
// parsed in place, without allocating: 1M keys are read in under a second.
func parseDocKey(sk []byte) docKey {
	if len(sk) < 15 {
		return docKey{}
	}
	if sk[13] == ':' {
		return parseFirstLayout(string(sk))
	}
	ms, ok := hex(sk[:13])
	if !ok {
		return docKey{}
	}
	k, rest := docKey{us: ms * 1000, layout: 2}, sk[13:]
	if rest[0] >= '0' && rest[0] <= '9' {
		sub, ok := decimal(rest[:min(3, len(rest))])
		if !ok || len(rest) < 5 {
			return docKey{}
		}
		k.us, k.layout, rest = k.us+sub, 4, rest[3:]
	}
	k.letter, rest = rest[0], rest[1:]
	// Then the chat; from the third layout on "/<sender>", in the fourth
	// "/<id>" after it.
	fields := [3]*int64{&k.chat, &k.sender, &k.id}
	n := 0
	for ; n < len(fields); n++ {
		part := rest
		if slash := bytes.IndexByte(rest, '/'); slash >= 0 {
			part, rest = rest[:slash], rest[slash+1:]
		} else {
			rest = nil
		}
		if *fields[n], ok = decimal(part); !ok {
			return docKey{}
		}
		if rest == nil {
			break
		}
	}
	switch {
	case rest != nil, k.layout == 4 && n != 2, k.layout == 2 && n == 2:
		return docKey{} // a field too many or too few for the layout
	case k.layout == 2 && n == 1:
		k.layout = 3
	}
	return k
}

// hex reads a run of lowercase hex digits.
func hex(b []byte) (int64, bool) {
	var v int64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | int64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
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
