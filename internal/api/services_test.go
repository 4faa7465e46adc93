package api_test

import (
	"github.com/fechatter/fechatter/internal/api"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/chat"
)

// The concrete services must keep satisfying the API's consumer-side interfaces.
var (
	_ api.ChatService = (*chat.Service)(nil)
	_ api.AuthService = (*auth.Service)(nil)
)
