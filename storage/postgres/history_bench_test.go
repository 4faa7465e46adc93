package postgres_test

import (
	"testing"

	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/storagetest"
)

// BenchmarkLatest50: the latest 50 messages of chats of 1,000 to 1,000,000
// messages (storagetest.BenchLatest50), on pgtest's throwaway cluster.
//
//	FECHATTER_BENCH_HISTORY_SIZES=1000,1000000 go test ./storage/postgres -run '^$' -bench Latest50 -benchtime 4000x
func BenchmarkLatest50(b *testing.B) {
	storagetest.BenchLatest50(b, func(t testing.TB) storage.Store { return openFresh(t) })
}
