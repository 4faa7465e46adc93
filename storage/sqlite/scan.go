package sqlite

import (
	"strings"
)

// scanner is what *sql.Row and *sql.Rows share.
type scanner interface {
	Scan(dest ...any) error
}

// placeholders returns "?, ?, ?" for n arguments.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// int64Args turns ids into query arguments.
func int64Args(ids []int64) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// uniqueIDs returns ids without duplicates and without non-positive ids,
// in first-seen order.
func uniqueIDs(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// maxInArgs bounds one IN (...) list; longer lists are queried in chunks.
const maxInArgs = 500

// chunks splits ids into slices of at most maxInArgs.
func chunks(ids []int64) [][]int64 {
	var out [][]int64
	for len(ids) > maxInArgs {
		out = append(out, ids[:maxInArgs])
		ids = ids[maxInArgs:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}
