package meilistub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// index is one Meilisearch index.
type index struct {
	uid        string
	primaryKey string
	createdAt  time.Time
	updatedAt  time.Time
	docs       map[string]map[string]any // by external id
	internal   map[string]int64          // external id -> internal id (insertion order)
	nextID     int64
	settings   settings
}

var validUID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,400}$`)

func newIndex(uid, pk string) *index {
	now := time.Now()
	return &index{
		uid: uid, primaryKey: pk, createdAt: now, updatedAt: now,
		docs: map[string]map[string]any{}, internal: map[string]int64{}, settings: defaultSettings(),
	}
}

func (ix *index) view() map[string]any {
	var pk any
	if ix.primaryKey != "" {
		pk = ix.primaryKey
	}
	return map[string]any{"uid": ix.uid, "primaryKey": pk, "createdAt": rfc3339(ix.createdAt), "updatedAt": rfc3339(ix.updatedAt)}
}

// ids lists the documents' external ids in internal id order.
func (ix *index) ids() []string {
	out := make([]string, 0, len(ix.docs))
	for id := range ix.docs {
		out = append(out, id)
	}
	sort.Slice(out, func(a, b int) bool { return ix.internal[out[a]] < ix.internal[out[b]] })
	return out
}

// lookup returns an index, under s.mu.
func (s *Server) lookup(uid string) (*index, *apiError) {
	ix, ok := s.indexes[uid]
	if !ok {
		return nil, errIndexNotFound(uid)
	}
	return ix, nil
}

// indexForWrite returns an index, creating it as Meilisearch does for
// document additions and settings updates; under s.mu.
func (s *Server) indexForWrite(uid string) *index {
	ix, ok := s.indexes[uid]
	if !ok {
		ix = newIndex(uid, "")
		s.indexes[uid] = ix
	}
	ix.updatedAt = time.Now()
	return ix
}

func (s *Server) listIndexes(w http.ResponseWriter, r *http.Request) *apiError {
	offset, limit := queryInt(r, "offset", 0), queryInt(r, "limit", 20)
	s.mu.Lock()
	defer s.mu.Unlock()
	uids := make([]string, 0, len(s.indexes))
	for uid := range s.indexes {
		uids = append(uids, uid)
	}
	slices.Sort(uids)
	out := []map[string]any{}
	for i := offset; i < len(uids) && i < offset+limit; i++ {
		out = append(out, s.indexes[uids[i]].view())
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out, "offset": offset, "limit": limit, "total": len(uids)})
	return nil
}

func queryInt(r *http.Request, name string, def int) int {
	if n, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil && n >= 0 {
		return n
	}
	return def
}

func (s *Server) createIndex(w http.ResponseWriter, r *http.Request) *apiError {
	var body struct {
		UID        string  `json:"uid"`
		PrimaryKey *string `json:"primaryKey"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if !validUID.MatchString(body.UID) {
		return badRequest("invalid_index_uid", "`"+body.UID+"` is not a valid index uid.")
	}
	pk := ""
	if body.PrimaryKey != nil {
		pk = *body.PrimaryKey
	}
	return s.enqueue(w, body.UID, "indexCreation", map[string]any{"primaryKey": body.PrimaryKey}, func() (map[string]any, *apiError) {
		if _, ok := s.indexes[body.UID]; ok {
			return nil, newErr(http.StatusConflict, "index_already_exists", "invalid_request", "Index `"+body.UID+"` already exists.")
		}
		s.indexes[body.UID] = newIndex(body.UID, pk)
		return nil, nil
	})
}

