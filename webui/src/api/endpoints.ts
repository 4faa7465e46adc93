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

  eventTicket: { method: 'POST', path: '/api/events/ticket' },
  events: { method: 'GET', path: '/api/events' },
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
