package postgres

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestParseMigrations(t *testing.T) {
	file := func(body string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(body)} }
	for _, tc := range []struct {
		name     string
		files    fstest.MapFS
		versions []int
		errPart  string
	}{
		{"ordered by number", fstest.MapFS{
			"m/0002_b.sql": file("B"), "m/0001_a.sql": file("A"), "m/README.md": file("x"),
		}, []int{1, 2}, ""},
		{"gap", fstest.MapFS{"m/0001_a.sql": file("A"), "m/0003_c.sql": file("C")}, nil, "gap or duplicate"},
		{"duplicate", fstest.MapFS{"m/0001_a.sql": file("A"), "m/0001_b.sql": file("B")}, nil, "gap or duplicate"},
		{"bad name", fstest.MapFS{"m/init.sql": file("A")}, nil, "NNNN_name.sql"},
		{"zero", fstest.MapFS{"m/0000_a.sql": file("A")}, nil, "NNNN_name.sql"},
	} {
		migs, err := parseMigrations(tc.files, "m")
		if tc.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errPart) {
				t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.errPart)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []int
		for _, m := range migs {
			got = append(got, m.version)
		}
		if len(got) != len(tc.versions) || got[0] != 1 || got[1] != 2 || migs[0].sql != "A" {
			t.Errorf("%s: versions %v, want %v", tc.name, got, tc.versions)
		}
	}
}

func TestEmbeddedMigrationsLoad(t *testing.T) {
	migs, err := loadMigrations()
	if err != nil || len(migs) == 0 {
		t.Fatalf("embedded migrations: %d, %v", len(migs), err)
	}
}
