package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// openAPIPath is where the document is served.
const openAPIPath = "/api/openapi.json"

func (s *server) openAPIRoutes() []route {
	return []route{
		{method: http.MethodGet, path: openAPIPath, public: true, handle: s.serveOpenAPI, doc: doc{
			tag: "operations", summary: "This OpenAPI 3.1 document", status: http.StatusOK, result: "OpenAPI",
		}},
	}
}

// serveOpenAPI answers GET /api/openapi.json with the document, built on
// the first request.
func (s *server) serveOpenAPI(c *gin.Context) error {
	doc := s.openapi()
	if doc == nil {
		return errors.New("openapi document was not built")
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", doc)
	return nil
}

// buildOpenAPI renders the document of rs; nil if it cannot be encoded.
func buildOpenAPI(rs []route, version string) []byte {
	paths := obj{}
	for _, r := range rs {
		p := docPath(r.path)
		item, _ := paths[p].(obj)
		if item == nil {
			item = obj{}
			paths[p] = item
		}
		item[strings.ToLower(r.method)] = operation(r)
	}
	d := obj{
		"openapi": "3.1.0",
		"info": obj{
			"title":       "Fechatter API",
			"version":     version,
			"description": "The REST API of Fechatter, a self-hosted team chat server. Errors are {\"error\": {\"code\", \"message\", \"request_id\", \"fields\"?}}.",
		},
		"security": []any{obj{"bearer": []any{}}},
		"paths":    paths,
		"components": obj{
			"schemas":         schemas(),
			"securitySchemes": obj{"bearer": obj{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
		},
	}
	data, err := json.Marshal(d)
	if err != nil {
		return nil
	}
	return data
}

// docPath turns gin's /api/chats/:chat into OpenAPI's /api/chats/{chat}.
func docPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

// pathParamNames lists the :params of a gin path in order.
func pathParamNames(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if strings.HasPrefix(s, ":") {
			out = append(out, s[1:])
		}
	}
	return out
}

// operation documents one route.
func operation(r route) obj {
	op := obj{
		"operationId": operationID(r),
		"summary":     r.doc.summary,
		"tags":        []string{r.doc.tag},
		"responses":   responses(r),
	}
	if params := parameters(r); len(params) > 0 {
		op["parameters"] = params
	}
	if r.public {
		op["security"] = []any{}
	}
	if body := requestBody(r.doc); body != nil {
		op["requestBody"] = body
	}
	return op
}

// operationID is the method and path in snake case: get_api_chats_chat.
func operationID(r route) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(r.method))
	for _, s := range strings.Split(r.path, "/") {
		s = strings.TrimPrefix(s, ":")
		if s == "" {
			continue
		}
		b.WriteByte('_')
		b.WriteString(strings.NewReplacer("-", "_", ".", "_").Replace(s))
	}
	return b.String()
}

// pathParamDocs describes each path parameter name the API uses.
var pathParamDocs = map[string]struct {
	schema obj
	desc   string
}{
	"ws":       {idSchema(), "Workspace id."},
	"chat":     {idSchema(), "Chat id."},
	"user":     {idSchema(), "User id."},
	"id":       {idSchema(), "Id of the resource."},
	"document": {idSchema(), "Knowledge document id."},
	"code":     {obj{"type": "string", "maxLength": maxInviteCode}, "Invite code."},
	"emoji":    {obj{"type": "string", "maxLength": maxEmojiBytes}, "The emoji, URL-encoded."},
	"profile":  {obj{"type": "string"}, "A Go profile: allocs, block, cmdline, goroutine, heap, mutex, profile, symbol, threadcreate or trace."},
}

// parameters lists the path and query parameters of r.
func parameters(r route) []any {
	var out []any
	for _, name := range pathParamNames(r.path) {
		pd := pathParamDocs[name]
		out = append(out, obj{"name": name, "in": "path", "required": true, "schema": pd.schema, "description": pd.desc})
	}
	for _, q := range r.doc.query {
		out = append(out, obj{"name": q.name, "in": "query", "required": false, "schema": q.schema, "description": q.desc})
	}
	return out
}

