package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/meilisearch/meilisearch-go"
)

// The kinds of document write.
const (
	meiliOpUpsert          = "upsert"
	meiliOpDelete          = "delete"
	meiliOpDeleteChat      = "delete_chat"
	meiliOpDeleteWorkspace = "delete_workspace"
	meiliOpRenameChat      = "rename_chat"
)

// meiliWriteOp is one document write, kept as data so that a retry can be sent
// again and trimmed of what later writes superseded.
type meiliWriteOp struct {
	kind string
	ws   int64
	seq  int64      // enqueue order, set by the tracker
	docs []meiliDoc // upsert
	ids  []int64    // delete; rename: the documents to patch
	chat ChatInfo   // delete_chat (ID), rename_chat
}

// size is how many items the write carries, for logs.
func (op *meiliWriteOp) size() int { return max(len(op.docs)+len(op.ids), 1) }

// missingIndexOK reports whether index_not_found means there was nothing
// to do (every write but an upsert, which creates its index).
func (op *meiliWriteOp) missingIndexOK() bool { return op.kind != meiliOpUpsert }

// submit enqueues a write in Meilisearch.
func (m *Meili) submit(ctx context.Context, op *meiliWriteOp) (*meilisearch.TaskInfo, error) {
	idx := m.client.Index(m.indexUID(op.ws))
	switch op.kind {
	case meiliOpUpsert:
		pk := "id"
		return idx.AddDocuments(ctx, op.docs, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	case meiliOpDelete:
		ids := make([]string, len(op.ids))
		for i, id := range op.ids {
			ids[i] = strconv.FormatInt(id, 10)
		}
		return idx.DeleteDocuments(ctx, ids, nil)
	case meiliOpDeleteChat:
		return idx.DeleteDocumentsByFilter(ctx, fmt.Sprintf("workspace_id = %d AND chat_id = %d", op.ws, op.chat.ID), nil)
	case meiliOpDeleteWorkspace:
		return idx.DeleteAllDocuments(ctx, nil)
	case meiliOpRenameChat:
		return idx.UpdateDocuments(ctx, meiliRenamePatch(op.chat, op.ids), &meilisearch.DocumentOptions{SkipCreation: true})
	}
	return nil, fmt.Errorf("unknown write %q", op.kind)
}

// meiliChatPatch is the partial update a rename applies to each document.
type meiliChatPatch struct {
	ID        int64  `json:"id"`
	ChatType  string `json:"chat_type"`
	ChatName  string `json:"chat_name"`
	ChatFacet string `json:"chat_facet"`
}

func meiliRenamePatch(c ChatInfo, ids []int64) []meiliChatPatch {
	out := make([]meiliChatPatch, len(ids))
	for i, id := range ids {
		out[i] = meiliChatPatch{ID: id, ChatType: string(c.Type), ChatName: c.Name, ChatFacet: meiliFacetValue(c.ID, c.Name)}
	}
	return out
}

// without returns op less what the later writes superseded, or nil when
// nothing is left to do. Later deletes and upserts of a document win over
// an older upsert of it; a later rename is applied to the older upsert's
// documents; a later rename or deletion of the chat cancels an older
// rename.
func (op *meiliWriteOp) without(later []*meiliWriteOp) *meiliWriteOp {
	out := *op
	switch op.kind {
	case meiliOpUpsert:
		out.docs = meiliSupersedeDocs(op.docs, later)
		if len(out.docs) == 0 {
			return nil
		}
	case meiliOpDelete:
		out.ids = slices.DeleteFunc(slices.Clone(op.ids), func(id int64) bool { return meiliUpsertedLater(id, later) })
		if len(out.ids) == 0 {
			return nil
		}
	case meiliOpRenameChat:
		for _, l := range later {
			if l.kind == meiliOpDeleteWorkspace || (l.kind == meiliOpRenameChat || l.kind == meiliOpDeleteChat) && l.chat.ID == op.chat.ID {
				return nil
			}
		}
	}
	return &out
}

func meiliSupersedeDocs(docs []meiliDoc, later []*meiliWriteOp) []meiliDoc {
	var out []meiliDoc
	for _, d := range docs {
		if gone := meiliTouchedLater(d, later); !gone {
			out = append(out, meiliRenamedLater(d, later))
		}
	}
	return out
}

// meiliTouchedLater reports whether a later write replaced or removed d.
func meiliTouchedLater(d meiliDoc, later []*meiliWriteOp) bool {
	for _, l := range later {
		switch l.kind {
		case meiliOpDeleteWorkspace:
			return true
		case meiliOpDeleteChat:
			if l.chat.ID == d.ChatID {
				return true
			}
		case meiliOpDelete:
			if slices.Contains(l.ids, d.ID) {
				return true
			}
		case meiliOpUpsert:
			if slices.ContainsFunc(l.docs, func(x meiliDoc) bool { return x.ID == d.ID }) {
				return true
			}
		}
	}
	return false
}

// meiliRenamedLater applies the latest later rename of d's chat.
func meiliRenamedLater(d meiliDoc, later []*meiliWriteOp) meiliDoc {
	for _, l := range later {
		if l.kind == meiliOpRenameChat && l.chat.ID == d.ChatID {
			d.ChatName, d.ChatType, d.ChatFacet = l.chat.Name, string(l.chat.Type), meiliFacetValue(l.chat.ID, l.chat.Name)
		}
	}
	return d
}

func meiliUpsertedLater(id int64, later []*meiliWriteOp) bool {
	for _, l := range later {
		if l.kind == meiliOpUpsert && slices.ContainsFunc(l.docs, func(x meiliDoc) bool { return x.ID == id }) {
			return true
		}
	}
	return false
}
