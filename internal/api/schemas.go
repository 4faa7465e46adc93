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
	for _, group := range []obj{accountSchemas(), workspaceSchemas(), chatSchemas(), messageSchemas(), opsSchemas(), assistantSchemas(), previewSchemas(), twoFactorSchemas(), integrationSchemas(), mailSchemas(), prefsSchemas(), slashCommandSchemas(), instanceSchemas()} {
		for k, v := range group {
			out[k] = v
		}
	}
	return out
}

func accountSchemas() obj {
	return obj{
		"User": objectOpt(obj{
			"id": idSchema(), "email": str(), "username": str(), "display_name": str(),
			"avatar_url": obj{"type": "string", "description": "Where the server serves the uploaded avatar (GET /api/users/{user}/avatar?v=<hash>, with the bearer token); empty when there is none."},
			"locale":     str(), "timezone": obj{"type": "string", "description": "IANA time zone name, e.g. Europe/Paris; empty when unset."},
			"is_bot": boolean(), "is_admin": boolean(), "created_at": dateTime(),
			"status": ref("UserStatus"),
		}, "status"),
		"UserStatus": objectOpt(obj{
			"emoji": str(), "text": str(),
			"expires_at": obj{"type": "string", "format": "date-time", "description": "When the status clears; absent: until cleared. An expired status is never returned."},
		}, "expires_at"),
		"StatusInput": input(obj{
			"emoji":      obj{"type": "string", "maxLength": 64, "description": "One emoji (or :shortcode:); emoji or text is required."},
			"text":       obj{"type": "string", "maxLength": 100},
			"expires_at": obj{"type": []string{"string", "null"}, "format": "date-time", "description": "When to clear the status (in the future); null or absent: never."},
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
		"SetupStatus": object(obj{"needed": boolean(),
			"mail_enabled": obj{"type": "boolean", "description": "Whether the server can send mail (smtp.host is set). Without it, \"Forgot password\" cannot mail a link: an instance administrator issues one (POST /api/admin/users/{user}/reset-link)."}}),
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
		"ProfilePatch": input(obj{"display_name": str(), "username": str(),
			"avatar_url": obj{"type": "string", "description": "Only \"\" (remove the avatar) or the current value: upload a picture with PUT /api/me/avatar. Any other URL is refused (400): an external picture would tell its host every reader's IP address."},
			"locale":     str(), "timezone": obj{"type": "string", "description": "An IANA time zone name (e.g. Europe/Paris); others are refused (400)."}}),
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
			"preview": ref("LinkPreview"),
			"lang":    obj{"type": "string", "description": "The detected language (ISO 639-1); empty until detected, shortly after the send, and for texts too short to tell."},
		}, "reply_to", "edited_at", "preview"),
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
			"action":         obj{"type": "string", "description": "user.create, user.disable, user.enable, user.promote, user.demote, user.reset_password, user.sessions_revoke, invite.create, member.role, member.ban, log_level.set, instance.settings."},
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
		"KnowledgeDocument": object(obj{
			"id": idSchema(), "workspace_id": idSchema(), "title": str(),
			"format":     obj{"type": "string", "enum": []string{"text", "markdown"}},
			"bytes":      intSchema(0),
			"chunks":     obj{"type": "integer", "minimum": 0, "description": "How many overlapping chunks the text was cut into."},
			"embedded":   obj{"type": "integer", "minimum": 0, "description": "How many chunks have an embedding of bot.embedding_model (0 without one)."},
			"created_by": idSchema(), "created_at": obj{"type": "string", "format": "date-time"},
		}),
		"KnowledgeDocumentList": object(obj{"documents": arrayOf(ref("KnowledgeDocument"))}),
		"KnowledgeDocumentRequest": input(obj{
			"title":  obj{"type": "string", "minLength": 1, "maxLength": 200},
			"format": obj{"type": "string", "enum": []string{"text", "markdown"}, "description": "Default text."},
			"text":   obj{"type": "string", "minLength": 1, "description": "UTF-8 text, at most 1 MiB."},
		}, "title", "text"),
		"AssistantCommandRequest": input(obj{
			"name":        obj{"type": "string", "pattern": "^/?[A-Za-z][A-Za-z0-9_-]{0,31}$", "description": "Called as /name (stored in lower case); not a built-in command's name."},
			"description": obj{"type": "string", "maxLength": 200},
			"template":    obj{"type": "string", "minLength": 1, "maxLength": 4000, "description": "The prompt; {{input}} is the text after the command, {{context}} the recent messages the caller can read, {{user}} the caller's @username, {{chat}} the chat's name."},
		}, "name", "template"),
		"TranslateRequest": input(obj{
			"target": obj{"type": "string", "pattern": "^[A-Za-z][A-Za-z -]{1,31}$", "description": "The language to translate into: an ISO 639-1 code (de, ja) or a name (german)."},
		}, "target"),
		"Translation": object(obj{
			"message_id": idSchema(), "text": str(), "created_at": dateTime(),
			"source_language": obj{"type": "string", "description": "The message's detected language (ISO 639-1); empty when unknown."},
			"target_language": obj{"type": "string", "description": "The target as asked, in lower case."},
		}),
		"UserLanguage": object(obj{
			"language":       obj{"type": "string", "description": "ISO 639-1 code; empty when not set (the web app then uses the browser's language)."},
			"auto_translate": obj{"type": "boolean", "description": "The web app translates messages in other languages without being asked."},
			"updated_at":     dateTime(),
		}),
		"UserLanguagePatch": input(obj{
			"language":       obj{"type": "string", "description": "An ISO 639-1 code the detector knows (en, de, ja, ...) or empty."},
			"auto_translate": boolean(),
		}),
	}
}

