package assistant

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

// TestKnowledge: the knowledge base and retrieval, with embeddings, on
// both engines. What reaches the model is read from the stub's record.
func TestKnowledge(t *testing.T) {
	for _, engine := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			stub := newStubModel(t, "Here is what I found.")
			tm := startTeam(t, engine.dbURL(t), append(modelEnv(stub), "FECHATTER_BOT__EMBEDDING_MODEL=stub-embed")...)
			t.Run("CRUD and authorization", func(t *testing.T) { testKnowledgeCRUD(t, tm) })
			t.Run("fusion of BM25 and vectors", func(t *testing.T) { testFusion(t, tm, stub) })
			t.Run("another workspace never reaches the model", func(t *testing.T) { testKnowledgeWorkspaces(t, tm, stub) })
			t.Run("messages only from readable chats, cited", func(t *testing.T) { testMessageRetrieval(t, tm, stub) })
			t.Run("embeddings failing leave BM25", func(t *testing.T) { testEmbeddingsDown(t, tm, stub) })
		})
	}
}

func testKnowledgeCRUD(t *testing.T, tm *team) {
	doc := client.DocumentInput{Title: "Handbook", Text: "New hires get a laptop on day one."}
	if _, err := tm.bob.AddKnowledgeDocument(ctx, tm.ws.ID, doc); !client.IsForbidden(err) {
		t.Fatalf("a member added a document: %v", err)
	}
	for _, bad := range []client.DocumentInput{
		{Title: "", Text: "x"},
		{Title: "t", Text: "  "},
		{Title: "t", Text: "x", Format: "pdf"},
	} {
		if _, err := tm.ann.AddKnowledgeDocument(ctx, tm.ws.ID, bad); !client.IsInvalid(err) {
			t.Errorf("%+v: %v, want invalid", bad, err)
		}
	}
	if _, err := tm.ann.AddKnowledgeDocument(ctx, tm.ws.ID, client.DocumentInput{Title: "big", Text: strings.Repeat("a ", 600_000)}); client.StatusOf(err) != http.StatusRequestEntityTooLarge {
		t.Errorf("a document over 1 MiB: %v, want 413", err)
	}
	d, err := tm.ann.UploadKnowledgeDocument(ctx, tm.ws.ID, "Onboarding.md", strings.NewReader("# Onboarding\n\nNew hires get a laptop on day one."))
	must(t, err)
	if d.Title != "Onboarding" || d.Format != "markdown" || d.Chunks != 1 {
		t.Fatalf("uploaded = %+v", d)
	}
	list, err := tm.bob.KnowledgeDocuments(ctx, tm.ws.ID)
	must(t, err)
	if len(list) != 1 || list[0].ID != d.ID {
		t.Fatalf("a member's list = %+v", list)
	}
	if err := tm.bob.DeleteKnowledgeDocument(ctx, tm.ws.ID, d.ID); !client.IsForbidden(err) {
		t.Fatalf("a member deleted a document: %v", err)
	}
	must(t, tm.ann.DeleteKnowledgeDocument(ctx, tm.ws.ID, d.ID))
	if err := tm.ann.DeleteKnowledgeDocument(ctx, tm.ws.ID, d.ID); !client.IsNotFound(err) {
		t.Fatalf("delete twice: %v", err)
	}
	stranger := client.New(tm.srv.URL())
	_, err = stranger.SignUp(ctx, client.SignUpInput{Email: "dan@example.com", Password: password, Username: "dan", DisplayName: "Dan"})
	if err == nil {
		if _, err := stranger.KnowledgeDocuments(ctx, tm.ws.ID); !client.IsNotFound(err) && !client.IsForbidden(err) {
			t.Fatalf("a non-member listed the documents: %v", err)
		}
	}
}

// embedded waits until every document of the workspace is embedded.
func embedded(t *testing.T, c *client.Client, wsID int64) {
	t.Helper()
	testproc.Eventually(t, wait, func() error {
		docs, err := c.KnowledgeDocuments(ctx, wsID)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if d.Embedded != d.Chunks {
				return fmt.Errorf("%q: %d of %d chunks embedded", d.Title, d.Embedded, d.Chunks)
			}
		}
		return nil
	})
}

// testFusion: "animal" shares no word with the mascot document, only a
// concept (the stub's embeddings), while "stripes" is a word of the dress
// code: both reach the model, so the two lists were merged.
func testFusion(t *testing.T, tm *team, stub *stubModel) {
	_, err := tm.ann.AddKnowledgeDocument(ctx, tm.ws.ID, client.DocumentInput{Title: "Mascot", Text: "Our mascot is a zebra called Ziggy."})
	must(t, err)
	_, err = tm.ann.AddKnowledgeDocument(ctx, tm.ws.ID, client.DocumentInput{Title: "Dress code", Format: "markdown", Text: "**Stripes** are welcome on Fridays."})
	must(t, err)
	embedded(t, tm.ann, tm.ws.ID)
	trigger := send(t, tm.bob, tm.general.ID, "/ask which animal wears stripes?")
	reply := settledReply(t, tm.bob, trigger)
	body := requestWith(t, stub, "which animal wears stripes?")
	for _, want := range []string{"Our mascot is a zebra called Ziggy.", "**Stripes** are welcome on Fridays."} {
		if !strings.Contains(body, want) {
			t.Errorf("%q did not reach the model:\n%s", want, body)
		}
	}
	for _, want := range []string{"Sources:", "Mascot (knowledge base)", "Dress code (knowledge base)"} {
		if !strings.Contains(reply.Content, want) {
			t.Errorf("the reply does not cite %q: %q", want, reply.Content)
		}
	}
}