func (s *Server) getIndex(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, err := s.lookup(r.PathValue("uid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ix.view())
	return nil
}

func (s *Server) deleteIndex(w http.ResponseWriter, r *http.Request) *apiError {
	uid := r.PathValue("uid")
	return s.enqueue(w, uid, "indexDeletion", map[string]any{}, func() (map[string]any, *apiError) {
		ix, err := s.lookup(uid)
		if err != nil {
			return nil, err
		}
		delete(s.indexes, uid)
		return map[string]any{"deletedDocuments": len(ix.docs)}, nil
	})
}

func (ix *index) stats() map[string]any {
	fields := map[string]int{}
	for _, d := range ix.docs {
		for k := range d {
			fields[k]++
		}
	}
	return map[string]any{"numberOfDocuments": len(ix.docs), "isIndexing": false, "fieldDistribution": fields}
}

func (s *Server) indexStats(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, err := s.lookup(r.PathValue("uid"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ix.stats())
	return nil
}

func (s *Server) stats(w http.ResponseWriter, _ *http.Request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := map[string]any{}
	for uid, ix := range s.indexes {
		all[uid] = ix.stats()
	}
	writeJSON(w, http.StatusOK, map[string]any{"databaseSize": 0, "usedDatabaseSize": 0, "lastUpdate": nil, "indexes": all})
	return nil
}

// docID extracts and normalises a document id (integer or string of
// letters, digits, - and _).
func docID(v any) (string, bool) {
	switch x := v.(type) {
	case json.Number:
		if _, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
			return x.String(), true
		}
	case string:
		if validUID.MatchString(x) && len(x) <= 511 {
			return x, true
		}
	}
	return "", false
}

// inferPrimaryKey picks the attribute whose name ends in "id", as
// Meilisearch does when none was given.
func inferPrimaryKey(doc map[string]any) string {
	var found []string
	for k := range doc {
		if strings.HasSuffix(strings.ToLower(k), "id") {
			found = append(found, k)
		}
	}
	if len(found) == 1 {
		return found[0]
	}
	return ""
}

// readDocuments decodes a JSON array (or a single object) of documents.
func readDocuments(r *http.Request) ([]map[string]any, *apiError) {
	var raw json.RawMessage
	if err := decodeBody(r, &raw); err != nil {
		return nil, err
	}
	var docs []map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if strings.HasPrefix(strings.TrimSpace(string(raw)), "{") {
		var one map[string]any
		if err := dec.Decode(&one); err != nil {
			return nil, badRequest("malformed_payload", err.Error())
		}
		return []map[string]any{one}, nil
	}
	if err := dec.Decode(&docs); err != nil {
		return nil, badRequest("malformed_payload", err.Error())
	}
	return docs, nil
}

func (s *Server) addDocuments(w http.ResponseWriter, r *http.Request) *apiError {
	return s.writeDocuments(w, r, false)
}

func (s *Server) updateDocuments(w http.ResponseWriter, r *http.Request) *apiError {
	return s.writeDocuments(w, r, true)
}

// writeDocuments enqueues an addition (replace) or an update (merge).
func (s *Server) writeDocuments(w http.ResponseWriter, r *http.Request, merge bool) *apiError {
	docs, err := readDocuments(r)
	if err != nil {
		return err
	}
	uid, pk := r.PathValue("uid"), r.URL.Query().Get("primaryKey")
	skipCreation := r.URL.Query().Get("skipCreation") == "true"
	return s.enqueue(w, uid, "documentAdditionOrUpdate", map[string]any{"receivedDocuments": len(docs)},
		func() (map[string]any, *apiError) {
			ix := s.indexForWrite(uid)
			n, err := ix.put(docs, pk, merge, skipCreation)
			return map[string]any{"indexedDocuments": n}, err
		})
}

// put applies documents; all or nothing, as a Meilisearch task.
func (ix *index) put(docs []map[string]any, pk string, merge, skipCreation bool) (int, *apiError) {
	if pk == "" {
		pk = ix.primaryKey
	}
	if pk == "" && len(docs) > 0 {
		pk = inferPrimaryKey(docs[0])
	}
	if pk == "" {
		return 0, badRequest("index_primary_key_no_candidate_found", "The primary key inference failed.")
	}
	ids := make([]string, len(docs))
	for i, d := range docs {
		id, ok := docID(d[pk])
		if !ok {
			return 0, badRequest("invalid_document_id", fmt.Sprintf("Document identifier `%v` is invalid.", d[pk]))
		}
		ids[i] = id
	}
	ix.primaryKey = pk
	n := 0
	for i, d := range docs {
		if ix.putOne(ids[i], d, merge, skipCreation) {
			n++
		}
	}
	return n, nil
}

func (ix *index) putOne(id string, d map[string]any, merge, skipCreation bool) bool {
	old, exists := ix.docs[id]
	if !exists && skipCreation {
		return false
	}
	if merge && exists {
		merged := make(map[string]any, len(old)+len(d))
		for k, v := range old {
			merged[k] = v
		}
		for k, v := range d {
			merged[k] = v
		}
		d = merged
	}
	if !exists {
		ix.nextID++
		ix.internal[id] = ix.nextID
	}
	ix.docs[id] = d
	return true
}

func (ix *index) remove(id string) bool {
	if _, ok := ix.docs[id]; !ok {
		return false
	}
	delete(ix.docs, id)
	delete(ix.internal, id)
	return true
}

func (s *Server) deleteBatch(w http.ResponseWriter, r *http.Request) *apiError {
	var raw []any
	if err := decodeBody(r, &raw); err != nil {
		return err
	}
	ids := make([]string, 0, len(raw))
	for _, v := range raw {
		id, ok := docID(v)
		if !ok {
			return badRequest("invalid_document_id", fmt.Sprintf("Document identifier `%v` is invalid.", v))
		}
		ids = append(ids, id)
	}
	return s.deleteDocs(w, r.PathValue("uid"), map[string]any{"providedIds": len(ids)}, func(ix *index) []string { return ids })
}

func (s *Server) deleteByFilter(w http.ResponseWriter, r *http.Request) *apiError {
	var body struct {
		Filter any `json:"filter"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	if body.Filter == nil {
		return badRequest("missing_document_filter", "Missing field `filter`.")
	}
	if _, err := parseFilterValue(body.Filter); err != nil {
		return badRequest("invalid_document_filter", err.Error())
	}
	uid := r.PathValue("uid")
	return s.enqueue(w, uid, "documentDeletion", map[string]any{"originalFilter": fmt.Sprint(body.Filter)}, func() (map[string]any, *apiError) {
		ix, err := s.lookup(uid)
		if err != nil {
			return nil, err
		}
		pred, ferr := ix.compileFilter(body.Filter)
		if ferr != nil {
			return nil, ferr
		}
		n := 0
		for _, id := range ix.ids() {
			if pred(ix.docs[id]) && ix.remove(id) {
				n++
			}
		}
		return map[string]any{"deletedDocuments": n}, nil
	})
}

func (s *Server) deleteAllDocuments(w http.ResponseWriter, r *http.Request) *apiError {
	return s.deleteDocs(w, r.PathValue("uid"), map[string]any{}, func(ix *index) []string { return ix.ids() })
}

func (s *Server) deleteDocs(w http.ResponseWriter, uid string, details map[string]any, which func(*index) []string) *apiError {
	return s.enqueue(w, uid, "documentDeletion", details, func() (map[string]any, *apiError) {
		ix, err := s.lookup(uid)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, id := range which(ix) {
			if ix.remove(id) {
				n++
			}
		}
		return map[string]any{"deletedDocuments": n}, nil
	})
}

func (s *Server) fetchDocuments(w http.ResponseWriter, r *http.Request) *apiError {
	var body struct {
		Offset int      `json:"offset"`
		Limit  *int     `json:"limit"`
		Fields []string `json:"fields"`
		Filter any      `json:"filter"`
		IDs    []any    `json:"ids"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	limit := 20
	if body.Limit != nil {
		limit = *body.Limit
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, err := s.lookup(r.PathValue("uid"))
	if err != nil {
		return err
	}
	pred := func(map[string]any) bool { return true }
	if body.Filter != nil {
		if pred, err = ix.compileFilter(body.Filter); err != nil {
			return err
		}
	}
	var all []map[string]any
	for _, id := range ix.ids() {
		if d := ix.docs[id]; pred(d) {
			all = append(all, pick(d, body.Fields))
		}
	}
	page := all[min(body.Offset, len(all)):min(body.Offset+limit, len(all))]
	if page == nil {
		page = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": page, "offset": body.Offset, "limit": limit, "total": len(all)})
	return nil
}

func (s *Server) getDocument(w http.ResponseWriter, r *http.Request) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, err := s.lookup(r.PathValue("uid"))
	if err != nil {
		return err
	}
	d, ok := ix.docs[r.PathValue("id")]
	if !ok {
		return newErr(http.StatusNotFound, "document_not_found", "invalid_request", "Document `"+r.PathValue("id")+"` not found.")
	}
	var fields []string
	if f := r.URL.Query().Get("fields"); f != "" {
		fields = strings.Split(f, ",")
	}
	writeJSON(w, http.StatusOK, pick(d, fields))
	return nil
}

// pick keeps the listed fields ("*" or none: all).
func pick(d map[string]any, fields []string) map[string]any {
	if len(fields) == 0 || slices.Contains(fields, "*") {
		return d
	}
	out := map[string]any{}
	for _, f := range fields {
		if v, ok := d[f]; ok {
			out[f] = v
		}
	}
	return out
}
