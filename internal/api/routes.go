package api

import (
	"github.com/gin-gonic/gin"
	"sync"

	"github.com/fechatter/fechatter/internal/apperr"
)

// route is one endpoint: how it is served and how it is documented. Each
// endpoint family declares its routes next to its handlers.
type route struct {
	method string
	// path is in gin syntax (/api/chats/:chat); the OpenAPI document shows
	// it as /api/chats/{chat}.
	path string
	// public routes need no bearer token.
	public bool
	// instanceAdmin routes (/api/admin/*) answer 403 unless the caller is
	// the instance administrator (model.User.IsAdmin).
	instanceAdmin bool
	// operator routes (/metrics, /debug/pprof) answer 404 unless the
	// OperatorGate admits the caller.
	operator bool
	handle   handlerFunc
	doc      doc
}

// doc describes an operation for the OpenAPI document.
type doc struct {
	summary string
	tag     string
	query   []param
	// body names the component schema of the JSON request body; "" for none.
	body         string
	bodyOptional bool
	// multipart marks an upload (multipart/form-data with a field file).
	multipart bool
	// status is the success status; result names its component schema, ""
	// for no content.
	status int
	result string
	// alt is a second success status with the same result, altWhy says when.
	alt    int
	altWhy string
	// also are further success answers with results of their own.
	also []altResult
	// binary marks a success body of raw bytes (a file download).
	binary bool
	// eventStream marks a text/event-stream answer.
	eventStream bool
	// text marks a text/plain answer (metrics, profile listings).
	text bool
	// errors are statuses beyond those the document derives on its own
	// (400 for input, 401 for auth, 404 for path ids, 413/415 for bodies).
	errors []int
}

// altResult is a success answer with a result other than the route's.
type altResult struct {
	status int
	result string
	why    string
}

// param is a documented query parameter.
type param struct {
	name   string
	schema map[string]any
	desc   string
}

// routes lists every endpoint of the API.
func (s *server) routes() []route {
	var all []route
	for _, family := range [][]route{
		s.healthRoutes(), s.openAPIRoutes(), s.setupRoutes(), s.authRoutes(), s.meRoutes(), s.profileRoutes(),
		s.workspaceRoutes(), s.inviteRoutes(), s.banRoutes(), s.chatRoutes(), s.chatMemberRoutes(), s.channelSettingsRoutes(),
		s.messageRoutes(), s.reactionRoutes(), s.mentionRoutes(), s.prefsRoutes(), s.fileRoutes(), s.eventRoutes(), s.searchRoutes(), s.adminRoutes(),
		s.statusRoutes(),
		s.operatorRoutes(),
		s.assistantRoutes(), s.knowledgeRoutes(), s.languageRoutes(),
		s.twoFactorRoutes(), s.oidcRoutes(),
		s.logLevelRoutes(),
		s.previewRoutes(), s.pushRoutes(),
		s.integrationRoutes(), s.slashCommandRoutes(),
		s.recoveryRoutes(), s.digestRoutes(),
		s.instanceRoutes(),
	} {
		all = append(all, family...)
	}
	return all
}

// register adds rs to the engine, behind the rate limits of the route's
// class, requireJSON on JSON routes with a body, and requireAuth unless
// public, and builds the OpenAPI document from the same table.
func (s *server) register(rs []route) {
	for _, r := range rs {
		beforeAuth, afterAuth := s.limitChain(r)
		chain := make([]gin.HandlerFunc, 0, 7)
		if r.operator {
			chain = append(chain, s.requireOperator)
		}
		chain = append(chain, beforeAuth...)
		if bodyMethod(r.method) && !r.doc.multipart {
			chain = append(chain, s.requireJSON)
		}
		if !r.public {
			chain = append(chain, s.requireAuth, s.enforceScope)
		}
		if r.instanceAdmin {
			chain = append(chain, s.requireInstanceAdmin)
		}
		chain = append(chain, afterAuth...)
		chain = append(chain, s.wrap(r.handle))
		s.engine.Handle(r.method, r.path, chain...)
	}
	s.openapi = sync.OnceValue(func() []byte { return buildOpenAPI(rs, s.cfg.Version) })
}

// requireInstanceAdmin lets only the instance administrator through; it
// runs after requireAuth.
func (s *server) requireInstanceAdmin(c *gin.Context) {
	u, err := s.chat.Me(c.Request.Context(), userID(c))
	if err != nil {
		s.renderError(c, err)
		return
	}
	if !u.IsAdmin {
		s.renderError(c, apperr.Forbidden("only the instance administrator may do this"))
	}
}
