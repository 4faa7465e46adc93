package meili

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/meilisearch/meilisearch-go"

	"github.com/fechatter/fechatter/internal/search"
)

// The kinds of document write.
const (
	opUpsert          = "upsert"
	opDelete          = "delete"
	opDeleteChat      = "delete_chat"
	opDeleteWorkspace = "delete_workspace"
	opRenameChat      = "rename_chat"
)

// writeOp is one document write, kept as data so that a retry can be sent
// again and trimmed of what later writes superseded.
type writeOp struct {
	kind string
	ws   int64
	seq  int64           // enqueue order, set by the tracker
	docs []document      // upsert
	ids  []int64         // delete; rename: the documents to patch
	chat search.ChatInfo // delete_chat (ID), rename_chat
}

// size is how many items the write carries, for logs.
func (op *writeOp) size() int { return max(len(op.docs)+len(op.ids), 1) }

// missingIndexOK reports whether index_not_found means there was nothing
// to do (every write but an upsert, which creates its index).
func (op *writeOp) missingIndexOK() bool { return op.kind != opUpsert }

// submit enqueues a write in Meilisearch.
func (m *Engine) submit(ctx context.Context, op *writeOp) (*meilisearch.TaskInfo, error) {
	idx := m.client.Index(m.indexUID(op.ws))
	switch op.kind {
	case opUpsert:
		pk := "id"
		return idx.AddDocuments(ctx, op.docs, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	case opDelete:
		ids := make([]string, len(op.ids))
		for i, id := range op.ids {
			ids[i] = strconv.FormatInt(id, 10)
		}
		return idx.DeleteDocuments(ctx, ids, nil)
	case opDeleteChat:
		return idx.DeleteDocumentsByFilter(ctx, fmt.Sprintf("workspace_id = %d AND chat_id = %d", op.ws, op.chat.ID), nil)
	case opDeleteWorkspace:
		return idx.DeleteAllDocuments(ctx, nil)
	case opRenameChat:
		return idx.UpdateDocuments(ctx, renamePatch(op.chat, op.ids), &meilisearch.DocumentOptions{SkipCreation: true})
	}
	return nil, fmt.Errorf("unknown write %q", op.kind)
}

// chatPatch is the partial update a rename applies to each document.
type chatPatch struct {
	ID        int64  `json:"id"`
	ChatType  string `json:"chat_type"`
	ChatName  string `json:"chat_name"`
	ChatFacet string `json:"chat_facet"`
}

func renamePatch(c search.ChatInfo, ids []int64) []chatPatch {
	out := make([]chatPatch, len(ids))
	for i, id := range ids {
		out[i] = chatPatch{ID: id, ChatType: string(c.Type), ChatName: c.Name, ChatFacet: facetValue(c.ID, c.Name)}
	}
	return out
}

// without returns op less what the later writes superseded, or nil when
// nothing is left to do. Later deletes and upserts of a document win over
// an older upsert of it; a later rename is applied to the older upsert's
// documents; a later rename or deletion of the chat cancels an older
// rename.
func (op *writeOp) without(later []*writeOp) *writeOp {
	out := *op
	switch op.kind {
	case opUpsert:
		out.docs = supersedeDocs(op.docs, later)
		if len(out.docs) == 0 {
			return nil
		}
	case opDelete:
		out.ids = slices.DeleteFunc(slices.Clone(op.ids), func(id int64) bool { return upsertedLater(id, later) })
		if len(out.ids) == 0 {
			return nil
		}
	case opRenameChat:
		for _, l := range later {
			if l.kind == opDeleteWorkspace || (l.kind == opRenameChat || l.kind == opDeleteChat) && l.chat.ID == op.chat.ID {
				return nil
			}
		}
	}
	return &out
}

func supersedeDocs(docs []document, later []*writeOp) []document {
	var out []document
	for _, d := range docs {
		if gone := touchedLater(d, later); !gone {
			out = append(out, renamedLater(d, later))
		}
	}
	return out
}

// touchedLater reports whether a later write replaced or removed d.
func touchedLater(d document, later []*writeOp) bool {
	for _, l := range later {
		switch l.kind {
		case opDeleteWorkspace:
			return true
		case opDeleteChat:
			if l.chat.ID == d.ChatID {
				return true
			}
		case opDelete:
			if slices.Contains(l.ids, d.ID) {
				return true
			}
		case opUpsert:
			if slices.ContainsFunc(l.docs, func(x document) bool { return x.ID == d.ID }) {
				return true
			}
		}
	}
	return false
}

// renamedLater applies the latest later rename of d's chat.
func renamedLater(d document, later []*writeOp) document {
	for _, l := range later {
		if l.kind == opRenameChat && l.chat.ID == d.ChatID {
			d.ChatName, d.ChatType, d.ChatFacet = l.chat.Name, string(l.chat.Type), facetValue(l.chat.ID, l.chat.Name)
		}
	}
	return d
}

func upsertedLater(id int64, later []*writeOp) bool {
	for _, l := range later {
		if l.kind == opUpsert && slices.ContainsFunc(l.docs, func(x document) bool { return x.ID == id }) {
			return true
		}
	}
	return false
}