// testKnowledgeWorkspaces: a document of workspace B never reaches a
// question in workspace A, even from a member of both, by words or by
// vectors; asked in B, it does.
func testKnowledgeWorkspaces(t *testing.T, tm *team, stub *stubModel) {
	beta, err := tm.ann.CreateWorkspace(ctx, "Beta")
	must(t, err)
	_, err = tm.ann.AddKnowledgeDocument(ctx, beta.ID, client.DocumentInput{Title: "Beta secrets", Text: "The launch codename is blueheron; our zebra animal is Zorro."})
	must(t, err)
	embedded(t, tm.ann, beta.ID)
	betaChat, _, err := tm.ann.CreateChat(ctx, beta.ID, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "beta-general"})
	must(t, err)
	send(t, tm.ann, betaChat.ID, "remember: the launch codename is blueheron")
	searchable(t, tm.ann, beta.ID, "blueheron")

	ask := send(t, tm.ann, tm.general.ID, "@assistant what is the launch codename of the zebra animal?")
	settledReply(t, tm.ann, ask)
	requestWith(t, stub, "what is the launch codename of the zebra animal?")
	for _, b := range stub.bodies() {
		if strings.Contains(b, "blueheron") {
			t.Fatalf("workspace Beta's text reached a question in Acme:\n%s", b)
		}
	}
	inBeta := send(t, tm.ann, betaChat.ID, "@assistant in Beta, what is the launch codename?")
	settledReply(t, tm.ann, inBeta)
	if b := requestWith(t, stub, "in Beta, what is the launch codename?"); !strings.Contains(b, "The launch codename is blueheron") {
		t.Fatalf("Beta's own document did not reach a question in Beta:\n%s", b)
	}
}

// searchable waits until c finds text by search in a workspace.
func searchable(t *testing.T, c *client.Client, wsID int64, text string) {
	t.Helper()
	testproc.Eventually(t, wait, func() error {
		res, err := c.Search(ctx, wsID, client.SearchParams{Query: text + " "})
		if err != nil {
			return err
		}
		if len(res.Hits) == 0 {
			return fmt.Errorf("%q not searchable yet", text)
		}
		return nil
	})
}

// testMessageRetrieval: a message of a chat bob cannot read never reaches
// his question; one from another chat he is in does, and is cited by its
// link in the web app.
func testMessageRetrieval(t *testing.T, tm *team, stub *stubModel) {
	vault := tm.newChat(t, tm.ann, model.ChatPrivateChannel, "vault", tm.cat)
	send(t, tm.cat, vault.ID, "the vault codeword is swordfish-4711")
	random := tm.newChat(t, tm.ann, model.ChatPublicChannel, "lounge", tm.bob)
	seen := send(t, tm.ann, random.ID, "the lobby codeword is tulip-99")
	searchable(t, tm.cat, tm.ws.ID, "swordfish")
	searchable(t, tm.bob, tm.ws.ID, "tulip")

	ask := send(t, tm.bob, tm.general.ID, "/ask what is the codeword?")
	reply := settledReply(t, tm.bob, ask)
	body := requestWith(t, stub, "what is the codeword?")
	for _, b := range stub.bodies() {
		if strings.Contains(b, "swordfish-4711") {
			t.Fatalf("a message from a chat bob cannot read reached the model:\n%s", b)
		}
	}
	if !strings.Contains(body, "the lobby codeword is tulip-99") {
		t.Fatalf("bob's readable message did not reach the model:\n%s", body)
	}
	link := "/w/" + strconv.FormatInt(tm.ws.ID, 10) + "/c/" + strconv.FormatInt(random.ID, 10) + "?seq=" + strconv.FormatInt(seen.Seq, 10)
	if !strings.Contains(reply.Content, "Sources:") || !strings.Contains(reply.Content, link) {
		t.Fatalf("the reply does not cite %s: %q", link, reply.Content)
	}
	// cat, who is in the vault, gets its message.
	own := send(t, tm.cat, tm.general.ID, "/ask which vault codeword?")
	settledReply(t, tm.cat, own)
	if b := requestWith(t, stub, "which vault codeword?"); !strings.Contains(b, "swordfish-4711") {
		t.Fatalf("cat's readable message did not reach the model:\n%s", b)
	}
}

// testEmbeddingsDown: with the embeddings endpoint failing, a new
// document is not embedded, and a question is answered from keywords.
func testEmbeddingsDown(t *testing.T, tm *team, stub *stubModel) {
	stub.set(func(s *stubModel) { s.embedStatus = http.StatusInternalServerError })
	defer stub.set(func(s *stubModel) { s.embedStatus = http.StatusOK })
	d, err := tm.ann.AddKnowledgeDocument(ctx, tm.ws.ID, client.DocumentInput{Title: "Parking", Text: "Parking permits are renewed every March."})
	must(t, err)
	ask := send(t, tm.bob, tm.general.ID, "/ask when are parking permits renewed?")
	reply := settledReply(t, tm.bob, ask)
	if b := requestWith(t, stub, "when are parking permits renewed?"); !strings.Contains(b, "Parking permits are renewed every March.") {
		t.Fatalf("keyword retrieval did not work without embeddings:\n%s", b)
	}
	if answerOf(reply.Content) != "Here is what I found." || !strings.Contains(reply.Content, "Parking (knowledge base)") {
		t.Fatalf("reply = %q", reply.Content)
	}
	docs, err := tm.ann.KnowledgeDocuments(ctx, tm.ws.ID)
	must(t, err)
	for _, x := range docs {
		if x.ID == d.ID && x.Embedded != 0 {
			t.Fatalf("embedded by a failing endpoint: %+v", x)
		}
	}
}
