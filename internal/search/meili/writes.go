package meili

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/meilisearch/meilisearch-go"

	"github.com/fechatter/fechatter/internal/search"
)

// renameBatch is how many documents one rename request updates.
const renameBatch = 1000

// Upsert enqueues the documents, one task per workspace, and returns
// without waiting for Meilisearch to index them (see Engine).
func (m *Engine) Upsert(ctx context.Context, docs []search.Doc) error {
	if err := m.checkOpen(); err != nil {
		return err
	}
	groups, order, err := groupByWorkspace(docs)
	if err != nil {
		return err
	}
	for _, ws := range order {
		if _, err := m.ensureIndex(ctx, ws); err != nil {
			return err
		}
		if err := m.tasks.enqueue(ctx, &writeOp{kind: opUpsert, ws: ws, docs: groups[ws]}); err != nil {
			return err
		}
	}
	return nil
}

// groupByWorkspace converts and groups documents, keeping first-seen order.
func groupByWorkspace(docs []search.Doc) (map[int64][]document, []int64, error) {
	groups := map[int64][]document{}
	var order []int64
	for _, d := range docs {
		if d.ID <= 0 || d.WorkspaceID <= 0 {
			return nil, nil, fmt.Errorf("meilisearch upsert: document %d of workspace %d: ids must be positive", d.ID, d.WorkspaceID)
		}
		if _, ok := groups[d.WorkspaceID]; !ok {
			order = append(order, d.WorkspaceID)
		}
		groups[d.WorkspaceID] = append(groups[d.WorkspaceID], toMeiliDoc(d))
	}
	return groups, order, nil
}

// Delete enqueues the removal of messages from one workspace.
func (m *Engine) Delete(ctx context.Context, workspaceID int64, messageIDs []int64) error {
	if len(messageIDs) == 0 {
		return m.checkOpen()
	}
	return m.enqueueIfIndexed(ctx, &writeOp{kind: opDelete, ws: workspaceID, ids: slices.Clone(messageIDs)})
}

// DeleteChat enqueues the removal of every document of one chat.
func (m *Engine) DeleteChat(ctx context.Context, workspaceID, chatID int64) error {
	return m.enqueueIfIndexed(ctx, &writeOp{kind: opDeleteChat, ws: workspaceID, chat: search.ChatInfo{ID: chatID, WorkspaceID: workspaceID}})
}

// DeleteWorkspace enqueues the removal of every document of a workspace.
// The index and its settings stay, so a rebuild keeps the synonyms.
func (m *Engine) DeleteWorkspace(ctx context.Context, workspaceID int64) error {
	return m.enqueueIfIndexed(ctx, &writeOp{kind: opDeleteWorkspace, ws: workspaceID})
}

// enqueueIfIndexed enqueues a write on a workspace that has an index; one
// without an index has nothing to delete or rename.
func (m *Engine) enqueueIfIndexed(ctx context.Context, op *writeOp) error {
	if err := m.checkOpen(); err != nil {
		return err
	}
	ok, err := m.indexExists(ctx, op.ws)
	if err != nil || !ok {
		return err
	}
	return m.tasks.enqueue(ctx, op)
}

// UpdateChat renames a chat on all its documents: it lists their ids
// (after the workspace's writes in flight landed, so none is missed) and
// enqueues partial updates that never create a document deleted meanwhile
// (skipCreation).
func (m *Engine) UpdateChat(ctx context.Context, c search.ChatInfo) error {
	if err := m.checkOpen(); err != nil {
		return err
	}
	ok, err := m.indexExists(ctx, c.WorkspaceID)
	if err != nil || !ok {
		return err
	}
	if err := m.tasks.settle(ctx, c.WorkspaceID, m.cfg.SetupTimeout); err != nil {
		return fmt.Errorf("meilisearch rename chat %d: %w", c.ID, err)
	}
	ids, err := m.chatDocIDs(ctx, c)
	if err != nil {
		return err
	}
	for start := 0; start < len(ids); start += renameBatch {
		batch := ids[start:min(start+renameBatch, len(ids))]
		if err := m.tasks.enqueue(ctx, &writeOp{kind: opRenameChat, ws: c.WorkspaceID, chat: c, ids: batch}); err != nil {
			return err
		}
	}
	return nil
}

// chatDocIDs lists the ids of a chat's documents, a page at a time.
func (m *Engine) chatDocIDs(ctx context.Context, c search.ChatInfo) ([]int64, error) {
	idx := m.client.Index(m.indexUID(c.WorkspaceID))
	filter := fmt.Sprintf("workspace_id = %d AND chat_id = %d", c.WorkspaceID, c.ID)
	var ids []int64
	for {
		var res meilisearch.DocumentsResult
		q := &meilisearch.DocumentsQuery{Filter: filter, Fields: []string{"id"}, Limit: renameBatch, Offset: int64(len(ids))}
		if err := idx.GetDocuments(ctx, q, &res); err != nil {
			return nil, fmt.Errorf("meilisearch list chat %d: %w", c.ID, cleanErr(err))
		}
		for _, h := range res.Results {
			var id int64
			if err := json.Unmarshal(h["id"], &id); err != nil {
				return nil, fmt.Errorf("meilisearch list chat %d: document id: %w", c.ID, err)
			}
			ids = append(ids, id)
		}
		if len(res.Results) == 0 || int64(len(ids)) >= res.Total {
			return ids, nil
		}
	}
}

// Count is how many documents a workspace (0: all) has, after its writes
// in flight landed (bounded by ReadWait).
func (m *Engine) Count(ctx context.Context, workspaceID int64) (int, error) {
	if err := m.checkOpen(); err != nil {
		return 0, err
	}
	m.settleForRead(ctx, workspaceID)
	stats, err := m.client.GetStats(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("meilisearch stats: %w", cleanErr(err))
	}
	n := 0
	for uid, st := range stats.Indexes {
		if ws, ok := m.workspaceOf(uid); ok && (workspaceID == 0 || ws == workspaceID) {
			n += int(st.NumberOfDocuments)
		}
	}
	return n, nil
}

// settleForRead waits for the workspace's writes in flight, at most
// ReadWait; past it the read goes ahead on what Meilisearch has.
func (m *Engine) settleForRead(ctx context.Context, ws int64) {
	if err := m.tasks.settle(ctx, ws, m.cfg.ReadWait); err != nil {
		m.log.Debug("meilisearch: reading with writes in flight", "workspace_id", ws, "err", err)
	}
}
