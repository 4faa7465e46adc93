package transfer

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/transfer/slacktest"
	"github.com/fechatter/fechatter/storage/blobs"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// BenchmarkImportSlackSQLite imports one export of b.N messages (10
// channels, 100 per day, every tenth a thread reply, every fifth with a
// reaction) into a fresh SQLite store and reports messages per second:
//
//	go test -run '^$' -bench ImportSlackSQLite -benchtime 20000x ./internal/transfer/
func BenchmarkImportSlackSQLite(b *testing.B) {
	files := bigExport(b.N)
	path := filepath.Join(b.TempDir(), "big.zip")
	if err := slacktest.Write(path, files); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "fechatter.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	admin := model.User{Email: "admin@example.com", Username: "admin", IsAdmin: true}
	if err := st.CreateUser(ctx, &admin); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	res, err := ImportSlack(ctx, st, path, Options{Workspace: "Big", Files: blobs.New(b.TempDir()), MaxFileSize: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if res.Report.Messages != b.N {
		b.Fatalf("imported %d of %d", res.Report.Messages, b.N)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "msgs/s")
}

// bigExport is a Slack export of n messages.
func bigExport(n int) slacktest.Files {
	files := slacktest.Files{"users.json": `[` + strings.Join(func() []string {
		var us []string
		for i := range 20 {
			us = append(us, fmt.Sprintf(`{"id":"U%d","name":"user%d","profile":{"email":"u%d@example.com"}}`, i, i, i))
		}
		return us
	}(), ",") + `]`}
	var chans []string
	for c := range 10 {
		chans = append(chans, fmt.Sprintf(`{"id":"C%d","name":"chan%d","members":["U0","U1","U2","U3"]}`, c, c))
	}
	files["channels.json"] = "[" + strings.Join(chans, ",") + "]"
	per := map[string][]string{}
	base := int64(1577872800)
	for i := range n {
		c := i % 10
		k := i / 10
		ts := fmt.Sprintf("%d.%06d", base+int64(k)*60, i%1000000)
		day := time.Unix(base+int64(k)*60, 0).UTC().Format(time.DateOnly)
		extra := ""
		if k%10 == 9 {
			extra = fmt.Sprintf(`,"thread_ts":"%d.%06d"`, base+int64(k-9)*60, (i-90)%1000000)
		}
		if k%5 == 0 {
			extra += `,"reactions":[{"name":"tada","users":["U1","U2"]}]`
		}
		msg := fmt.Sprintf(`{"type":"message","user":"U%d","text":"message %d about <@U%d> and the quarterly plan","ts":"%s"%s}`,
			i%4, i, (i+1)%4, ts, extra)
		key := fmt.Sprintf("chan%d/%s.json", c, day)
		per[key] = append(per[key], msg)
	}
	for name, msgs := range per {
		files[name] = "[\n" + strings.Join(msgs, ",\n") + "\n]"
	}
	return files
}
