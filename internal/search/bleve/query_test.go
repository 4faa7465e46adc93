package bleve

import (
	"slices"
	"testing"
)

func TestResolveScope(t *testing.T) {
	known := map[int64]bool{1: true, 2: true, 3: true, 4: true, 5: true}
	for _, tc := range []struct {
		name     string
		scope    []int64
		complete bool
		include  []int64
		inWS     bool
	}{
		{"chats without documents dropped", []int64{1, 9}, true, []int64{1}, true},
		{"all chats", []int64{1, 2, 3, 4, 5}, true, []int64{1, 2, 3, 4, 5}, true},
		{"another workspace's chat dropped", []int64{77}, true, nil, true},
		{"unknown set: kept, workspace still filtered", []int64{1, 2, 77}, false, []int64{1, 2, 77}, false},
	} {
		cs := resolveScope(tc.scope, known, tc.complete)
		if !slices.Equal(cs.include, tc.include) || cs.inWorkspace != tc.inWS {
			t.Errorf("%s: %+v", tc.name, cs)
		}
	}
}
