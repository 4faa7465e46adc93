package api

// integrationSchemas are the component schemas of bots, webhooks and
// slash-command integrations.
func integrationSchemas() obj {
	token := objectOpt(obj{
		"id": idSchema(), "bot_id": idSchema(), "workspace_id": idSchema(),
		"hint":       obj{"type": "string", "description": "The token's first characters, to tell tokens apart."},
		"created_at": dateTime(), "last_used_at": dateTime(), "revoked_at": dateTime(),
	}, "last_used_at", "revoked_at")
	idList := arrayOf(idSchema())
	return obj{
		"BotToken": token,
		"WorkspaceBot": object(obj{
			"user": ref("User"), "workspace_id": idSchema(), "created_by": idSchema(), "created_at": dateTime(),
			"tokens": arrayOf(ref("BotToken")),
		}),
		"BotList": object(obj{"bots": arrayOf(ref("WorkspaceBot"))}),
		"BotCreate": input(obj{
			"username":     obj{"type": "string", "description": "2 to 32 of a-z, 0-9, '_', '.', '-'; unique on the server."},
			"display_name": obj{"type": "string", "maxLength": 64},
		}, "username"),
		"BotCreated": object(obj{
			"bot":   ref("WorkspaceBot"),
			"token": obj{"type": "string", "description": "The API token (fcb_...), shown only now. Send it as Authorization: Bearer."},
		}),
		"BotTokenCreated": object(obj{
			"token": obj{"type": "string", "description": "The API token, shown only now."},
			"info":  ref("BotToken"),
		}),
		"Integration": object(obj{
			"id": idSchema(), "workspace_id": idSchema(), "kind": enum("incoming", "outgoing", "command"),
			"name": str(), "description": str(), "chat_ids": idList, "trigger_words": arrayOf(str()),
			"url":        obj{"type": "string", "description": "Incoming: the secret URL to POST to. Outgoing and commands: where requests go."},
			"secret":     obj{"type": "string", "description": "Outgoing and commands: the HMAC-SHA256 key of X-Fechatter-Signature. Incoming: the secret in the URL."},
			"bot_id":     idSchema(),
			"created_by": idSchema(), "created_at": dateTime(),
		}),
		"IntegrationList": object(obj{"integrations": arrayOf(ref("Integration"))}),
		"IncomingWebhookCreate": input(obj{
			"name": str(), "description": str(), "chat_id": idSchema(),
			"bot_id": obj{"type": "integer", "format": "int64", "description": "A bot account of the workspace to post as; default the integrations bot."},
		}, "chat_id"),
		"OutgoingWebhookCreate": input(obj{
			"name": str(), "description": str(), "chat_ids": idList, "url": str(), "bot_id": idSchema(),
			"trigger_words": obj{"type": "array", "items": str(), "description": "When set, only messages that start with one of them are sent."},
		}, "chat_ids", "url"),
		"SlashCommandCreate": input(obj{
			"name":        obj{"type": "string", "pattern": "^/?[A-Za-z][A-Za-z0-9_-]{0,31}$", "description": "Called as /name; not a built-in or custom assistant command."},
			"description": str(), "url": str(), "bot_id": idSchema(),
		}, "name", "url"),
		"IncomingWebhookPayload": obj{"type": "object", "description": "Unknown fields are ignored (Slack-compatible).",
			"properties": obj{
				"text": obj{"type": "string", "description": "Markdown."}, "username": str(), "icon_url": str(),
				"attachments": arrayOf(obj{"type": "object", "properties": obj{"pretext": str(), "text": str(), "fallback": str()}}),
				"blocks":      obj{"description": "Ignored."},
			}},
		"CommandAnswer": objectOpt(obj{
			"command": str(), "response_type": enum("ephemeral", "in_channel"), "text": str(), "ok": boolean(),
			"chat_id": idSchema(), "message": ref("Message"),
		}, "message"),
	}
}
