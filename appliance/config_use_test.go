package appliance

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// pendingKeys are keys that nothing reads yet because the code that reads
// them is being built on another branch. Each entry is a debt: the test
// fails as soon as the key is read, so the entry must then be deleted.
// Never add one for a feature nobody is building: remove its key instead.
var pendingKeys = map[string]string{}

// TestEveryKeyIsRead: every leaf key of config.example.yaml is read by
// some non-test Go code outside the configuration loader, so no key
// configures a feature that does not exist.
//
// How "read" is decided: the packages of this module that can name a
// Config field (appliance itself and every package importing it) are
// type-checked from source, their dependencies from the compiler's export
// data (`go list -export`). A key counts as read when a selector
// expression anywhere in those packages, outside the loader's files
// (config.go, config_*.go, redact.go: defaults, validation, secrets,
// printing), selects its field, and is not merely the left side of an
// assignment. Types, not names, decide: `a.cfg.Search.Engine`, `c.Engine`
// with c a SearchConfig, or `l.Level` inside a function handed the
// LogConfig all count, and a field of another struct that happens to share
// the name does not. A *_file key is read by the loader itself, which
// turns it into its secret, so it counts when that secret is read. A
// field read only to be logged would pass; nothing here can tell use from
// mention, which review has to.
func TestEveryKeyIsRead(t *testing.T) {
	fields := leafFields()
	example, err := os.ReadFile(filepath.Join("..", "config.example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	read := readFields(t)
	fileOf := map[string]string{}
	for _, s := range (&Config{}).secrets() {
		fileOf[s.fileKey] = s.key
	}
	for _, key := range fileKeys(t, example) {
		f, ok := fields[key]
		if !ok {
			t.Errorf("config.example.yaml has %s, which is no field of Config", key)
			continue
		}
		isRead := read[f]
		if secret, ok := fileOf[key]; ok {
			isRead = read[fields[secret]]
		}
		_, pending := pendingKeys[key]
		switch {
		case isRead && pending:
			t.Errorf("%s is read now: delete it from pendingKeys", key)
		case !isRead && !pending:
			t.Errorf("nothing reads %s (Config field %s.%s): build what it configures, or remove the key", key, f.typ, f.name)
		}
	}
}

// field names a struct field of the configuration: its type's name in
// this package and its Go name.
type field struct{ typ, name string }

// leafFields maps each dotted leaf key to its field.
func leafFields() map[string]field {
	out := map[string]field{}
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			key := prefix + yamlName(f)
			if isSectionType(f.Type) {
				walk(f.Type, key+".")
				continue
			}
			out[key] = field{t.Name(), f.Name}
		}
	}
	walk(reflect.TypeOf(Config{}), "")
	return out
}

// listedPackage is what `go list -json` says of one package.
type listedPackage struct {
	ImportPath, Dir, Export string
	GoFiles, Imports        []string
	Standard                bool
	Module                  *struct{ Path string }
}

// readFields type-checks the packages that may read the configuration and
// returns the configuration fields they read.
func readFields(t *testing.T) map[field]bool {
	t.Helper()
	self := reflect.TypeOf(Config{}).PkgPath()
	pkgs := listPackages(t)
	exports := map[string]string{}
	for _, p := range pkgs {
		exports[p.ImportPath] = p.Export
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		if exports[path] == "" {
			return nil, errors.New("no export data for " + path)
		}
		return os.Open(exports[path])
	})
	read := map[field]bool{}
	checked := 0
	for _, p := range pkgs {
		if p.Standard || p.Module == nil || p.ImportPath != self && !slices.Contains(p.Imports, self) {
			continue
		}
		checkPackage(t, fset, imp, p, p.ImportPath == self, self, read)
		t.Logf("checked %s", p.ImportPath)
		checked++
	}
	if checked < 2 {
		t.Fatalf("checked %d packages: go list found neither appliance nor its importers", checked)
	}
	return read
}

// listPackages runs go list over the module, with export data for every
// dependency.
func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-deps", "-export", "-json=ImportPath,Dir,Export,GoFiles,Imports,Standard,Module", "./...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []listedPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// loaderFile reports whether name is one of the configuration loader's
// files in this package, whose reads do not count.
func loaderFile(name string) bool {
	return name == "config.go" || strings.HasPrefix(name, "config_") || name == "redact.go"
}

// checkPackage type-checks p's non-test files and marks in read the
// configuration fields they select, outside the loader and outside the
// left side of assignments.
func checkPackage(t *testing.T, fset *token.FileSet, imp types.Importer, p listedPackage, isSelf bool, self string, read map[field]bool) {
	t.Helper()
	var files []*ast.File
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Selections: map[*ast.SelectorExpr]*types.Selection{}}
	if _, err := (&types.Config{Importer: imp}).Check(p.ImportPath, fset, files, info); err != nil {
		t.Fatalf("type-check %s: %v", p.ImportPath, err)
	}
	for i, f := range files {
		if isSelf && loaderFile(p.GoFiles[i]) {
			continue
		}
		written := map[ast.Expr]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				for _, lhs := range n.Lhs {
					written[lhs] = true
				}
			case *ast.SelectorExpr:
				if fld, ok := configField(info.Selections[n], self); ok && !written[n] {
					read[fld] = true
				}
			}
			return true
		})
	}
}

// configField returns the configuration field sel selects, if it selects one.
func configField(sel *types.Selection, self string) (field, bool) {
	if sel == nil || sel.Kind() != types.FieldVal {
		return field{}, false
	}
	recv := sel.Recv()
	if p, ok := recv.(*types.Pointer); ok {
		recv = p.Elem()
	}
	named, ok := recv.(*types.Named)
	if !ok || named.Obj().Pkg() == nil || named.Obj().Pkg().Path() != self {
		return field{}, false
	}
	return field{named.Obj().Name(), sel.Obj().Name()}, true
}
