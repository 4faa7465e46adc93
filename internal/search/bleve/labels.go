package bleve

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/blevesearch/bleve/v2"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// labelCache keeps the names that facets and hits show (chat names, sender
// names) and the workspace settings in the index's internal key-value
// store, with a read-through cache. Chat names live here rather than in
// every document so that a rename is one write, not a rewrite of the chat.
type labelCache struct {
	idx      bleve.Index
	mu       sync.RWMutex
	chats    map[int64]chatLabel
	senders  map[int64]string
	settings map[int64]search.Settings
	// wsChats are the chats of each workspace that have documents (a
	// superset: deleting a chat's documents does not remove it).
	wsChats map[int64]map[int64]bool
}

type chatLabel struct {
	Type model.ChatType `json:"t"`
	Name string         `json:"n"`
}

func newLabelCache(idx bleve.Index) *labelCache {
	return &labelCache{idx: idx, chats: map[int64]chatLabel{}, senders: map[int64]string{}, settings: map[int64]search.Settings{}, wsChats: map[int64]map[int64]bool{}}
}

func chatKey(id int64) []byte     { return []byte("chat:" + strconv.FormatInt(id, 10)) }
func senderKey(id int64) []byte   { return []byte("user:" + strconv.FormatInt(id, 10)) }
func settingsKey(id int64) []byte { return []byte("settings:" + strconv.FormatInt(id, 10)) }
func wsChatsKey(id int64) []byte  { return []byte("wschats:" + strconv.FormatInt(id, 10)) }

// stage adds to b the label writes that docs need (only changed labels) and
// returns a function to call once b is applied (or failed).
func (l *labelCache) stage(b *bleve.Batch, docs []search.Doc) func(applied bool) {
	chats, senders := map[int64]chatLabel{}, map[int64]string{}
	for _, d := range docs {
		if c := (chatLabel{Type: d.ChatType, Name: d.ChatName}); l.chat(d.ChatID) != c {
			chats[d.ChatID] = c
		}
		if n := senderLabel(d); l.sender(d.SenderID) != n {
			senders[d.SenderID] = n
		}
	}
	for id, c := range chats {
		v, _ := json.Marshal(c) // a struct of strings always marshals
		b.SetInternal(chatKey(id), v)
	}
	for id, n := range senders {
		b.SetInternal(senderKey(id), []byte(n))
	}
	newChats := l.stageWorkspaceChats(b, docs)
	// The grown chat sets are published before the batch is applied: the
	// permission filter excludes "known chats the caller may not read", so
	// a set that lags behind searchable documents would let a new chat's
	// messages through, while a set ahead of them excludes nothing wrongly.
	l.mu.Lock()
	for ws, set := range newChats {
		l.wsChats[ws] = set
	}
	l.mu.Unlock()
	return func(applied bool) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if !applied {
			// The stored sets did not change: read them again next time.
			for ws := range newChats {
				delete(l.wsChats, ws)
			}
			return
		}
		for id, c := range chats {
			l.chats[id] = c
		}
		for id, n := range senders {
			l.senders[id] = n
		}
	}
}

// stageWorkspaceChats records chats seen for the first time in their
// workspace's chat set; it returns the new sets for the cache.
func (l *labelCache) stageWorkspaceChats(b *bleve.Batch, docs []search.Doc) map[int64]map[int64]bool {
	out := map[int64]map[int64]bool{}
	for _, d := range docs {
		set, ok := out[d.WorkspaceID]
		if !ok {
			var complete bool
			if set, complete = l.workspaceChats(d.WorkspaceID); !complete {
				continue // never write a set that may miss chats
			}
		}
		if set[d.ChatID] {
			continue
		}
		if !ok {
			set = maps.Clone(set)
			out[d.WorkspaceID] = set
		}
		set[d.ChatID] = true
	}
	for ws, set := range out {
		v, _ := json.Marshal(slices.Collect(maps.Keys(set)))
		b.SetInternal(wsChatsKey(ws), v)
	}
	return out
}

// workspaceChats returns the set of chats with documents in a workspace
// (shared: do not modify). complete is false when the stored set could not
// be read: then it must not be used to exclude chats.
func (l *labelCache) workspaceChats(ws int64) (set map[int64]bool, complete bool) {
	l.mu.RLock()
	set, ok := l.wsChats[ws]
	l.mu.RUnlock()
	if ok {
		return set, true
	}
	v, err := l.idx.GetInternal(wsChatsKey(ws))
	if err != nil {
		return map[int64]bool{}, false
	}
	var list []int64
	if v != nil {
		if err := json.Unmarshal(v, &list); err != nil {
			return map[int64]bool{}, false
		}
	}
	set = make(map[int64]bool, len(list))
	for _, c := range list {
		set[c] = true
	}
	l.mu.Lock()
	l.wsChats[ws] = set
	l.mu.Unlock()
	return set, true
}

func senderLabel(d search.Doc) string {
	if d.SenderName != "" {
		return d.SenderName
	}
	return d.SenderUsername
}

// chat returns a chat's label, loading it on a cache miss.
func (l *labelCache) chat(id int64) chatLabel {
	l.mu.RLock()
	c, ok := l.chats[id]
	l.mu.RUnlock()
	if ok {
		return c
	}
	if v, err := l.idx.GetInternal(chatKey(id)); err == nil && v != nil {
		_ = json.Unmarshal(v, &c) // a bad entry reads as no label
	}
	l.mu.Lock()
	l.chats[id] = c
	l.mu.Unlock()
	return c
}

// sender returns a sender's label, loading it on a cache miss.
func (l *labelCache) sender(id int64) string {
	l.mu.RLock()
	n, ok := l.senders[id]
	l.mu.RUnlock()
	if ok {
		return n
	}
	if v, err := l.idx.GetInternal(senderKey(id)); err == nil {
		n = string(v)
	}
	l.mu.Lock()
	l.senders[id] = n
	l.mu.Unlock()
	return n
}

// setChat stores a chat's label now.
func (l *labelCache) setChat(c search.ChatInfo) error {
	v, _ := json.Marshal(chatLabel{Type: c.Type, Name: c.Name})
	if err := l.idx.SetInternal(chatKey(c.ID), v); err != nil {
		return fmt.Errorf("store chat label: %w", err)
	}
	l.mu.Lock()
	l.chats[c.ID] = chatLabel{Type: c.Type, Name: c.Name}
	l.mu.Unlock()
	return nil
}

// loadSettings returns a workspace's settings (defaults when none stored).
func (l *labelCache) loadSettings(ws int64) (search.Settings, error) {
	l.mu.RLock()
	s, ok := l.settings[ws]
	l.mu.RUnlock()
	if ok {
		return s, nil
	}
	s = search.DefaultSettings()
	v, err := l.idx.GetInternal(settingsKey(ws))
	if err != nil {
		return s, fmt.Errorf("load settings: %w", err)
	}
	if v != nil {
		if err := json.Unmarshal(v, &s); err != nil {
			return search.DefaultSettings(), fmt.Errorf("decode settings: %w", err)
		}
	}
	l.mu.Lock()
	l.settings[ws] = s
	l.mu.Unlock()
	return s, nil
}

func (l *labelCache) storeSettings(ws int64, s search.Settings) error {
	v, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode settings: %w", err)
	}
	if err := l.idx.SetInternal(settingsKey(ws), v); err != nil {
		return fmt.Errorf("store settings: %w", err)
	}
	l.mu.Lock()
	l.settings[ws] = s
	l.mu.Unlock()
	return nil
}
