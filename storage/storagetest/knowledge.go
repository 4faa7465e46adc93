package storagetest

import (
	"context"
	"slices"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func knowledgeTests() []leaf {
	return []leaf{
		{"Documents", testKnowledgeDocuments},
		{"Embeddings", testKnowledgeEmbeddings},
	}
}

func testKnowledgeDocuments(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann := newUser(t, s, "ann")
	w := newWorkspace(t, s, ann, "Acme")
	other := newWorkspace(t, s, ann, "Other")
	d := model.KnowledgeDocument{WorkspaceID: w.ID, Title: "Handbook", Format: "markdown", Bytes: 12, CreatedBy: ann.ID, CreatedAt: ts(1)}
	noErr(t, s.CreateKnowledgeDocument(ctx, &d, []string{"one", "two", "three"}), "create")
	if d.ID == 0 || d.Chunks != 3 {
		t.Fatalf("created = %+v", d)
	}
	o := model.KnowledgeDocument{WorkspaceID: other.ID, Title: "Secret", Format: "text", Bytes: 3, CreatedBy: ann.ID}
	noErr(t, s.CreateKnowledgeDocument(ctx, &o, []string{"hidden"}), "create in other")
	missing := model.KnowledgeDocument{WorkspaceID: w.ID + 1000, Title: "x", Format: "text", CreatedBy: ann.ID}
	wantErr(t, s.CreateKnowledgeDocument(ctx, &missing, []string{"x"}), storage.ErrNotFound, "missing workspace")
	list, err := s.KnowledgeDocuments(ctx, w.ID, "m")
	noErr(t, err, "list")
	if len(list) != 1 || list[0].Title != "Handbook" || list[0].Chunks != 3 || list[0].Embedded != 0 || list[0].Format != "markdown" {
		t.Fatalf("list = %+v", list)
	}
	sameTime(t, list[0].CreatedAt, ts(1), "created_at")
	chunks, err := s.KnowledgeChunks(ctx, w.ID, d.ID)
	noErr(t, err, "chunks")
	if len(chunks) != 3 || chunks[0].Text != "one" || chunks[2].Seq != 2 || chunks[1].DocumentID != d.ID {
		t.Fatalf("chunks = %+v", chunks)
	}
	if got, _ := s.KnowledgeChunks(ctx, other.ID, d.ID); len(got) != 0 {
		t.Fatalf("chunks through another workspace = %+v", got)
	}
	oc, _ := s.KnowledgeChunks(ctx, other.ID, o.ID)
	byID, err := s.KnowledgeChunksByID(ctx, w.ID, []int64{chunks[0].ID, oc[0].ID})
	noErr(t, err, "by id")
	if len(byID) != 1 || byID[0].ID != chunks[0].ID {
		t.Fatalf("by id across workspaces = %+v", byID)
	}
	wantErr(t, s.DeleteKnowledgeDocument(ctx, other.ID, d.ID), storage.ErrNotFound, "delete through another workspace")
	noErr(t, s.DeleteKnowledgeDocument(ctx, w.ID, d.ID), "delete")
	wantErr(t, s.DeleteKnowledgeDocument(ctx, w.ID, d.ID), storage.ErrNotFound, "delete twice")
	if got, _ := s.KnowledgeChunksByID(ctx, w.ID, []int64{chunks[0].ID}); len(got) != 0 {
		t.Fatalf("chunks outlived their document: %+v", got)
	}
}

func testKnowledgeEmbeddings(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann := newUser(t, s, "ann")
	w := newWorkspace(t, s, ann, "Acme")
	d := model.KnowledgeDocument{WorkspaceID: w.ID, Title: "Doc", Format: "text", CreatedBy: ann.ID}
	noErr(t, s.CreateKnowledgeDocument(ctx, &d, []string{"a", "b"}), "create")
	pending, err := s.ChunksToEmbed(ctx, "m1", 10)
	noErr(t, err, "to embed")
	if len(pending) != 2 {
		t.Fatalf("to embed = %+v", pending)
	}
	vec := []float32{0.5, -1.25, 3}
	noErr(t, s.PutKnowledgeEmbedding(ctx, pending[0].ID, "m1", vec), "put")
	noErr(t, s.PutKnowledgeEmbedding(ctx, pending[0].ID+1000, "m1", vec), "put on a missing chunk")
	if pending, _ = s.ChunksToEmbed(ctx, "m1", 10); len(pending) != 1 {
		t.Fatalf("after one embedded = %+v", pending)
	}
	if pending, _ = s.ChunksToEmbed(ctx, "m2", 10); len(pending) != 2 {
		t.Fatalf("another model wants both: %+v", pending)
	}
	emb, err := s.KnowledgeEmbeddings(ctx, w.ID, "m1")
	noErr(t, err, "embeddings")
	if len(emb) != 1 || emb[0].DocumentID != d.ID || !slices.Equal(emb[0].Embedding, vec) {
		t.Fatalf("embeddings = %+v", emb)
	}
	if list, _ := s.KnowledgeDocuments(ctx, w.ID, "m1"); len(list) != 1 || list[0].Embedded != 1 {
		t.Fatalf("list = %+v", list)
	}
}
