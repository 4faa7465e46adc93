package api

import "slices"

// The component schemas of the OpenAPI document (JSON Schema 2020-12, as
// OpenAPI 3.1 uses it). Request bodies forbid unknown properties, as the
// decoder does; responses may grow new properties.

type obj = map[string]any

// ref points at a component schema.
func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func str() obj                { return obj{"type": "string"} }
func boolean() obj            { return obj{"type": "boolean"} }
func dateTime() obj           { return obj{"type": "string", "format": "date-time"} }
func arrayOf(items obj) obj   { return obj{"type": "array", "items": items} }
func enum(vals ...string) obj { return obj{"type": "string", "enum": vals} }

// intSchema is an int64 of at least lo.
func intSchema(lo int) obj { return obj{"type": "integer", "format": "int64", "minimum": lo} }

// idSchema is a positive int64 id.
func idSchema() obj { return intSchema(1) }

// limitSchema is a list limit.
func limitSchema() obj {
	return obj{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": defaultLimit}
}

// object is a response object: every listed property is always present.
func object(props obj) obj {
	return obj{"type": "object", "properties": props, "required": keys(props)}
}

// objectOpt is an object whose optional properties may be absent.
func objectOpt(props obj, optional ...string) obj {
	o := object(props)
	skip := map[string]bool{}
	for _, k := range optional {
		skip[k] = true
	}
	var req []string
	for _, k := range o["required"].([]string) {
		if !skip[k] {
			req = append(req, k)
		}
	}
	o["required"] = req
	return o
}

// input is a request body: unknown properties are rejected.
func input(props obj, required ...string) obj {
	o := obj{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// keys returns the keys of m, sorted.
func keys(m obj) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var (
	roleEnum     = []string{"owner", "admin", "member", "guest"}
	chatTypeEnum = []string{"direct", "group", "private_channel", "public_channel"}
)

// schemas returns every component schema.
func schemas() obj {
	out := obj{}
	for _, group := range []obj{accountSchemas(), workspaceSchemas(), chatSchemas(), messageSchemas(), opsSchemas(), assistantSchemas()} {
		for k, v := range group {
			out[k] = v
		}
	}
	return out
}

func accountSchemas() obj {
	return obj{
		"User": object(obj{
			"id": idSchema(), "email": str(), "username": str(), "display_name": str(), "avatar_url": str(),
			"locale": str(), "timezone": str(), "is_bot": boolean(), "is_admin": boolean(), "created_at": dateTime(),
		}),
		"Session": objectOpt(obj{
			"user": ref("User"), "access_token": str(), "token_type": enum("Bearer"),
			"expires_in":    obj{"type": "integer", "description": "Lifetime of the access token in seconds."},
			"refresh_token": obj{"type": "string", "description": "Only when the request had refresh_in_body: true (for a refresh, only when the old token came in the body too); otherwise the refresh token is an HttpOnly cookie."},
		}, "refresh_token"),
		"DeviceSession": object(obj{
			"id": idSchema(), "user_agent": str(), "ip": str(), "created_at": dateTime(),
			"last_used_at": dateTime(), "expires_at": dateTime(),
			"current": obj{"type": "boolean", "description": "The session of the calling access token."},
		}),
		"SessionList": object(obj{"sessions": arrayOf(ref("DeviceSession"))}),
		"SetupStatus": object(obj{"needed": boolean()}),
		"SetupRequest": input(obj{
			"email": str(), "password": passwordSchema(), "username": str(), "display_name": str(), "workspace_name": str(),
			"setup_token":     obj{"type": "string", "description": "The token of the setup link the server prints at first start (also in <data_dir>/setup.token), or FECHATTER_SETUP_TOKEN when the operator set one. Without the right one: 403."},
			"refresh_in_body": boolean(),
		}, "email", "password", "username", "workspace_name", "setup_token"),
		"SignUpRequest": input(obj{
			"email":    obj{"type": "string", "description": "An email that cannot be used (it has an account) gets one 409 answer, field email \"cannot be used to sign up\", that does not say why; a taken username is named (409, field username), since usernames are public in a workspace. Sign-up attempts are limited per client IP (per /64 for IPv6): 429 with Retry-After."},
			"password": passwordSchema(), "username": str(), "display_name": str(), "invite_code": str(), "refresh_in_body": boolean(),
		}, "email", "password", "username"),
		"SignInRequest": input(obj{"email": str(), "password": str(), "refresh_in_body": boolean()}, "email", "password"),
		"RefreshRequest": input(obj{
			"refresh_token":   obj{"type": "string", "description": "Omit to use the refresh cookie."},
			"refresh_in_body": obj{"type": "boolean", "description": "Return the new refresh token in the body. Applies only to a refresh_token sent in the body: a token that came in the HttpOnly cookie goes back only in the cookie."},
		}),
		"ProfilePatch":   input(obj{"display_name": str(), "username": str(), "avatar_url": str(), "locale": str(), "timezone": str()}),
		"PasswordChange": input(obj{"current_password": str(), "new_password": passwordSchema()}, "current_password", "new_password"),
	}
}

func passwordSchema() obj { return obj{"type": "string", "minLength": 8, "maxLength": 256} }

func workspaceSchemas() obj {
	return obj{
		"Workspace": object(obj{
			"id": idSchema(), "name": str(), "role": enum(roleEnum...), "created_by": idSchema(), "created_at": dateTime(),
		}),
		"WorkspaceList":   object(obj{"workspaces": arrayOf(ref("Workspace"))}),
		"WorkspaceCreate": input(obj{"name": str()}, "name"),
		"WorkspacePatch":  input(obj{"name": str()}),
		"Member": object(obj{
			"workspace_id": idSchema(), "role": enum(roleEnum...), "joined_at": dateTime(), "user": ref("User"),
		}),
		"MemberList":      object(obj{"members": arrayOf(ref("Member"))}),
		"MemberRolePatch": input(obj{"role": enum(roleEnum...)}, "role"),
		"InviteRequest": input(obj{
			"max_uses":         obj{"type": "integer", "minimum": 0, "maximum": 1000, "description": "How many people may join with the code, 1 to 1000; 0 or absent: 25."},
			"expires_in_hours": obj{"type": "integer", "minimum": 0, "maximum": 720, "description": "Hours until the code expires, 1 to 720 (30 days); 0 or absent: 168 (7 days)."},
		}),
		"InviteCreated": object(obj{
			"id": idSchema(), "code": obj{"type": "string", "description": "Shown only this once; the server keeps a hash."},
			"max_uses": intSchema(1), "expires_at": dateTime(),
		}),
		"Invite": object(obj{
			"id": idSchema(), "max_uses": obj{"type": "integer", "minimum": 0, "description": "0: unlimited (invites made before limits were required)."},
			"uses": intSchema(0), "expires_at": obj{"type": []string{"string", "null"}, "format": "date-time", "description": "null: never (invites made before expiry was required)."},
			"created_by": obj{"type": "integer", "format": "int64", "minimum": 1, "description": "The user id of the admin who made it."},
			"created_at": dateTime(),
		}),
		"InviteList":    object(obj{"invites": arrayOf(ref("Invite"))}),
		"InvitePreview": object(obj{"workspace": object(obj{"id": idSchema(), "name": str()})}),
		"Ban": object(obj{
			"workspace_id": idSchema(), "user": ref("User"), "created_at": dateTime(),
			"banned_by": obj{"type": "integer", "format": "int64", "minimum": 0, "description": "The user id of the admin who banned; 0 once that account is gone."},
		}),
		"BanList": object(obj{"bans": arrayOf(ref("Ban"))}),
		"StorageUsage": object(obj{
			"workspace_id": idSchema(), "files": intSchema(0), "used_bytes": intSchema(0),
			"quota_bytes":      obj{"type": "integer", "format": "int64", "minimum": 0, "description": "files.quota_per_workspace; 0: unlimited."},
			"user_quota_bytes": obj{"type": "integer", "format": "int64", "minimum": 0, "description": "files.quota_per_user (a user's uploads in all workspaces); 0: unlimited."},
			"top_users": obj{"type": "array", "description": "The users with the most bytes in this workspace, at most 10, most first.",
				"items": object(obj{"user": ref("User"), "files": intSchema(1), "used_bytes": intSchema(0)})},
		}),
	}
}

func chatSchemas() obj {
	return obj{
		"Chat": objectOpt(obj{
			"id": idSchema(), "workspace_id": idSchema(), "type": enum(chatTypeEnum...), "name": str(), "topic": str(),
			"created_by": idSchema(), "created_at": dateTime(), "last_seq": intSchema(0), "last_activity_at": dateTime(),
			"member_count": intSchema(0), "unread_count": intSchema(0), "last_read_seq": intSchema(0),
			"my_role": enum("admin", "member"), "last_message": ref("Message"),
			"description": str(), "auto_join": boolean(), "archived_at": dateTime(),
		}, "my_role", "last_message", "archived_at"),
		"ChatList": object(obj{"chats": arrayOf(ref("Chat"))}),
		"ChatCreate": input(obj{
			"type": enum(chatTypeEnum...), "name": str(), "topic": str(),
			"member_ids": obj{"type": "array", "items": idSchema(), "description": "The other members; the caller is always one."},
		}, "type"),
		"ChatPatch":       input(obj{"name": str(), "topic": str(), "description": str()}),
		"ChatMemberPatch": input(obj{"role": enum("admin", "member")}, "role"),
		"ChatMember": object(obj{
			"chat_id": idSchema(), "role": enum("admin", "member"), "joined_at": dateTime(),
			"last_read_seq": intSchema(0), "user": ref("User"),
		}),
		"ChatMemberList": object(obj{"members": arrayOf(ref("ChatMember"))}),
		"ChatMembersAdd": input(obj{"user_ids": obj{"type": "array", "items": idSchema(), "minItems": 1}}, "user_ids"),
		"ReadMarker":     input(obj{"seq": intSchema(0)}, "seq"),
	}
}

// contentDesc describes message text as chat.normalizeMessageContent
// checks it (internal/chat/RULES.md "Messages").
const contentDesc = "Message text, 1 to 10,000 characters (may be empty when attachments are sent). " +
	"Valid UTF-8; line breaks are stored as \\n (\\r\\n and a lone \\r become \\n). Refused with 400 (field content): " +
	"control characters other than newline and tab (C0, DEL, C1); bidirectional embeddings, overrides and isolates " +
	"(U+202A–U+202E, U+2066–U+2069); U+FEFF; the deprecated format characters U+206A–U+206F; interlinear annotations " +
	"(U+FFF9–U+FFFB); text that shows nothing (only white space and invisible characters). Kept: the zero-width space, " +
	"non-joiner and joiner (U+200B–U+200D, emoji sequences), the marks U+200E, U+200F and U+061C, variation selectors " +
	"and tag characters. Markup is stored as text."

func messageSchemas() obj {
	return obj{
		"Message": objectOpt(obj{
			"id": idSchema(), "chat_id": idSchema(), "workspace_id": idSchema(), "seq": idSchema(),
			"sender": ref("User"), "content": str(), "client_id": str(), "reply_to": idSchema(),
			"reply_count": intSchema(0), "attachments": arrayOf(ref("File")), "reactions": arrayOf(ref("Reaction")),
			"mentions": arrayOf(idSchema()), "deleted": boolean(), "created_at": dateTime(), "edited_at": dateTime(),
		}, "reply_to", "edited_at"),
		"Reaction":    object(obj{"emoji": str(), "count": intSchema(1), "me": boolean()}),
		"MessagePage": object(obj{"messages": arrayOf(ref("Message")), "has_more": boolean()}),
		"MessageList": object(obj{"messages": arrayOf(ref("Message"))}),
		"MessageCreate": input(obj{
			"content":        obj{"type": "string", "maxLength": 10000, "description": contentDesc},
			"client_id":      obj{"type": "string", "description": "Idempotency key: the same one from the same sender in the same chat returns the first message."},
			"reply_to":       idSchema(),
			"attachment_ids": arrayOf(idSchema()),
		}),
		"MessagePatch": input(obj{"content": obj{"type": "string", "minLength": 1, "maxLength": 10000, "description": contentDesc}}, "content"),
		"File": object(obj{
			"id": idSchema(), "workspace_id": idSchema(), "uploader_id": idSchema(), "name": str(),
			"size": intSchema(0), "content_type": str(), "created_at": dateTime(), "url": str(),
		}),
	}
}

func opsSchemas() obj {
	return obj{
		"Error": object(obj{"error": objectOpt(obj{
			"code": str(), "message": str(), "request_id": str(),
			"fields": obj{"type": "object", "additionalProperties": str(), "description": "Why each field was rejected (validation errors only)."},
		}, "fields")}),
		"Health": objectOpt(obj{
			"status":    enum("ok", "unavailable"),
			"not_ready": arrayOf(str()),
		}, "not_ready"),
		"Status":  statusSchema(),
		"OpenAPI": obj{"type": "object", "description": "This document."},
		"AuditEntry": objectOpt(obj{
			"id": idSchema(), "at": dateTime(),
			"actor":          obj{"type": "string", "description": "cli:<os user> for `fechatter admin`, the username for an API caller."},
			"actor_id":       obj{"type": "integer", "format": "int64", "minimum": 0, "description": "The acting user; 0 for the command line."},
			"source":         obj{"type": "string", "description": "local for the command line, the client IP for the API."},
			"action":         obj{"type": "string", "description": "user.create, user.disable, user.enable, user.promote, user.demote, user.reset_password, user.sessions_revoke, invite.create, member.role, member.ban, log_level.set."},
			"target_user_id": idSchema(), "workspace_id": idSchema(),
			"detail": obj{"type": "object", "description": "What else matters (a new role, an invite id); {} when nothing."},
		}, "target_user_id", "workspace_id"),
		"AuditPage": object(obj{"entries": arrayOf(ref("AuditEntry"))}),
		"AdminUser": object(obj{
			"id": idSchema(), "email": str(), "username": str(), "display_name": str(), "avatar_url": str(),
			"locale": str(), "timezone": str(), "is_bot": boolean(), "is_admin": boolean(), "created_at": dateTime(),
			"disabled_at": obj{"type": []string{"string", "null"}, "format": "date-time", "description": "null while the account may sign in."},
		}),
		"AdminUserList": object(obj{"users": arrayOf(ref("AdminUser"))}),
		"AdminUserPatch": input(obj{
			"disabled": obj{"type": "boolean", "description": "true disables the account: it cannot sign in, and its tokens and event streams stop at once."},
			"is_admin": obj{"type": "boolean", "description": "Promote to or demote from instance administrator; the last enabled one cannot be demoted or disabled (409)."},
		}),
		"LogLevel":    input(obj{"level": enum("debug", "info", "warn", "error")}, "level"),
		"EventTicket": object(obj{"ticket": str(), "expires_in": intSchema(1)}),
		"SearchResult": object(obj{
			"hits": arrayOf(object(obj{
				"message":   ref("Message"),
				"chat":      object(obj{"id": idSchema(), "name": str(), "type": str()}),
				"highlight": obj{"type": "string", "description": "HTML-escaped snippet; matches wrapped in <mark>, the only markup."},
			})),
			"total":   intSchema(0),
			"facets":  obj{"type": "object", "additionalProperties": arrayOf(object(obj{"value": str(), "label": str(), "count": intSchema(0)}))},
			"took_ms": intSchema(0),
		}),
		"SearchSettings": object(obj{
			"recency_weight": obj{"type": "number", "minimum": 0, "maximum": 1}, "recency_half_life_hours": obj{"type": "number"},
			"direct_chat_boost": obj{"type": "number"}, "frequent_chat_boost": obj{"type": "number"},
			"stop_words": arrayOf(str()), "synonyms": obj{"type": "object", "additionalProperties": arrayOf(str())},
		}),
	}
}

func assistantSchemas() obj {
	command := objectOpt(obj{
		"id": idSchema(), "name": str(), "description": str(),
		"usage":    obj{"type": "string", "description": "How to call it, e.g. /summarize [n | since <time>]."},
		"template": obj{"type": "string", "description": "Custom commands only: the prompt, with {{input}}, {{context}}, {{user}} and {{chat}} replaced."},
		"built_in": boolean(),
	}, "id", "template")
	return obj{
		"Assistant": object(obj{
			"enabled":       obj{"type": "boolean", "description": "The assistant answers: a model is configured on the server and the workspace has not turned it off."},
			"configured":    obj{"type": "boolean", "description": "A model endpoint is configured on this server (bot.base_url and bot.model)."},
			"turned_on":     obj{"type": "boolean", "description": "The workspace's admins have not turned the assistant off."},
			"model":         obj{"type": "string", "description": "The model's name; empty when none is configured."},
			"system_prompt": str(), "username": str(),
			"user_id":  obj{"type": "integer", "format": "int64", "minimum": 0, "description": "The assistant's user id in this workspace (start a direct chat with it)."},
			"commands": arrayOf(ref("AssistantCommand")),
		}),
		"AssistantPatch": input(obj{
			"enabled":       boolean(),
			"system_prompt": obj{"type": "string", "maxLength": 4000, "description": "Added to the assistant's instructions in this workspace."},
		}),
		"AssistantCommand":     command,
		"AssistantCommandList": object(obj{"commands": arrayOf(ref("AssistantCommand"))}),
		"AssistantCommandRequest": input(obj{
			"name":        obj{"type": "string", "pattern": "^/?[A-Za-z][A-Za-z0-9_-]{0,31}$", "description": "Called as /name (stored in lower case); not a built-in command's name."},
			"description": obj{"type": "string", "maxLength": 200},
			"template":    obj{"type": "string", "minLength": 1, "maxLength": 4000, "description": "The prompt; {{input}} is the text after the command, {{context}} the recent messages the caller can read, {{user}} the caller's @username, {{chat}} the chat's name."},
		}, "name", "template"),
	}
}
