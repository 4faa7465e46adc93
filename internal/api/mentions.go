package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (s *server) mentionRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/mentions", handle: s.mentions, doc: doc{
			tag: "messages", summary: "Messages that mention the caller, newest first",
			query: []param{
				{name: "unread", schema: map[string]any{"type": "boolean", "default": false}, desc: "Only those above the caller's read marker."},
				{name: "limit", schema: limitSchema(), desc: "At most this many, " + limitRange + "."},
			},
			status: http.StatusOK, result: "MessageList",
		}},
	}
}

// mentions answers GET /api/mentions.
func (s *server) mentions(c *gin.Context) error {
	unread, err := queryBool(c, "unread")
	if err != nil {
		return err
	}
	limit, err := queryLimit(c)
	if err != nil {
		return err
	}
	list, err := s.chat.Mentions(c.Request.Context(), userID(c), unread, limit)
	if err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"messages": messageList(list)})
	return nil
}
