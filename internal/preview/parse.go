package preview

import (
	"bytes"
	"net/url"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Limits on what a preview keeps of a page's words.
const (
	maxTitle       = 200
	maxDescription = 500
	maxSiteName    = 100
)

// page is what a page's head says about it.
type page struct {
	Title, Description, SiteName, Image string
}

// parsePage reads the Open Graph tags of an HTML document (og:title,
// og:description, og:image, og:site_name), falling back to Twitter card
// tags, <title> and <meta name="description">. It stops at <body>: the
// tags belong in the head, and the rest of a large page is not needed.
// Relative image URLs are resolved against base.
func parsePage(body []byte, base *url.URL) page {
	z := html.NewTokenizer(bytes.NewReader(body))
	meta := map[string]string{}
	var title string
	inTitle := false
	for {
		switch z.Next() {
		case html.ErrorToken:
			return finish(meta, title, base)
		case html.StartTagToken, html.SelfClosingTagToken:
			t := z.Token()
			switch t.DataAtom {
			case atom.Body:
				return finish(meta, title, base)
			case atom.Title:
				inTitle = title == ""
			case atom.Meta:
				readMeta(t, meta)
			}
		case html.TextToken:
			if inTitle {
				title += string(z.Text())
			}
		case html.EndTagToken:
			if z.Token().DataAtom == atom.Title {
				inTitle = false
			}
		}
	}
}

// readMeta keeps the first value of each property or name it knows.
func readMeta(t html.Token, meta map[string]string) {
	var key, content string
	for _, a := range t.Attr {
		switch strings.ToLower(a.Key) {
		case "property", "name":
			if key == "" {
				key = strings.ToLower(strings.TrimSpace(a.Val))
			}
		case "content":
			content = a.Val
		}
	}
	switch key {
	case "og:title", "og:description", "og:image", "og:image:url", "og:image:secure_url", "og:site_name",
		"twitter:title", "twitter:description", "twitter:image", "description":
		if _, seen := meta[key]; !seen && strings.TrimSpace(content) != "" {
			meta[key] = content
		}
	}
}

func finish(meta map[string]string, title string, base *url.URL) page {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := meta[k]; v != "" {
				return v
			}
		}
		return ""
	}
	p := page{
		Title:       clean(first("og:title", "twitter:title"), maxTitle),
		Description: clean(first("og:description", "twitter:description", "description"), maxDescription),
		SiteName:    clean(first("og:site_name"), maxSiteName),
	}
	if p.Title == "" {
		p.Title = clean(title, maxTitle)
	}
	if img := strings.TrimSpace(first("og:image:secure_url", "og:image", "og:image:url", "twitter:image")); img != "" {
		if u, err := base.Parse(img); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.User == nil {
			p.Image = u.String()
		}
	}
	return p
}

// clean folds white space and cuts s to at most n runes, on a rune
// boundary, with an ellipsis when cut.
func clean(s string, n int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
