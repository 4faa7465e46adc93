package fechatter_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// mdLink matches a markdown link or image, [text](target) or
// [text](target "title"), capturing the target.
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// codeSpan and codeFence are skipped: a link shown as code is not a link.
var (
	codeFence = regexp.MustCompile("(?ms)^```.*?^```")
	codeSpan  = regexp.MustCompile("`[^`\n]*`")
)

// TestDocLinks: every relative link in the repository's markdown (README.md,
// docs/, and the other *.md files) names a file or directory that exists
// inside the repository, and every #fragment names a heading of its
// target. Docs must work when read from a checkout, so a link to a file
// that is missing, or that lies outside the repository (../shared/...),
// fails.
func TestDocLinks(t *testing.T) {
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	files := markdownFiles(t, root)
	if len(files) < 2 {
		t.Fatalf("found only %v: is the test running at the repository root?", files)
	}
	for _, file := range files {
		for _, target := range links(t, file) {
			if err := checkLink(root, file, target); err != "" {
				rel, _ := filepath.Rel(root, file)
				t.Errorf("%s: link %q: %s", rel, target, err)
			}
		}
	}
}

// markdownFiles lists the *.md files under root, outside dependencies,
// build output and hidden directories.
func markdownFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "dist" || name == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".md") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// links returns the link targets of a markdown file, outside code.
func links(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	text := codeSpan.ReplaceAllString(codeFence.ReplaceAllString(string(data), ""), "")
	var out []string
	for _, m := range mdLink.FindAllStringSubmatch(text, -1) {
		out = append(out, strings.Trim(m[1], "<>"))
	}
	return out
}

// checkLink says what is wrong with target, linked from file, or "".
func checkLink(root, file, target string) string {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return ""
	}
	path, fragment, _ := strings.Cut(target, "#")
	dest := file
	if path != "" {
		if filepath.IsAbs(path) {
			return "an absolute path; link relative to the file"
		}
		dest = filepath.Join(filepath.Dir(file), filepath.FromSlash(path))
		if rel, err := filepath.Rel(root, dest); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "outside the repository"
		}
		if _, err := os.Stat(dest); err != nil {
			return "no such file in the repository"
		}
	}
	if fragment == "" || !strings.HasSuffix(dest, ".md") {
		return ""
	}
	if !headingAnchors(dest)[fragment] {
		return "no heading #" + fragment + " in " + filepath.Base(dest)
	}
	return ""
}

// headingAnchors returns the anchors GitHub gives the headings of a
// markdown file: lower case, punctuation dropped, spaces to hyphens, and
// -1, -2, ... appended to repeats.
func headingAnchors(file string) map[string]bool {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	anchors := map[string]bool{}
	seen := map[string]int{}
	text := codeFence.ReplaceAllString(string(data), "")
	for _, line := range strings.Split(text, "\n") {
		heading := strings.TrimLeft(line, "#")
		if heading == line || !strings.HasPrefix(heading, " ") {
			continue
		}
		a := slug(strings.TrimSpace(heading))
		if n := seen[a]; n > 0 {
			anchors[a+"-"+strconv.Itoa(n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	return anchors
}

func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127:
			b.WriteRune(r)
		}
	}
	return b.String()
}
