package perf

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	_ "modernc.org/sqlite"

	"github.com/fechatter/fechatter/embedded/natsd"
	"github.com/fechatter/fechatter/embedded/natsd/natstest"
	"github.com/fechatter/fechatter/internal/events"
)

// BenchmarkFloors measures what one stored message cannot go below on this
// disk: a SQLite commit of one small row in WAL mode with synchronous=FULL
// (what storage/sqlite runs: one fsync of the WAL per commit) against
// synchronous=NORMAL (no fsync at commit), and a JetStream publish to the
// EVENTS stream with SyncAlways (what a single node runs) against
// JetStream's default (fsync every 2 minutes). The temp dir is on the same
// disk as the server's data dir.
//
// Run: go test ./test/perf -run '^$' -bench Floors -benchtime 1000x
func BenchmarkFloors(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		for _, n := range []int{1, 16} {
			b.Run(fmt.Sprintf("sqlite-commit/synchronous=%s/writers=%d", sync, n), func(b *testing.B) { benchSQLiteCommit(b, sync, n) })
		}
	}
	for _, always := range []bool{true, false} {
		for _, n := range []int{1, 16} {
			b.Run(fmt.Sprintf("jetstream-publish/sync_always=%v/publishers=%d", always, n), func(b *testing.B) { benchPublish(b, always, n) })
		}
	}
}

// benchSQLiteCommit commits one ~100-byte row per transaction through one
// write connection, as storage/sqlite does (BEGIN IMMEDIATE, WAL).
func benchSQLiteCommit(b *testing.B, synchronous string, writers int) {
	path := filepath.Join(b.TempDir(), "floor.db")
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(" + synchronous + ")&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, chat INTEGER, body TEXT)`); err != nil {
		b.Fatal(err)
	}
	body := strings.Repeat("x", 100)
	measure(b, writers, func(w, i int) error {
		tx, err := db.Begin()
		if err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO t (chat, body) VALUES (?, ?)`, w, body); err != nil {
			tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

// benchPublish publishes ~600-byte events to the EVENTS stream of an
// embedded server and waits for each PubAck, as the outbox relay does.
func benchPublish(b *testing.B, syncAlways bool, publishers int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	js := natstest.Start(b, natsd.Config{SyncAlways: syncAlways}).JS
	if _, err := events.EnsureStream(ctx, js, events.StreamOptions{}); err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"type":"message.created","workspace_id":1,"chat_id":2,"message":{"content":"` + strings.Repeat("x", 500) + `"}}`)
	measure(b, publishers, func(w, i int) error {
		_, err := js.Publish(ctx, events.Subject(1, int64(w+1), "message.created"), payload,
			jetstream.WithMsgID(fmt.Sprintf("floor-%d", i)))
		return err
	})
}
