package testproc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

const (
	modulePath = "github.com/fechatter/fechatter"
	// mainPkg is the server's main package, relative to the module root.
	mainPkg = "./cmd/fechatter"
	// pruneAge is how long a cached binary nobody used is kept: longer
	// than any test run, short enough that a day of edits does not fill
	// the disk with one binary per source state.
	pruneAge = 3 * time.Hour
)

// built is the binary of this process (see Binary).
var built struct {
	once sync.Once
	path string
	err  error
}

// Binary returns the fechatter binary of the sources around the working
// directory, built at most once per process (see Build); it fails tb when
// the build fails.
func Binary(tb TB) string {
	tb.Helper()
	built.once.Do(func() { built.path, built.err = Build(context.Background()) })
	if built.err != nil {
		tb.Fatalf("%v", built.err)
	}
	return built.path
}

// Build compiles ./cmd/fechatter of the module around the working
// directory and returns the binary's path. Binaries are kept in a cache
// directory under a key of everything the build reads (the module root,
// the Go toolchain and its settings, go.mod, go.sum and every source and
// embedded file of the module that the binary depends on), behind a file
// lock, so that the test packages of one run, each its own process, link
// the binary once and share it.
func Build(ctx context.Context) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	goBin := goTool()
	key, err := sourceKey(ctx, goBin, root)
	if err != nil {
		return "", err
	}
	dir, err := cacheDir()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "fechatter-"+key)
	unlock, err := lockFile(bin + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(bin); err == nil {
		now := time.Now()
		_ = os.Chtimes(bin, now, now) // in use: not pruned
		return bin, nil
	}
	prune(dir, pruneAge)
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	if err := goBuild(ctx, goBin, root, tmp); err != nil {
		_ = os.Remove(tmp)
		return "", err
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("build fechatter: %w", err)
	}
	return bin, nil
}

func goBuild(ctx context.Context, goBin, root, out string) error {
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, mainPkg)
	cmd.Dir = root
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("build fechatter: %w\n%s", err, buf.String())
	}
	return nil
}

// listFiles is a `go list` template printing, for every package of the
// main module the binary depends on, its directory and the files a build
// reads, tab-separated.
const listFiles = `{{if .Module}}{{if .Module.Main}}{{.Dir}}` +
	`{{range .GoFiles}}{{"\t"}}{{.}}{{end}}{{range .CgoFiles}}{{"\t"}}{{.}}{{end}}` +
	`{{range .SFiles}}{{"\t"}}{{.}}{{end}}{{range .EmbedFiles}}{{"\t"}}{{.}}{{end}}{{end}}{{end}}`

// sourceKey hashes what a build of mainPkg in root depends on.
func sourceKey(ctx context.Context, goBin, root string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "root %s\n", root)
	envOut, err := goOutput(ctx, goBin, root, "env", "GOVERSION", "GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT")
	if err != nil {
		return "", err
	}
	h.Write(envOut)
	files := []string{filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum")}
	listOut, err := goOutput(ctx, goBin, root, "list", "-deps", "-f", listFiles, mainPkg)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(listOut)), "\n") {
		fields := strings.Split(line, "\t")
		for _, f := range fields[1:] {
			files = append(files, filepath.Join(fields[0], f))
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil && !(errors.Is(err, os.ErrNotExist) && strings.HasSuffix(f, "go.sum")) {
			return "", fmt.Errorf("hash sources: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", f, len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:20], nil
}

func goOutput(ctx context.Context, goBin, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w\n%s", args[0], err, stderr.String())
	}
	return out, nil
}

// moduleRoot finds the directory of Fechatter's go.mod at or above the
// working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module "+modulePath+"\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("build fechatter: not inside the fechatter module")
		}
		dir = parent
	}
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go" // go test puts GOROOT/bin first on PATH; this is only a fallback
}

// cacheBase overrides the user cache dir (for this package's tests).
var cacheBase string

// cacheDir is where built binaries are kept, shared by every test process
// of this user.
func cacheDir() (string, error) {
	base := cacheBase
	if base == "" {
		var err error
		if base, err = os.UserCacheDir(); err != nil {
			base = os.TempDir()
		}
	}
	dir := filepath.Join(base, "fechatter-testproc")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("build cache: %w", err)
	}
	return dir, nil
}

// prune removes the files of dir that have not been used for age.
func prune(dir string, age time.Duration) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
