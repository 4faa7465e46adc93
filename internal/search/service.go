package search

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// Errors of the search service; the API maps them to 404 and 403.
var (
	// ErrNoWorkspace means the caller is not a member of the workspace.
	ErrNoWorkspace = errors.New("workspace not found")
	// ErrNotAllowed means the caller may not change the settings.
	ErrNotAllowed = errors.New("only workspace admins may change search settings")
	// ErrInvalidSettings wraps what is wrong with submitted settings.
	ErrInvalidSettings = errors.New("invalid search settings")
)

// Scope is what one user may search in one workspace, read from the
// database at query time (never from client input).
type Scope struct {
	// Role is the caller's role in the workspace.
	Role model.Role
	// ChatIDs are the chats the caller is a member of now.
	ChatIDs []int64
	// FrequentChatIDs are the caller's most active chats (boosted).
	FrequentChatIDs []int64
}

// frequentChats is how many of a user's most active chats get the
// "frequently used" boost.
const frequentChats = 10

// NewScope is the Scope of a user with role who is a member of chatIDs,
// given most recent activity first: the first of them are boosted as
// frequently used.
func NewScope(role model.Role, chatIDs []int64) Scope {
	return Scope{Role: role, ChatIDs: chatIDs, FrequentChatIDs: chatIDs[:min(len(chatIDs), frequentChats)]}
}

// ScopeSource computes a Scope; it answers ErrNoWorkspace for a non-member.
type ScopeSource interface {
	SearchScope(ctx context.Context, userID, workspaceID int64) (Scope, error)
}

// MessageSource reads one message as a viewer may see it; an error means
// the message is gone or no longer readable, and the hit is dropped.
type MessageSource interface {
	Message(ctx context.Context, viewerID, chatID, messageID int64) (model.Message, error)
}

// Request is a search as a client asks it: everything here can only
// narrow what the Scope allows.
type Request struct {
	Text      string
	ChatIDs   []int64
	SenderIDs []int64
	ChatTypes []model.ChatType
	From, To  time.Time
	Sort      Sort
	Limit     int
	Offset    int
	Facets    []Facet
}

// Response is the answer to a search: a page of hits the caller may read
// now. The API gives it its JSON form.
type Response struct {
	Hits []ResponseHit
	// Total counts every match, less the hits dropped on re-reading.
	Total int
	// Facets holds the requested facets (see Result.Facets).
	Facets map[Facet][]FacetValue
	// TookMS is how long the search took, in milliseconds.
	TookMS int64
}

// ResponseHit is one hit with the message as the caller may read it now.
type ResponseHit struct {
	Message model.Message
	// Chat is the hit's chat as the index holds it (its name and type).
	Chat      ChatInfo
	Highlight string
}

// Service answers searches, restricted by construction to what the caller
// may read: the allowed chats come from the database, client filters only
// narrow them, and every hit is re-read as the caller before it is shown.
type Service struct {
	idx   Index
	scope ScopeSource
	msgs  MessageSource
}

// NewService returns a search service over idx.
func NewService(idx Index, scope ScopeSource, msgs MessageSource) *Service {
	return &Service{idx: idx, scope: scope, msgs: msgs}
}

