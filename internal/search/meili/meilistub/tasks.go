package meilistub

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// apiError is Meilisearch's error object, with the HTTP status.
type apiError struct {
	Status  int    `json:"-"`
	Message string `json:"message"`
	Code    string `json:"code"`
	Type    string `json:"type"`
	Link    string `json:"link"`
}

func newErr(status int, code, typ, msg string) *apiError {
	return &apiError{Status: status, Message: msg, Code: code, Type: typ, Link: "https://docs.meilisearch.com/errors#" + code}
}

func badRequest(code, msg string) *apiError {
	return newErr(http.StatusBadRequest, code, "invalid_request", msg)
}

func errIndexNotFound(uid string) *apiError {
	return newErr(http.StatusNotFound, "index_not_found", "invalid_request", fmt.Sprintf("Index `%s` not found.", uid))
}

func errAuthMissing() *apiError {
	return newErr(http.StatusUnauthorized, "missing_authorization_header", "auth",
		"The Authorization header is missing. It must use the bearer authorization method.")
}

func errAuthInvalid() *apiError {
	return newErr(http.StatusForbidden, "invalid_api_key", "auth", "The provided API key is invalid.")
}

func writeErr(w http.ResponseWriter, e *apiError) { writeJSON(w, e.Status, e) }

// task is one asynchronous operation.
type task struct {
	UID        int64
	IndexUID   string
	Status     string
	Type       string
	Details    map[string]any
	Error      *apiError
	EnqueuedAt time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	// apply does the work with s.mu held and returns the details.
	apply func() (map[string]any, *apiError)
}

func rfc3339(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// view is the task object of GET /tasks/{uid}.
func (t *task) view() map[string]any {
	v := map[string]any{
		"uid": t.UID, "batchUid": t.UID, "indexUid": t.IndexUID, "status": t.Status, "type": t.Type,
		"canceledBy": nil, "details": t.Details, "error": nil, "duration": nil,
		"enqueuedAt": rfc3339(t.EnqueuedAt), "startedAt": rfc3339(t.StartedAt), "finishedAt": rfc3339(t.FinishedAt),
	}
	if t.Error != nil {
		v["error"] = t.Error
	}
	if !t.FinishedAt.IsZero() {
		v["duration"] = fmt.Sprintf("PT%.6fS", t.FinishedAt.Sub(t.StartedAt).Seconds())
	}
	return v
}

// enqueue registers a task and answers 202 with its summary.
func (s *Server) enqueue(w http.ResponseWriter, indexUID, typ string, details map[string]any, apply func() (map[string]any, *apiError)) *apiError {
	s.mu.Lock()
	t := &task{
		UID: int64(len(s.tasks) + 1), IndexUID: indexUID, Status: "enqueued", Type: typ,
		Details: details, EnqueuedAt: time.Now(), apply: apply,
	}
	s.tasks = append(s.tasks, t)
	s.queue = append(s.queue, t)
	s.mu.Unlock()
	s.poke()
	writeJSON(w, http.StatusAccepted, map[string]any{
		"taskUid": t.UID, "indexUid": indexUID, "status": "enqueued", "type": typ, "enqueuedAt": rfc3339(t.EnqueuedAt),
	})
	return nil
}

func (s *Server) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// process runs tasks one at a time in enqueue order, like Meilisearch's
// scheduler, until Close.
func (s *Server) process() {
	defer close(s.done)
	for {
		select {
		case <-s.stop:
			return
		case <-s.wake:
		}
		for s.runOne() {
		}
	}
}

// runOne processes the next task after TaskDelay; false when none is ready.
func (s *Server) runOne() bool {
	s.mu.Lock()
	ready := len(s.queue) > 0 && !s.paused
	s.mu.Unlock()
	if !ready {
		return false
	}
	timer := time.NewTimer(s.delay)
	defer timer.Stop()
	select {
	case <-s.stop:
		return false
	case <-timer.C:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) == 0 || s.paused {
		return false
	}
	t := s.queue[0]
	s.queue = s.queue[1:]
	t.Status, t.StartedAt = "processing", time.Now()
	s.finishTask(t)
	return true
}

func (s *Server) finishTask(t *task) {
	if s.failNext > 0 && strings.HasPrefix(t.Type, "document") {
		s.failNext--
		t.Error = newErr(http.StatusInternalServerError, "internal", "internal", "stub: injected task failure")
	} else {
		details, err := t.apply()
		for k, v := range details {
			t.Details[k] = v
		}
		t.Error = err
	}
	t.Status, t.FinishedAt = "succeeded", time.Now()
	if t.Error != nil {
		t.Status = "failed"
	}
}

func (s *Server) getTask(w http.ResponseWriter, r *http.Request) *apiError {
	uid, err := strconv.ParseInt(r.PathValue("uid"), 10, 64)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || uid < 1 || uid > int64(len(s.tasks)) {
		return newErr(http.StatusNotFound, "task_not_found", "invalid_request", "Task `"+r.PathValue("uid")+"` not found.")
	}
	writeJSON(w, http.StatusOK, s.tasks[uid-1].view())
	return nil
}

// listTasks answers GET /tasks with the uids, statuses, indexUids, types,
// limit and from filters, newest first.
func (s *Server) listTasks(w http.ResponseWriter, r *http.Request) *apiError {
	q := r.URL.Query()
	limit := 20
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badRequest("invalid_task_limit", "Invalid value in parameter `limit`.")
		}
		limit = n
	}
	keep := taskFilter(q.Get("uids"), q.Get("statuses"), q.Get("indexUids"), q.Get("types"))
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for i := len(s.tasks) - 1; i >= 0 && len(out) < limit; i-- {
		if keep(s.tasks[i]) {
			out = append(out, s.tasks[i].view())
		}
	}
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out, "total": len(s.tasks), "limit": limit, "from": nil, "next": nil})
	return nil
}

func taskFilter(uids, statuses, indexUIDs, types string) func(*task) bool {
	split := func(v string) []string {
		if v == "" || v == "*" {
			return nil
		}
		return strings.Split(v, ",")
	}
	u, st, ix, ty := split(uids), split(statuses), split(indexUIDs), split(types)
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	return func(t *task) bool {
		return in(u, strconv.FormatInt(t.UID, 10)) && in(st, t.Status) && in(ix, t.IndexUID) && in(ty, t.Type)
	}
}
