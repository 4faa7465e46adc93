package appliance

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/fechatter/fechatter/embedded/meili"
	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/search/bleve"
	searchmeili "github.com/fechatter/fechatter/internal/search/meili"
	"github.com/fechatter/fechatter/storage"
)

// searchComponent opens the index (embedded, a Meilisearch sidecar, or an
// external Meilisearch) and runs the indexer that keeps it in step with the
// event stream.
func (a *Appliance) searchComponent() Component {
	return Component{
		Name: "search",
		Start: func(ctx context.Context) error {
			idx, err := a.openIndex(ctx)
			if err != nil {
				return err
			}
			idx = search.Observed(idx, a.cfg.Search.Engine)
			ix := search.NewIndexer(a.js, idx, searchData{a.store}, search.IndexerOptions{
				Replicas: a.cfg.replicas(), Durable: a.indexerDurable(), Messages: searchData{a.store},
				Log: a.log.With("component", "search"),
			})
			rebuild := a.needsRebuild(ctx, idx)
			if !rebuild {
				if err := ix.Start(ctx); err != nil {
					return errors.Join(err, closeIndex(idx), a.stopSidecar(ctx))
				}
			}
			a.index, a.indexer = idx, ix
			a.search = search.NewService(idx, searchScope{chat.NewAudience(a.store)}, a.store)
			rctx, cancel := context.WithCancel(context.Background())
			a.rebuildStop, a.rebuildDone = cancel, make(chan struct{})
			go func() {
				defer close(a.rebuildDone)
				if rebuild {
					a.rebuildThenIndex(rctx)
				}
			}()
			return nil
		},
		Stop: func(ctx context.Context) error {
			a.rebuildStop()
			<-a.rebuildDone
			return errors.Join(a.indexer.Stop(ctx), closeIndex(a.index), a.stopSidecar(ctx))
		},
		Ready: func(ctx context.Context) error {
			if a.sidecar != nil {
				return a.sidecar.Ready(ctx)
			}
			return nil
		},
	}
}

// indexerDurable is the search indexer's consumer name. Meilisearch is one
// index for the whole cluster, so its nodes share the consumer and each
// event is applied once. The embedded engine keeps an index on each node,
// so each node needs every event: a consumer of its own, named after it.
func (a *Appliance) indexerDurable() string {
	if a.cfg.Search.Engine == SearchMeilisearch || len(a.cfg.Cluster.Routes) == 0 {
		return search.IndexerDurable
	}
	return search.IndexerDurable + "-" + durableToken(a.natsConfig().ServerName)
}

// durableToken keeps the characters a JetStream consumer and stream name
// may hold.
func durableToken(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	return string(b)
}

// needsRebuild reports whether the index is empty while the database holds
// messages (a new install over old data, or an operator who deleted
// <data>/search).
func (a *Appliance) needsRebuild(ctx context.Context, idx search.Index) bool {
	if n, err := idx.Count(ctx, 0); err != nil || n > 0 {
		return false
	}
	total, err := a.store.CountMessages(ctx, 0)
	return err == nil && total > 0
}

// rebuildThenIndex refills an empty index and only then starts the
// indexer; events wait in its durable consumer meanwhile. Run side by side,
// the rebuild could write back the older state of a message the indexer
// had just edited or deleted (a deleted message counted again in totals
// and facets), and their concurrent batches race on the index's
// per-workspace chat set, which the permission filter relies on.
func (a *Appliance) rebuildThenIndex(ctx context.Context) {
	a.rebuildIfEmpty(ctx)
	if ctx.Err() != nil {
		return // stopping: Stop stops an indexer that never started as a no-op
	}
	if err := a.indexer.Start(ctx); err != nil {
		a.log.Error("search indexer did not start after the rebuild; new messages are not indexed until a restart", "error", err)
	}
}

func closeIndex(idx search.Index) error {
	if c, ok := idx.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func (a *Appliance) stopSidecar(ctx context.Context) error {
	if a.sidecar == nil {
		return nil
	}
	return a.sidecar.Stop(ctx)
}

// openIndex builds the configured engine.
func (a *Appliance) openIndex(ctx context.Context) (search.Index, error) {
	c := a.cfg.Search
	if c.Engine != SearchMeilisearch {
		idx, err := bleve.Open(layoutOf(a.cfg.DataDir).SearchEmbedded, bleve.Options{})
		if err != nil {
			return nil, err
		}
		return idx, nil
	}
	url, key := c.Meilisearch.URL, c.Meilisearch.APIKey
	if url == "" {
		sc, err := meili.New(meili.Config{Binary: c.Meilisearch.Binary, Dir: layoutOf(a.cfg.DataDir).Meili, Log: a.log.With("component", "meilisearch")})
		if err != nil {
			return nil, fmt.Errorf("meilisearch sidecar: %w", err)
		}
		if err := sc.Start(ctx); err != nil {
			return nil, fmt.Errorf("meilisearch sidecar: %w", err)
		}
		a.sidecar = sc
		url, key = sc.URL(), sc.MasterKey()
	}
	idx, err := searchmeili.New(ctx, searchmeili.Config{URL: url, APIKey: key, Log: a.log.With("component", "search")})
	if err != nil {
		return nil, errors.Join(err, a.stopSidecar(ctx))
	}
	return idx, nil
}

// searchData adapts the store to what search's indexer and rebuild read:
// chat lookups and the full message list.
type searchData struct{ st storage.Store }

func (d searchData) ChatByID(ctx context.Context, chatID int64) (model.Chat, error) {
	c, err := d.st.ChatByID(ctx, chatID)
	if errors.Is(err, storage.ErrNotFound) {
		return model.Chat{}, fmt.Errorf("chat %d: %w", chatID, search.ErrChatGone)
	}
	return c, err
}

func (d searchData) CountMessages(ctx context.Context, workspaceID int64) (int, error) {
	return d.st.CountMessages(ctx, workspaceID)
}

func (d searchData) MessagesByID(ctx context.Context, ids []int64) ([]model.Message, error) {
	return d.st.MessagesByID(ctx, ids)
}

func (d searchData) AllMessages(ctx context.Context, workspaceID, afterID int64, limit int) ([]model.Message, error) {
	return d.st.AllMessages(ctx, workspaceID, afterID, limit)
}

// searchScope puts chat's rule of who may search which chats (read from
// current membership at query time) in search's terms.
type searchScope struct{ audience *chat.Audience }

func (s searchScope) SearchScope(ctx context.Context, userID, workspaceID int64) (search.Scope, error) {
	sc, err := s.audience.SearchScope(ctx, userID, workspaceID)
	if apperr.Is(err, apperr.KindNotFound) {
		return search.Scope{}, search.ErrNoWorkspace
	}
	if err != nil {
		return search.Scope{}, err
	}
	return search.NewScope(sc.Role, sc.ChatIDs), nil
}