func previewSchemas() obj {
	return obj{
		"LinkPreview": objectOpt(obj{
			"url": str(), "title": str(), "description": str(), "site_name": str(),
			"image_url": obj{"type": "string", "description": "The server's signed image proxy path (relative to the server's base URL)."},
		}, "title", "description", "site_name", "image_url"),
		"PreviewSettings": object(obj{"workspace_id": idSchema(), "link_previews": boolean(), "notification_previews": boolean()}),
		"PreviewSettingsPatch": input(obj{
			"link_previews":         obj{"type": "boolean", "description": "Fetch previews of links in new messages."},
			"notification_previews": obj{"type": "boolean", "description": "Put the sender and message text in push notifications."},
		}),
		"VAPIDKey": object(obj{"public_key": obj{"type": "string", "description": "base64url, the applicationServerKey."}}),
		"PushSubscriptionCreate": input(obj{
			"endpoint":       obj{"type": "string", "maxLength": 2048},
			"keys":           input(obj{"p256dh": str(), "auth": str()}, "p256dh", "auth"),
			"expirationTime": obj{"type": []string{"number", "null"}, "description": "As PushSubscription.toJSON() gives it; ignored."},
		}, "endpoint", "keys"),
		"PushSubscription": object(obj{"id": idSchema(), "endpoint": str(), "created_at": dateTime()}),
		"Visibility": input(obj{
			"tab":     obj{"type": "string", "minLength": 1, "maxLength": 64, "description": "An id the tab picks once per page load."},
			"visible": boolean(),
		}, "tab", "visible"),
	}
}