// requestBody documents the body of d, or nil when it takes none.
func requestBody(d doc) obj {
	content := obj{}
	if d.multipart {
		file := obj{"type": "string", "contentMediaType": "application/octet-stream"}
		schema := obj{"type": "object", "required": []string{uploadField}, "properties": obj{uploadField: file}}
		content["multipart/form-data"] = obj{"schema": schema}
	}
	if d.body != "" {
		content["application/json"] = obj{"schema": ref(d.body)}
	}
	if len(content) == 0 {
		return nil
	}
	return obj{"required": d.multipart || !d.bodyOptional, "content": content}
}

// responses documents the success answers and the errors r can give.
func responses(r route) obj {
	out := obj{}
	out[strconv.Itoa(r.doc.status)] = success(r.doc, http.StatusText(r.doc.status))
	if r.doc.alt != 0 {
		out[strconv.Itoa(r.doc.alt)] = success(r.doc, r.doc.altWhy)
	}
	for _, a := range r.doc.also {
		out[strconv.Itoa(a.status)] = obj{"description": a.why, "content": jsonContent(ref(a.result))}
	}
	if r.doc.binary {
		out["206"] = success(r.doc, "The requested range.")
		out["304"] = obj{"description": "Not modified."}
	}
	for _, status := range errorStatuses(r) {
		out[strconv.Itoa(status)] = errorResponse(status)
	}
	out["default"] = obj{"description": "Unexpected error.", "content": jsonContent(ref("Error"))}
	return out
}

// success documents a success answer of d.
func success(d doc, desc string) obj {
	switch {
	case d.eventStream:
		return obj{
			"description": desc + " Each event: id: <stream sequence> (absent for typing and presence), event: <type>, data: <JSON with type, workspace_id, chat_id where it applies, and the object>.",
			"content":     obj{"text/event-stream": obj{"schema": obj{"type": "string"}}},
		}
	case d.binary:
		return obj{
			"description": desc,
			"headers": obj{"Content-Disposition": obj{
				"description": "attachment, or inline for PNG, JPEG, GIF and WebP images; filename*=UTF-8''<name>.",
				"schema":      str(),
			}},
			"content": obj{"application/octet-stream": obj{"schema": obj{"type": "string", "contentMediaType": "application/octet-stream"}}},
		}
	case d.text:
		return obj{"description": desc, "content": obj{"text/plain": obj{"schema": str()}}}
	case d.result == "":
		return obj{"description": desc}
	}
	return obj{"description": desc, "content": jsonContent(ref(d.result))}
}

// errorStatuses are the errors r can answer: its own plus those that
// follow from its shape.
func errorStatuses(r route) []int {
	set := slices.Clone(r.doc.errors)
	if r.doc.body != "" || r.doc.multipart || len(r.doc.query) > 0 {
		set = append(set, http.StatusBadRequest)
	}
	if r.doc.body != "" || r.doc.multipart {
		set = append(set, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	if !r.public {
		set = append(set, http.StatusUnauthorized)
	}
	if len(pathParamNames(r.path)) > 0 {
		set = append(set, http.StatusNotFound)
	}
	if LimitClass(r.method, r.path) != "" {
		set = append(set, http.StatusTooManyRequests)
	}
	slices.Sort(set)
	return slices.Compact(set)
}

// errorResponse documents an error answer.
func errorResponse(status int) obj {
	resp := obj{"description": http.StatusText(status), "content": jsonContent(ref("Error"))}
	if status == http.StatusTooManyRequests {
		resp["headers"] = obj{
			"Retry-After": obj{"description": "Seconds to wait.", "schema": obj{"type": "integer"}},
			"RateLimit-Policy": obj{
				"description": `The budgets charged (draft-ietf-httpapi-ratelimit-headers-10), e.g. "writes";q=600;w=60. Also on successful answers.`,
				"schema":      str(),
			},
			"RateLimit": obj{
				"description": `What is left of each budget: r requests, t seconds until one more, e.g. "writes";r=0;t=1. Also on successful answers.`,
				"schema":      str(),
			},
		}
	}
	return resp
}

func jsonContent(schema obj) obj { return obj{"application/json": obj{"schema": schema}} }
