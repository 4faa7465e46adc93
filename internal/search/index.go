// Package search is Fechatter's message search: the Service the API calls
// (service.go), the Index interface that every engine implements (this
// file; the engines are search/bleve, the embedded default, and
// search/meili), the indexer that keeps an Index in step with the event
// stream, and the rebuild that refills it from the database. What engines
// share lives here too: query parsing (query.go), the scope and limits of a
// query (scope.go), tokenizing, match spans and highlights. This package
// never imports an engine; the appliance picks one.
//
// Permission safety is part of the contract, not of the callers: every
// Query carries the workspace and the chats the caller may read today
// (AllowedChatIDs, computed by the server from current memberships). An
// Index never returns, counts or facets a document outside both. Client
// filters (ChatIDs, SenderIDs, ...) only narrow that set.
//
// The behaviour every engine shares is pinned down by search/searchtest.
package search

import (
	"context"
	"errors"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// ErrInvalidQuery is returned (wrapped) for a query an Index refuses, such as
// one without a workspace.
var ErrInvalidQuery = errors.New("invalid search query")

// ErrClosed is returned (wrapped) by an Index used after Close.
var ErrClosed = errors.New("search index closed")

// Index is a searchable store of message documents. Writes are idempotent:
// upserting the same document twice, or deleting an absent one, is not an
// error. A write that returned nil is visible to the next Search on the same
// Index (read-your-writes), so the indexer may ack an event once the write
// returned.
type Index interface {
	// Upsert adds the documents or replaces those with the same ID. It is
	// also the bulk path: callers pass batches of hundreds.
	Upsert(ctx context.Context, docs []Doc) error
	// Delete removes messages by id from one workspace.
	Delete(ctx context.Context, workspaceID int64, messageIDs []int64) error
	// UpdateChat sets the chat name (and type) on every document of a chat,
	// after a rename.
	UpdateChat(ctx context.Context, c ChatInfo) error
	// DeleteChat removes every document of one chat.
	DeleteChat(ctx context.Context, workspaceID, chatID int64) error
	// DeleteWorkspace removes every document of one workspace.
	DeleteWorkspace(ctx context.Context, workspaceID int64) error
	// Count is how many documents a workspace has in the index (0: all workspaces).
	Count(ctx context.Context, workspaceID int64) (int, error)
	// Search answers a query. A query with no AllowedChatIDs answers an
	// empty Result (not an error); WorkspaceID 0 is ErrInvalidQuery.
	Search(ctx context.Context, q Query) (Result, error)
	// SetSettings stores the relevance settings of one workspace; they apply
	// to the following searches.
	SetSettings(ctx context.Context, workspaceID int64, s Settings) error
	// Settings returns a workspace's settings, or DefaultSettings() when none
	// were set.
	Settings(ctx context.Context, workspaceID int64) (Settings, error)
	// Close releases the index; it is idempotent.
	Close() error
}

// Doc is one message as the index holds it.
type Doc struct {
	// ID is the message id, unique across the instance.
	ID          int64
	WorkspaceID int64
	ChatID      int64
	ChatType    model.ChatType
	ChatName    string
	SenderID    int64
	// SenderUsername and SenderName (display name) label hits and the sender
	// facet; only Content is searched.
	SenderUsername string
	SenderName     string
	Content        string
	CreatedAt      time.Time
	// Seq is the message's position in its chat (for jumping to it).
	Seq int64
}

// DocFromMessage builds the document of a message in chat c.
func DocFromMessage(m model.Message, c ChatInfo) Doc {
	return Doc{
		ID: m.ID, WorkspaceID: m.WorkspaceID, ChatID: m.ChatID,
		ChatType: c.Type, ChatName: c.Name,
		SenderID: senderID(m), SenderUsername: m.Sender.Username, SenderName: m.Sender.DisplayName,
		Content: m.Content, CreatedAt: m.CreatedAt.UTC(), Seq: m.Seq,
	}
}

// senderID prefers the hydrated sender: the JSON form of a message (the
// event payload) carries only sender.id.
func senderID(m model.Message) int64 {
	if m.Sender.ID != 0 {
		return m.Sender.ID
	}
	return m.SenderID
}

// ChatInfo is what message documents carry about their chat.
type ChatInfo struct {
	ID          int64
	WorkspaceID int64
	Type        model.ChatType
	Name        string
}

// ChatInfoFromModel converts a chat.
func ChatInfoFromModel(c model.Chat) ChatInfo {
	return ChatInfo{ID: c.ID, WorkspaceID: c.WorkspaceID, Type: c.Type, Name: c.Name}
}

// Sort orders results.
type Sort string

// The two orders. Relevance (the default) blends text score with recency
// and the caller's boosts as the workspace Settings say; Newest is by
// CreatedAt descending, to the microsecond (ties by ID descending).
const (
	SortRelevance Sort = "relevance"
	SortNewest    Sort = "newest"
)

// Facet names a facet that a Query may ask for.
type Facet string

// The facets. FacetDate buckets CreatedAt relative to Query.Now into
// DateBuckets (non-overlapping, so the counts add up to Total).
const (
	FacetSender   Facet = "sender"
	FacetChat     Facet = "chat"
	FacetChatType Facet = "chat_type"
	FacetDate     Facet = "date"
)

// DateBucket is one value of FacetDate.
type DateBucket struct {
	// Value is the facet value ("day", "week", "month", "older").
	Value string
	// Label is what a user reads.
	Label string
	// Within is the bucket's upper age bound (0: unbounded); a document
	// falls in the first bucket whose Within exceeds its age.
	Within time.Duration
}

// DateBuckets are the values of the date facet, youngest first.
var DateBuckets = []DateBucket{
	{Value: "day", Label: "Last 24 hours", Within: 24 * time.Hour},
	{Value: "week", Label: "Last 7 days", Within: 7 * 24 * time.Hour},
	{Value: "month", Label: "Last 30 days", Within: 30 * 24 * time.Hour},
	{Value: "older", Label: "Older"},
}

// Query is one search. WorkspaceID and AllowedChatIDs are set by the server,
// never from client input; the rest narrows within them.
type Query struct {
	WorkspaceID int64
	// AllowedChatIDs are the chats the caller may read now. Empty: nothing.
	AllowedChatIDs []int64
	// Text is the user's query: words (the last one matched as a prefix
	// unless followed by a space), "quoted phrases" and -excluded words.
	// Empty text matches every allowed message (browse by filters).
	Text string
	// Filters; zero values mean "no filter". Several values of one filter are ORed.
	ChatIDs   []int64
	SenderIDs []int64
	ChatTypes []model.ChatType
	// From (inclusive) and To (exclusive) bound CreatedAt, compared to the
	// microsecond (the precision of stored times; see Normalized).
	From, To time.Time
	Sort     Sort
	// Limit defaults to 20 and is capped at 100. Offset pages.
	Limit, Offset int
	Facets        []Facet
	// FrequentChatIDs are the caller's most used chats, boosted by
	// Settings.FrequentChatBoost. The caller's direct chats are recognised
	// by ChatType and boosted by Settings.DirectChatBoost.
	FrequentChatIDs []int64
	// Now anchors recency and date buckets; zero means time.Now().
	Now time.Time
}

// Result is the answer to a Query.
type Result struct {
	Hits []Hit
	// Total counts all matching documents, not just this page.
	Total int
	// Facets holds the requested facets, values by descending count (date
	// buckets in DateBuckets order, empty buckets left out).
	Facets map[Facet][]FacetValue
	// TookMS is how long the engine took, in milliseconds.
	TookMS int64
}

// Hit is one matching message.
type Hit struct {
	Doc   Doc
	Score float64
	// Highlight is a snippet of Content around the matches: HTML-escaped,
	// with the matched words in <mark>...</mark> (the only markup). When
	// nothing in Content matched (an empty query, a sender-name match) it is
	// the escaped start of Content.
	Highlight string
}

// FacetValue is one value of a facet with its count.
type FacetValue struct {
	// Value is the machine value: an id, a chat type, a date bucket.
	Value string
	// Label is what a user reads: a display name, a chat name, a bucket name.
	Label string
	Count int
}

// ChatTypeLabel is how a chat type reads in a facet.
func ChatTypeLabel(t model.ChatType) string {
	switch t {
	case model.ChatDirect:
		return "Direct messages"
	case model.ChatGroup:
		return "Group chats"
	case model.ChatPrivateChannel:
		return "Private channels"
	case model.ChatPublicChannel:
		return "Public channels"
	}
	return string(t)
}

// Settings tune relevance for one workspace.
type Settings struct {
	// RecencyWeight in [0,1] is how much newer messages rise under
	// SortRelevance: 0 ignores age. Default: 0.3.
	RecencyWeight float64
	// RecencyHalfLife is the age at which the recency bonus halves. Default: 30 days.
	RecencyHalfLife time.Duration
	// DirectChatBoost multiplies the score of messages in direct chats. Default: 1.2.
	DirectChatBoost float64
	// FrequentChatBoost multiplies the score of messages in Query.FrequentChatIDs. Default: 1.3.
	FrequentChatBoost float64
	// StopWords are ignored in queries (lowercase). Default: none.
	StopWords []string
	// Synonyms maps a lowercase word to words that also match it. Default: none.
	Synonyms map[string][]string
}

// DefaultSettings are the settings of a workspace that has set none.
func DefaultSettings() Settings {
	return Settings{
		RecencyWeight: 0.3, RecencyHalfLife: 30 * 24 * time.Hour,
		DirectChatBoost: 1.2, FrequentChatBoost: 1.3,
	}
}