// twoFactorSchemas are the schemas of single sign-on and two-factor
// authentication.
func twoFactorSchemas() obj {
	session := accountSchemas()["Session"].(obj)
	withCodes := obj{}
	for k, v := range session["properties"].(obj) {
		withCodes[k] = v
	}
	withCodes["recovery_codes"] = obj{"type": "array", "items": str(), "description": "Ten single-use recovery codes, shown only here."}
	code := obj{"type": "string", "maxLength": 64, "description": "The 6-digit code of the authenticator app."}
	return obj{
		"SecondStep": object(obj{"second_step": object(obj{
			"token":           obj{"type": "string", "description": "Send it to POST /api/auth/2fa (required_action code) or the enrol routes (enrol)."},
			"expires_in":      obj{"type": "integer", "description": "Lifetime of the token in seconds (300)."},
			"required_action": enum("code", "enrol"),
			"methods":         arrayOf(enum("totp", "recovery_code")),
		})}),
		"SignInResult": obj{
			"description": "A Session, or a SecondStep when the account has two-factor authentication or must enrol it.",
			"oneOf":       []any{ref("Session"), ref("SecondStep")},
		},
		"SecondStepRequest": input(obj{
			"token": str(), "code": code,
			"recovery_code":   obj{"type": "string", "maxLength": 64, "description": "Instead of code: one of the recovery codes (each works once)."},
			"refresh_in_body": boolean(),
		}, "token"),
		"StepTokenRequest":         input(obj{"token": str()}, "token"),
		"EnrolConfirmRequest":      input(obj{"token": str(), "code": code, "refresh_in_body": boolean()}, "token", "code"),
		"SessionWithRecoveryCodes": objectOpt(withCodes, "refresh_token"),
		"TwoFactorStatus": object(obj{
			"totp_enabled": boolean(), "recovery_codes_left": intSchema(0),
			"required": obj{"type": "boolean", "description": "An administrator requires a second factor of this account (instance-wide or by one of its workspaces)."},
		}),
		"TOTPEnrolment": object(obj{
			"secret":      obj{"type": "string", "description": "Base32 secret, for typing into the app by hand."},
			"otpauth_url": obj{"type": "string", "description": "otpauth://totp/... URL (what the QR code holds)."},
			"qr_code":     obj{"type": "string", "description": "PNG of the QR code as a data:image/png;base64 URL."},
		}),
		"TOTPCode":      input(obj{"code": code}, "code"),
		"RecoveryCodes": object(obj{"recovery_codes": arrayOf(str())}),
		"DisableTwoFactor": input(obj{
			"password": str(), "code": code,
			"recovery_code": obj{"type": "string", "maxLength": 64},
		}, "password"),
		"TwoFactorPolicy": input(obj{"required": boolean()}, "required"),
		"OIDCProviders": object(obj{
			"providers": arrayOf(object(obj{"id": str(), "name": str()})),
			"sso_only":  obj{"type": "boolean", "description": "Password sign-in is off for everyone but instance administrators."},
		}),
	}
}

// mailSchemas are the bodies of password reset, email change and the
// email digest setting.
func mailSchemas() obj {
	token := obj{"type": "string", "description": "The token of the mailed (or administrator-issued) link: its token query parameter."}
	return obj{
		"PasswordResetRequest": input(obj{"email": str()}, "email"),
		"PasswordResetConfirm": input(obj{"token": token, "password": passwordSchema()}, "token", "password"),
		"EmailChangeRequest": input(obj{
			"email":    obj{"type": "string", "description": "The new address. One that has an account gets the same answer and no mail."},
			"password": obj{"type": "string", "description": "The caller's current password (400 on password when wrong; wrong ones count against the sign-in limits)."},
		}, "email", "password"),
		"EmailChangeConfirm": input(obj{"token": token}, "token"),
		"MailAccepted":       object(obj{"message": str()}),
		"ResetLink": object(obj{
			"url":        obj{"type": "string", "description": "The reset page of the web app with the single-use token, under server.public_url."},
			"expires_at": dateTime(),
		}),
		"EmailDigest": object(obj{
			"enabled": obj{"type": "boolean", "description": "The caller's choice; on until they turn it off or use a digest's unsubscribe link."},
			"active":  obj{"type": "boolean", "description": "Whether this server sends digests at all (smtp.host set and notifications.email_digest_after not 0)."},
		}),
		"EmailDigestSetting": input(obj{"enabled": boolean()}, "enabled"),
	}
}
