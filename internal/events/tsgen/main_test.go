package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/events"
)

// TestTypeScriptInSync fails when webui/src/api/events.gen.ts is not what
// the generator writes from the Go payloads now: a payload or a model type
// it carries changed without the web app's types following.
func TestTypeScriptInSync(t *testing.T) {
	want, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "..", filepath.FromSlash(Output)))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go run ./internal/events/tsgen from the repository root\n--- generated now:\n%s", Output, want)
	}
}

// TestGenerateNamesEveryFamily: the file declares each family with its
// event types, and the union of all.
func TestGenerateNamesEveryFamily(t *testing.T) {
	src, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range events.Families {
		name := reflect.TypeOf(f.Zero).Name()
		if !strings.Contains(string(src), "export interface "+name+" {") || !strings.Contains(string(src), "  | "+name) {
			t.Errorf("%s is not declared or not in StoredEvent", name)
		}
		for _, typ := range f.Types {
			if !strings.Contains(string(src), "'"+typ+"'") {
				t.Errorf("%s is missing", typ)
			}
		}
	}
}

// TestGenerateFieldRules: the TypeScript of a struct follows encoding/json.
func TestGenerateFieldRules(t *testing.T) {
	type inner struct {
		A int `json:"a"`
	}
	type sample struct {
		inner
		Hidden   string   `json:"-"`
		Opt      string   `json:"opt,omitempty"`
		Zero     []int64  `json:"zero,omitzero"`
		Ptr      *int64   `json:"ptr"`
		OptPtr   *string  `json:"opt_ptr,omitempty"`
		List     []string `json:"list"`
		Untagged bool
		unexp    int
	}
	g := &generator{seen: map[reflect.Type]bool{}}
	var b bytes.Buffer
	g.object(&b, reflect.TypeFor[sample]())
	want := "  a: number;\n  opt?: string;\n  zero?: number[];\n  ptr: number | null;\n  opt_ptr?: string;\n  list: string[];\n  Untagged: boolean;\n}\n\n"
	if !strings.HasSuffix(b.String(), want) || g.err != nil {
		t.Fatalf("got\n%s(err %v), want it to end with\n%s", b.String(), g.err, want)
	}
	_ = sample{}.unexp
}
