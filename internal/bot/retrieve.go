package bot

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// MessageSearcher is the permission-safe message search (search.Service):
// it only ever returns messages the user can read now, in that workspace.
type MessageSearcher interface {
	Search(ctx context.Context, userID, workspaceID int64, r search.Request) (search.Response, error)
}

// How much retrieval adds to a question.
const (
	knowledgeResults = 5  // chunks sent to the model
	messageResults   = 5  // messages sent to the model
	candidates       = 20 // of each ranked list before fusion
	maxSearchTerms   = 6  // keyword searches per question
	perTermResults   = 5
)

// source is one retrieved piece the model may cite: a knowledge chunk
// ([K1]…) or a message ([M1]…).
type source struct {
	tag   string // K1, M1, …
	title string // the document's title, or a message's place and author
	link  string // a message's link in the web app; empty for documents
	text  string
}

// retrieve gathers, for a question asked by userID in m's workspace, the
// best knowledge chunks of that workspace and the best messages userID
// can read. A failure of either is logged and leaves the other.
func (s *Service) retrieve(ctx context.Context, userID int64, m model.Message, question string) []source {
	var out []source
	chunks, err := s.searchKnowledge(ctx, m.WorkspaceID, question, knowledgeResults)
	if err != nil {
		s.log.Warn("knowledge retrieval failed", "error", err)
	}
	for i, c := range chunks {
		out = append(out, source{tag: "K" + strconv.Itoa(i+1), title: c.title, text: c.text})
	}
	msgs, err := s.searchMessages(ctx, userID, m, question, messageResults)
	if err != nil {
		s.log.Warn("message retrieval failed", "error", err)
	}
	for i, h := range msgs {
		out = append(out, source{
			tag:   "M" + strconv.Itoa(i+1),
			title: chatLabel(model.Chat{Type: h.Chat.Type, Name: h.Chat.Name}) + ", @" + h.Message.Sender.Username + ", " + h.Message.CreatedAt.UTC().Format("2006-01-02 15:04"),
			link:  s.messageLink(m.WorkspaceID, h.Message),
			text:  clip(h.Message.Content, chunkRunes),
		})
	}
	return out
}

// knowledgeHit is a chunk with its document's title.
type knowledgeHit struct {
	chunkID int64
	title   string
	text    string
}

// searchKnowledge returns the workspace's n best chunks for question: the
// BM25 list and, with embeddings on, the cosine list, fused by reciprocal
// rank. A failure to embed the question leaves BM25 alone.
func (s *Service) searchKnowledge(ctx context.Context, wsID int64, question string, n int) ([]knowledgeHit, error) {
	docs, err := s.knowledgeDocs(ctx, wsID)
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	var lists [][]int64
	if idx := s.kbIndex(); idx != nil {
		ids, err := idx.search(ctx, wsID, question, candidates)
		if err != nil {
			return nil, err
		}
		lists = append(lists, ids)
	}
	if s.embeddings() {
		if ids, err := s.nearestChunks(ctx, wsID, docs, question); err != nil {
			s.log.Warn("vector retrieval failed; keyword retrieval only", "error", err)
		} else {
			lists = append(lists, ids)
		}
	}
	ids := fuse(lists...)
	ids = ids[:min(n, len(ids))]
	chunks, err := s.store.KnowledgeChunksByID(ctx, wsID, ids)
	if err != nil {
		return nil, err
	}
	titles := make(map[int64]string, len(docs))
	for _, d := range docs {
		titles[d.ID] = d.Title
	}
	byID := make(map[int64]model.KnowledgeChunk, len(chunks))
	for _, c := range chunks {
		byID[c.ID] = c
	}
	out := make([]knowledgeHit, 0, len(ids))
	for _, id := range ids {
		if c, ok := byID[id]; ok && c.WorkspaceID == wsID {
			out = append(out, knowledgeHit{chunkID: id, title: titles[c.DocumentID], text: c.Text})
		}
	}
	return out, nil
}

// nearestChunks embeds the question and returns the most similar chunks.
func (s *Service) nearestChunks(ctx context.Context, wsID int64, docs []model.KnowledgeDocument, question string) ([]int64, error) {
	vs, err := s.vectors(ctx, wsID, docs)
	if err != nil || len(vs.ids) == 0 {
		return nil, err
	}
	mctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	q, err := s.model.embed(mctx, s.cfg.EmbeddingModel, []string{question})
	if err != nil {
		return nil, err
	}
	return vs.nearest(q[0], candidates), nil
}

