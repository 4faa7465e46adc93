package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func TestZZProbe(t *testing.T) {
	s := openTest(t)
	u, c := benchChat(t, s)
	ctx := context.Background()
	for round := 0; round < 3; round++ {
		var fnDur time.Duration
		start := time.Now()
		err := s.InTx(ctx, func(tx storage.Tx) error {
			for i := range 50 {
				t0 := time.Now()
				m := model.Message{ChatID: c.ID, SenderID: u.ID, Content: "x", ClientID: fmt.Sprint(round, "-", i)}
				if _, err := tx.CreateMessage(ctx, &m); err != nil {
					return err
				}
				fnDur += time.Since(t0)
			}
			return nil
		})
		total := time.Since(start)
		t.Logf("50 creates: fn %v (%v each), total %v, commit ~%v, err %v", fnDur, fnDur/50, total, total-fnDur, err)
	}
	for i := range 5 {
		t0 := time.Now()
		m := model.Message{ChatID: c.ID, SenderID: u.ID, Content: "x", ClientID: fmt.Sprint("solo", i)}
		_, err := s.CreateMessage(ctx, &m)
		t.Logf("solo %v %v", time.Since(t0), err)
	}
}
