// Every endpoint the web app calls, as method + path template. The client
// builds its requests from this table only, and a test checks each entry
// against the running server's /api/openapi.json, so a renamed or removed
// route fails a test instead of a person's click.

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface Endpoint {
  readonly method: Method;
  readonly path: string;
  /** public endpoints take no bearer token and never trigger a refresh. */
  readonly public?: boolean;
}

export const endpoints = {
  setupStatus: { method: 'GET', path: '/api/setup', public: true },
  setup: { method: 'POST', path: '/api/setup', public: true },
  signup: { method: 'POST', path: '/api/auth/signup', public: true },
  signin: { method: 'POST', path: '/api/auth/signin', public: true },
  refresh: { method: 'POST', path: '/api/auth/refresh', public: true },
  logout: { method: 'POST', path: '/api/auth/logout' },
  logoutAll: { method: 'POST', path: '/api/auth/logout-all' },
  sessions: { method: 'GET', path: '/api/auth/sessions' },
  endSession: { method: 'DELETE', path: '/api/auth/sessions/{id}' },

  me: { method: 'GET', path: '/api/me' },
  updateMe: { method: 'PATCH', path: '/api/me' },
  changePassword: { method: 'POST', path: '/api/me/password' },

  workspaces: { method: 'GET', path: '/api/workspaces' },
  createWorkspace: { method: 'POST', path: '/api/workspaces' },
  workspace: { method: 'GET', path: '/api/workspaces/{ws}' },
  renameWorkspace: { method: 'PATCH', path: '/api/workspaces/{ws}' },
  deleteWorkspace: { method: 'DELETE', path: '/api/workspaces/{ws}' },
  workspaceMembers: { method: 'GET', path: '/api/workspaces/{ws}/members' },
  setMemberRole: { method: 'PATCH', path: '/api/workspaces/{ws}/members/{user}' },
  removeMember: { method: 'DELETE', path: '/api/workspaces/{ws}/members/{user}' },
  createInvite: { method: 'POST', path: '/api/workspaces/{ws}/invites' },
  listInvites: { method: 'GET', path: '/api/workspaces/{ws}/invites' },
  revokeInvite: { method: 'DELETE', path: '/api/workspaces/{ws}/invites/{invite}' },
  invite: { method: 'GET', path: '/api/invites/{code}', public: true },
  acceptInvite: { method: 'POST', path: '/api/invites/{code}/accept' },

  chats: { method: 'GET', path: '/api/workspaces/{ws}/chats' },
  channels: { method: 'GET', path: '/api/workspaces/{ws}/channels' },
  createChat: { method: 'POST', path: '/api/workspaces/{ws}/chats' },
  chat: { method: 'GET', path: '/api/chats/{chat}' },
  updateChat: { method: 'PATCH', path: '/api/chats/{chat}' },
  deleteChat: { method: 'DELETE', path: '/api/chats/{chat}' },
  chatMembers: { method: 'GET', path: '/api/chats/{chat}/members' },
  addChatMembers: { method: 'POST', path: '/api/chats/{chat}/members' },
  removeChatMember: { method: 'DELETE', path: '/api/chats/{chat}/members/{user}' },
  joinChat: { method: 'POST', path: '/api/chats/{chat}/join' },
  markRead: { method: 'POST', path: '/api/chats/{chat}/read' },
  typing: { method: 'POST', path: '/api/chats/{chat}/typing' },

  messages: { method: 'GET', path: '/api/chats/{chat}/messages' },
  sendMessage: { method: 'POST', path: '/api/chats/{chat}/messages' },
  message: { method: 'GET', path: '/api/chats/{chat}/messages/{id}' },
  editMessage: { method: 'PATCH', path: '/api/chats/{chat}/messages/{id}' },
  deleteMessage: { method: 'DELETE', path: '/api/chats/{chat}/messages/{id}' },
  react: { method: 'PUT', path: '/api/chats/{chat}/messages/{id}/reactions/{emoji}' },
  unreact: { method: 'DELETE', path: '/api/chats/{chat}/messages/{id}/reactions/{emoji}' },
  mentions: { method: 'GET', path: '/api/mentions' },
  archiveChat: { method: 'PUT', path: '/api/chats/{chat}/archive' },
  unarchiveChat: { method: 'DELETE', path: '/api/chats/{chat}/archive' },
  setChatMemberRole: { method: 'PATCH', path: '/api/chats/{chat}/members/{user}' },
  pins: { method: 'GET', path: '/api/chats/{chat}/pins' },
  pin: { method: 'PUT', path: '/api/chats/{chat}/messages/{id}/pin' },
  unpin: { method: 'DELETE', path: '/api/chats/{chat}/messages/{id}/pin' },
  save: { method: 'PUT', path: '/api/chats/{chat}/messages/{id}/saved' },
  unsave: { method: 'DELETE', path: '/api/chats/{chat}/messages/{id}/saved' },
  saved: { method: 'GET', path: '/api/me/saved' },

  uploadFile: { method: 'POST', path: '/api/workspaces/{ws}/files' },
  file: { method: 'GET', path: '/api/files/{id}' },

  search: { method: 'GET', path: '/api/workspaces/{ws}/search' },

  adminStatus: { method: 'GET', path: '/api/admin/status' },
  adminUsers: { method: 'GET', path: '/api/admin/users' },
  patchAdminUser: { method: 'PATCH', path: '/api/admin/users/{user}' },
  instanceInfo: { method: 'GET', path: '/api/instance' },
  instanceSettings: { method: 'GET', path: '/api/admin/settings' },
  patchInstanceSettings: { method: 'PATCH', path: '/api/admin/settings' },
  revokeUserSessions: { method: 'POST', path: '/api/admin/users/{user}/sessions/revoke' },

  removePreview: { method: 'DELETE', path: '/api/chats/{chat}/messages/{id}/preview' },
  previewSettings: { method: 'GET', path: '/api/workspaces/{ws}/preview-settings' },
  setPreviewSettings: { method: 'PATCH', path: '/api/workspaces/{ws}/preview-settings' },
  vapidPublicKey: { method: 'GET', path: '/api/push/vapid-public-key' },
  subscribePush: { method: 'POST', path: '/api/me/push-subscriptions' },
  unsubscribePush: { method: 'DELETE', path: '/api/me/push-subscriptions' },
  reportVisibility: { method: 'PUT', path: '/api/me/visibility' },
  assistant: { method: 'GET', path: '/api/workspaces/{ws}/assistant' },
  updateAssistant: { method: 'PATCH', path: '/api/workspaces/{ws}/assistant' },
  assistantCommands: { method: 'GET', path: '/api/workspaces/{ws}/assistant/commands' },
  createAssistantCommand: { method: 'POST', path: '/api/workspaces/{ws}/assistant/commands' },
  updateAssistantCommand: { method: 'PATCH', path: '/api/workspaces/{ws}/assistant/commands/{command}' },
  deleteAssistantCommand: { method: 'DELETE', path: '/api/workspaces/{ws}/assistant/commands/{command}' },
  knowledge: { method: 'GET', path: '/api/workspaces/{ws}/knowledge' },
  addKnowledge: { method: 'POST', path: '/api/workspaces/{ws}/knowledge' },
  deleteKnowledge: { method: 'DELETE', path: '/api/workspaces/{ws}/knowledge/{document}' },

  eventTicket: { method: 'POST', path: '/api/events/ticket' },
  events: { method: 'GET', path: '/api/events' },

  ssoProviders: { method: 'GET', path: '/api/auth/oidc/providers', public: true },
  ssoStart: { method: 'GET', path: '/api/auth/oidc/{provider}/start', public: true },
  secondStep: { method: 'POST', path: '/api/auth/2fa', public: true },
  enrolWithToken: { method: 'POST', path: '/api/auth/2fa/enrol', public: true },
  confirmWithToken: { method: 'POST', path: '/api/auth/2fa/enrol/confirm', public: true },
  twoFactor: { method: 'GET', path: '/api/me/2fa' },
  beginTOTP: { method: 'POST', path: '/api/me/2fa/totp' },
  confirmTOTP: { method: 'POST', path: '/api/me/2fa/totp/confirm' },
  disableTOTP: { method: 'POST', path: '/api/me/2fa/disable' },
  workspaceTwoFactor: { method: 'GET', path: '/api/workspaces/{ws}/2fa-policy' },
  setWorkspaceTwoFactor: { method: 'PUT', path: '/api/workspaces/{ws}/2fa-policy' },
  translateMessage: { method: 'POST', path: '/api/chats/{chat}/messages/{id}/translate' },
  myLanguage: { method: 'GET', path: '/api/me/language' },
  setMyLanguage: { method: 'PATCH', path: '/api/me/language' },
  bots: { method: 'GET', path: '/api/workspaces/{ws}/bots' },
  createBot: { method: 'POST', path: '/api/workspaces/{ws}/bots' },
  deleteBot: { method: 'DELETE', path: '/api/workspaces/{ws}/bots/{bot}' },
  createBotToken: { method: 'POST', path: '/api/workspaces/{ws}/bots/{bot}/tokens' },
  revokeBotToken: { method: 'DELETE', path: '/api/workspaces/{ws}/bots/{bot}/tokens/{token}' },
  incomingWebhooks: { method: 'GET', path: '/api/workspaces/{ws}/webhooks/incoming' },
  createIncomingWebhook: { method: 'POST', path: '/api/workspaces/{ws}/webhooks/incoming' },
  deleteIncomingWebhook: { method: 'DELETE', path: '/api/workspaces/{ws}/webhooks/incoming/{id}' },
  outgoingWebhooks: { method: 'GET', path: '/api/workspaces/{ws}/webhooks/outgoing' },
  createOutgoingWebhook: { method: 'POST', path: '/api/workspaces/{ws}/webhooks/outgoing' },
  deleteOutgoingWebhook: { method: 'DELETE', path: '/api/workspaces/{ws}/webhooks/outgoing/{id}' },
  slashCommands: { method: 'GET', path: '/api/workspaces/{ws}/slash-commands' },
  createSlashCommand: { method: 'POST', path: '/api/workspaces/{ws}/slash-commands' },
  deleteSlashCommand: { method: 'DELETE', path: '/api/workspaces/{ws}/slash-commands/{id}' },
  workspaceCommands: { method: 'GET', path: '/api/workspaces/{ws}/commands' },
  passwordReset: { method: 'POST', path: '/api/auth/password-reset', public: true },
  passwordResetConfirm: { method: 'POST', path: '/api/auth/password-reset/confirm', public: true },
  changeEmail: { method: 'POST', path: '/api/me/email' },
  confirmEmail: { method: 'POST', path: '/api/me/email/confirm' },
  emailDigest: { method: 'GET', path: '/api/me/email-digest' },
  setEmailDigest: { method: 'PUT', path: '/api/me/email-digest' },
  adminResetLink: { method: 'POST', path: '/api/admin/users/{user}/reset-link' },
  drafts: { method: 'GET', path: '/api/me/drafts' },
  putDraft: { method: 'PUT', path: '/api/chats/{chat}/draft' },
  muteChat: { method: 'PUT', path: '/api/chats/{chat}/notifications' },
  notificationSettings: { method: 'GET', path: '/api/me/notifications' },
  updateNotificationSettings: { method: 'PATCH', path: '/api/me/notifications' },
  setAvatar: { method: 'PUT', path: '/api/me/avatar' },
  deleteAvatar: { method: 'DELETE', path: '/api/me/avatar' },
  avatar: { method: 'GET', path: '/api/users/{user}/avatar' },
  setStatus: { method: 'PUT', path: '/api/me/status' },
  clearStatus: { method: 'DELETE', path: '/api/me/status' },
} as const satisfies Record<string, Endpoint>;

export type EndpointName = keyof typeof endpoints;

/** fillPath substitutes {name} placeholders, URL-encoding each value. */
export function fillPath(template: string, params: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(v));
  });
}

/** withQuery appends the defined values of q as a query string. */
export function withQuery(path: string, q: Record<string, string | number | boolean | undefined | null>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v !== undefined && v !== null && v !== '') sp.set(k, String(v));
  }
  const s = sp.toString();
  return s ? `${path}?${s}` : path;
}