// searchMessages finds messages userID can read now in m's workspace that
// share words with the question: one search per keyword (the search
// engine wants every word of a query), fused by reciprocal rank. The
// trigger and the assistant's own messages are left out.
func (s *Service) searchMessages(ctx context.Context, userID int64, m model.Message, question string, n int) ([]search.ResponseHit, error) {
	if s.cfg.Messages == nil {
		return nil, nil
	}
	hits := map[int64]search.ResponseHit{}
	var lists [][]int64
	for _, term := range keywords(question, maxSearchTerms) {
		// The trailing space: a whole word, not a prefix.
		res, err := s.cfg.Messages.Search(ctx, userID, m.WorkspaceID, search.Request{Text: term + " ", Limit: perTermResults})
		if err != nil {
			return nil, err
		}
		var ids []int64
		for _, h := range res.Hits {
			if h.Message.ID == m.ID || h.Message.Sender.IsBot || h.Message.WorkspaceID != m.WorkspaceID && h.Message.WorkspaceID != 0 {
				continue
			}
			hits[h.Message.ID] = h
			ids = append(ids, h.Message.ID)
		}
		lists = append(lists, ids)
	}
	ids := fuse(lists...)
	out := make([]search.ResponseHit, 0, min(n, len(ids)))
	for _, id := range ids[:min(n, len(ids))] {
		out = append(out, hits[id])
	}
	return out, nil
}

// stopWords are left out of message searches: they match everything.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the and for are but not you your with this that from have has had was were what when where which who whom why how can could would should will shall about into over under than then them they their there here our ours out its it's does did done doing been being also just only very any all some more most such same other these those tell know please want need like use used using get got make made say said ask asked question answer assistant`) {
		stopWords[w] = true
	}
}

// keywords returns up to n distinct words of text worth searching for:
// three letters or more, not stop words, longest first.
func keywords(text string, n int) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len([]rune(w)) < 3 || stopWords[w] || seen[w] || w == Username {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	// Longer words say more; keep the order of the text among equals.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && len(out[j]) > len(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out[:min(n, len(out))]
}

// messageLink is a message's address in the web app: /w/{ws}/c/{chat}?seq={seq}.
func (s *Service) messageLink(wsID int64, msg model.Message) string {
	base := "/"
	if s.cfg.PublicURL != nil {
		base = s.cfg.PublicURL()
	}
	return base + "w/" + itoa(wsID) + "/c/" + itoa(msg.ChatID) + "?seq=" + itoa(msg.Seq)
}

// retrievedContext renders the sources for the model.
func retrievedContext(srcs []source) string {
	var docs, msgs strings.Builder
	for _, s := range srcs {
		line := "[" + s.tag + "] " + s.title + ":\n" + s.text + "\n\n"
		if s.link == "" {
			docs.WriteString(line)
		} else {
			msgs.WriteString(line)
		}
	}
	var b strings.Builder
	if docs.Len() > 0 {
		b.WriteString("Excerpts from the workspace's knowledge base:\n\n" + docs.String())
	}
	if msgs.Len() > 0 {
		b.WriteString("Messages the asker can read that may be relevant:\n\n" + msgs.String())
	}
	if b.Len() > 0 {
		b.WriteString("Use these sources when they help, and cite the ones you use by their tag, like [K1] or [M2].\n\n")
	}
	return b.String()
}

var citeTag = regexp.MustCompile(`\[([KM]\d+)\]`)

// citations is the list that ends an answer: the sources the answer cites
// by tag, or all of them when it cites none.
func citations(answer string, srcs []source) string {
	if len(srcs) == 0 {
		return ""
	}
	cited := map[string]bool{}
	for _, m := range citeTag.FindAllStringSubmatch(answer, -1) {
		cited[m[1]] = true
	}
	var b strings.Builder
	seenTitle := map[string]bool{}
	for _, s := range srcs {
		if len(cited) > 0 && !cited[s.tag] {
			continue
		}
		if s.link == "" {
			if seenTitle[s.title] {
				continue
			}
			seenTitle[s.title] = true
			b.WriteString("\n- [" + s.tag + "] " + s.title + " (knowledge base)")
			continue
		}
		b.WriteString("\n- [" + s.tag + "] [" + s.title + "](" + s.link + ")")
	}
	if b.Len() == 0 {
		return ""
	}
	return "\n\nSources:" + b.String()
}