// Search runs r for userID in workspaceID.
func (s *Service) Search(ctx context.Context, userID, workspaceID int64, r Request) (Response, error) {
	start := time.Now()
	sc, err := s.scope.SearchScope(ctx, userID, workspaceID)
	if err != nil {
		return Response{}, err
	}
	res, err := s.idx.Search(ctx, Query{
		WorkspaceID: workspaceID, AllowedChatIDs: sc.ChatIDs, Text: r.Text,
		ChatIDs: r.ChatIDs, SenderIDs: r.SenderIDs, ChatTypes: r.ChatTypes, From: r.From, To: r.To,
		Sort: r.Sort, Limit: r.Limit, Offset: r.Offset, Facets: r.Facets,
		FrequentChatIDs: sc.FrequentChatIDs,
	})
	if err != nil {
		return Response{}, fmt.Errorf("search: %w", err)
	}
	out := Response{Hits: make([]ResponseHit, 0, len(res.Hits)), Total: res.Total, Facets: res.Facets}
	allowed := make(map[int64]bool, len(sc.ChatIDs))
	for _, c := range sc.ChatIDs {
		allowed[c] = true
	}
	for _, h := range res.Hits {
		if !allowed[h.Doc.ChatID] || h.Doc.WorkspaceID != workspaceID {
			// Defence in depth: an index bug must not show a hit outside the
			// scope. The re-read below would not catch it for a public
			// channel the caller has not joined (readable, not in scope).
			out.Total--
			continue
		}
		m, err := s.msgs.Message(ctx, userID, h.Doc.ChatID, h.Doc.ID)
		if err != nil || m.Deleted {
			out.Total-- // gone or no longer readable since it was indexed
			continue
		}
		out.Hits = append(out.Hits, ResponseHit{
			Message: m, Highlight: h.Highlight,
			Chat: ChatInfo{ID: h.Doc.ChatID, WorkspaceID: h.Doc.WorkspaceID, Name: h.Doc.ChatName, Type: h.Doc.ChatType},
		})
	}
	if out.Facets == nil {
		out.Facets = map[Facet][]FacetValue{}
	}
	out.TookMS = time.Since(start).Milliseconds()
	return out, nil
}

// Settings returns a workspace's relevance settings (any member may read them).
func (s *Service) Settings(ctx context.Context, userID, workspaceID int64) (Settings, error) {
	if _, err := s.scope.SearchScope(ctx, userID, workspaceID); err != nil {
		return Settings{}, err
	}
	return s.idx.Settings(ctx, workspaceID)
}

// SetSettings changes a workspace's relevance settings (admins only).
func (s *Service) SetSettings(ctx context.Context, userID, workspaceID int64, st Settings) (Settings, error) {
	sc, err := s.scope.SearchScope(ctx, userID, workspaceID)
	if err != nil {
		return Settings{}, err
	}
	if !sc.Role.AtLeast(model.RoleAdmin) {
		return Settings{}, ErrNotAllowed
	}
	if err := validateSettings(st); err != nil {
		return Settings{}, err
	}
	if err := s.idx.SetSettings(ctx, workspaceID, st); err != nil {
		return Settings{}, err
	}
	return s.idx.Settings(ctx, workspaceID)
}

// Bounds of Settings a workspace admin may choose.
const (
	maxStopWords = 500
	maxSynonyms  = 500
	maxWordLen   = 64
)

func validateSettings(st Settings) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidSettings, fmt.Sprintf(format, a...))
	}
	switch {
	case st.RecencyWeight < 0 || st.RecencyWeight > 1:
		return bad("recency_weight must be between 0 and 1")
	case st.RecencyHalfLife < time.Hour || st.RecencyHalfLife > 10*365*24*time.Hour:
		return bad("recency_half_life must be between 1h and 10 years")
	case st.DirectChatBoost < 0.1 || st.DirectChatBoost > 10, st.FrequentChatBoost < 0.1 || st.FrequentChatBoost > 10:
		return bad("boosts must be between 0.1 and 10")
	case len(st.StopWords) > maxStopWords:
		return bad("at most %d stop words", maxStopWords)
	case len(st.Synonyms) > maxSynonyms:
		return bad("at most %d synonym entries", maxSynonyms)
	}
	for _, w := range st.StopWords {
		if w == "" || len(w) > maxWordLen {
			return bad("stop words must be 1 to %d bytes", maxWordLen)
		}
	}
	for w, alts := range st.Synonyms {
		if w == "" || len(w) > maxWordLen || len(alts) == 0 || len(alts) > 20 {
			return bad("each synonym entry needs a word of 1 to %d bytes and 1 to 20 alternatives", maxWordLen)
		}
		for _, a := range alts {
			if a == "" || len(a) > maxWordLen {
				return bad("synonyms must be 1 to %d bytes", maxWordLen)
			}
		}
	}
	return nil
}
