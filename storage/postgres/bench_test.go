package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// BenchmarkCreateMessage measures one send: alone, and the way the chat
// service does it (message plus outbox event in one transaction).
func BenchmarkCreateMessage(b *testing.B) {
	ctx := context.Background()
	s := openFresh(b)
	f := newFixture(b, s, 2)
	b.Run("alone", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			m := model.Message{ChatID: f.chat.ID, SenderID: f.users[i%2].ID, Content: "hello", ClientID: uuid.NewString()}
			if _, err := s.CreateMessage(ctx, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("with_event_in_tx", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			err := s.InTx(ctx, func(tx storage.Tx) error {
				m := model.Message{ChatID: f.chat.ID, SenderID: f.users[i%2].ID, Content: "hello", ClientID: uuid.NewString()}
				if _, err := tx.CreateMessage(ctx, &m); err != nil {
					return err
				}
				e := model.Event{ID: uuid.NewString(), Type: model.EventMessageCreated, WorkspaceID: f.ws.ID,
					ChatID: f.chat.ID, ActorID: m.SenderID, Payload: []byte(`{"type":"message.created"}`)}
				return tx.AppendEvent(ctx, &e)
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel_one_chat", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m := model.Message{ChatID: f.chat.ID, SenderID: f.users[0].ID, Content: "hello", ClientID: uuid.NewString()}
				if _, err := s.CreateMessage(ctx, &m); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkListMessages reads the newest page of a chat whose messages
// have reactions, mentions and attachments.
func BenchmarkListMessages(b *testing.B) {
	ctx := context.Background()
	s := openFresh(b)
	f := newFixture(b, s, 3)
	file := model.File{WorkspaceID: f.ws.ID, UploaderID: f.users[0].ID, Name: "a.png", Size: 10, ContentType: "image/png", SHA256: "ab"}
	must(b, s.CreateFile(ctx, &file))
	for i := range 200 {
		m := model.Message{ChatID: f.chat.ID, SenderID: f.users[i%3].ID, Content: fmt.Sprintf("message %d", i),
			Mentions: []int64{f.users[(i+1)%3].ID}}
		if i%10 == 0 {
			m.Attachments = []model.File{file}
		}
		_, err := s.CreateMessage(ctx, &m)
		must(b, err)
		for _, u := range f.users[:1+i%3] {
			_, err := s.AddReaction(ctx, m.ID, u.ID, "👍")
			must(b, err)
		}
	}
	for _, limit := range []int{1, 50, 200} {
		b.Run(fmt.Sprintf("limit_%d", limit), func(b *testing.B) {
			for b.Loop() {
				page, _, err := s.ListMessages(ctx, f.users[0].ID, f.chat.ID, storage.MessageQuery{Limit: limit})
				if err != nil || len(page) != limit {
					b.Fatalf("page of %d: %v", len(page), err)
				}
			}
		})
	}
}
