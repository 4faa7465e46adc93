package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/fechatter/fechatter/internal/integ"
)

// slashCommandRoutes serve what the composer's "/" menu offers besides
// the assistant's commands: the workspace's slash-command integrations,
// readable by every member (the admin listing has their URLs and secrets).
func (s *server) slashCommandRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/api/workspaces/:ws/commands", handle: s.listSlashCommands, doc: doc{
			tag: "integrations", summary: "The workspace's slash-command integrations as members see them: name, description, usage (never the URL or secret)",
			status: http.StatusOK, result: "SlashCommandInfoList", errors: []int{http.StatusNotFound},
		}},
	}
}

func (s *server) listSlashCommands(c *gin.Context) error {
	ws, err := pathID(c, "ws", "workspace")
	if err != nil {
		return err
	}
	list := []integ.CommandInfo{}
	if s.integrations == nil { // integrations off: none, but still members only
		if _, err := s.chat.Workspace(c.Request.Context(), userID(c), ws); err != nil {
			return err
		}
	} else if list, err = s.integrations.Commands(c.Request.Context(), userID(c), ws); err != nil {
		return err
	}
	writeJSON(c, http.StatusOK, gin.H{"commands": list})
	return nil
}

// slashCommandSchemas are the component schemas of the member listing.
func slashCommandSchemas() obj {
	return obj{
		"SlashCommandInfo": object(obj{
			"name": str(), "description": str(),
			"usage": obj{"type": "string", "description": "How to call it, e.g. /deploy [text]: the text after the name goes to the integration."},
		}),
		"SlashCommandInfoList": object(obj{"commands": arrayOf(ref("SlashCommandInfo"))}),
	}
}
