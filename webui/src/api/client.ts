import { endpoints, fillPath, withQuery, type Endpoint } from './endpoints';
import { ApiError, errorFromResponse, networkError } from './errors';
import type {
  AdminUser, Chat, ChatMember, ChatType, FileInfo, ID, Invite, InviteInfo, Message, MessagePage, SearchQuery, SearchResult,
  Session, SessionInfo, SystemStatus, User, Workspace, WorkspaceMember,
} from './types';
import type { SecondStep } from './twofactor';
import type { Draft, NotificationPatch, NotificationSettings } from './types';

type Params = Record<string, string | number>;
type Query = Record<string, string | number | boolean | undefined | null>;

interface CallOptions {
  params?: Params;
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

/** ApiClient is the one way the app talks to the server. The access token
 * lives only in this object's memory; the refresh token stays in the
 * HttpOnly cookie the server sets, sent because requests are same-origin. */
export class ApiClient {
  private accessToken: string | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private refreshing: Promise<Session> | null = null;
  /** onSession is told about every new session (sign-in, refresh). */
  onSession: (s: Session) => void = () => {};
  /** onSessionLost is told when a refresh was refused: the person must sign in. */
  onSessionLost: (e: ApiError) => void = () => {};

  constructor(private readonly fetchImpl: typeof fetch = (...a) => fetch(...a), private readonly base = '') {}

  get token(): string | null {
    return this.accessToken;
  }

  /** adopt keeps a session's access token and schedules its refresh a
   * minute before it expires. */
  adopt(s: Session): Session {
    this.accessToken = s.access_token;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const lead = Math.max(10, s.expires_in - 60) * 1000;
    this.refreshTimer = setTimeout(() => {
      this.refresh().catch(() => {
        // refresh() already told onSessionLost; a network failure is
        // retried by the next request's 401 handling.
      });
    }, lead);
    this.onSession(s);
    return s;
  }

  /** forget drops the access token (sign-out). */
  forget(): void {
    this.accessToken = null;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  /** refresh trades the refresh cookie for a new session. Concurrent
   * callers share one request, so a burst of 401s rotates the token once. */
  refresh(): Promise<Session> {
    if (!this.refreshing) {
      this.refreshing = this.raw<Session>(endpoints.refresh, {})
        .then((s) => this.adopt(s))
        .catch((e: unknown) => {
          if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
            this.forget();
            this.onSessionLost(e);
          }
          throw e;
        })
        .finally(() => {
          this.refreshing = null;
        });
    }
    return this.refreshing;
  }

  /** call sends one request; on a 401 it refreshes once and retries. */
  async call<T>(ep: Endpoint, opts: CallOptions = {}): Promise<T> {
    try {
      return await this.raw<T>(ep, opts);
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401 || ep.public) throw e;
      await this.refresh();
      return this.raw<T>(ep, opts);
    }
  }

  url(ep: Endpoint, opts: Pick<CallOptions, 'params' | 'query'> = {}): string {
    return this.base + withQuery(fillPath(ep.path, opts.params ?? {}), opts.query ?? {});
  }

  private async raw<T>(ep: Endpoint, opts: CallOptions): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (!ep.public && this.accessToken) headers.Authorization = `Bearer ${this.accessToken}`;
    let body: BodyInit | undefined;
    if (opts.body instanceof FormData) {
      body = opts.body;
    } else if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.body);
    } else if (ep.method !== 'GET' && ep.method !== 'DELETE') {
      // State-changing routes expect JSON even when there is nothing to say.
      headers['Content-Type'] = 'application/json';
      body = '{}';
    }
    let res: Response;
    try {
      res = await this.fetchImpl(this.url(ep, opts), {
        method: ep.method,
        headers,
        body,
        credentials: 'same-origin',
        signal: opts.signal,
      });
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      throw networkError();
    }
    if (!res.ok) throw await errorFromResponse(res);
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', 'The server sent an answer this app cannot read.');
    }
  }

  // ---- setup and auth ----
  setupStatus = () => this.call<{ needed: boolean }>(endpoints.setupStatus);
  setup = async (b: { email: string; password: string; username: string; display_name: string; workspace_name: string; setup_token: string }) =>
    this.adopt(await this.call<Session>(endpoints.setup, { body: b }));
  signup = async (b: { email: string; password: string; username: string; display_name: string; invite_code?: string }) =>
    this.adopt(await this.call<Session>(endpoints.signup, { body: b }));
  /** signin answers the session, or the second step when the account has
   * two-factor authentication (no session yet; see api/twofactor.ts). */
  signin = async (b: { email: string; password: string }): Promise<Session | { second_step: SecondStep }> => {
    const r = await this.call<Session | { second_step: SecondStep }>(endpoints.signin, { body: b });
    return 'second_step' in r ? r : this.adopt(r);
  };
  logout = async () => {
    try {
      await this.call<void>(endpoints.logout);
    } finally {
      this.forget();
    }
  };
  logoutAll = async () => {
    try {
      await this.call<void>(endpoints.logoutAll);
    } finally {
      this.forget();
    }
  };
  sessions = () => this.call<{ sessions: SessionInfo[] }>(endpoints.sessions).then((r) => r.sessions);
  endSession = (id: ID) => this.call<void>(endpoints.endSession, { params: { id } });

  // ---- me ----
  me = () => this.call<User>(endpoints.me);
  updateMe = (b: Partial<Pick<User, 'display_name' | 'username' | 'avatar_url' | 'timezone'>>) => this.call<User>(endpoints.updateMe, { body: b });
  /** setAvatar uploads a picture; crop is a square in source pixels. */
  setAvatar = (file: Blob, crop?: { x: number; y: number; size: number }) => {
    const fd = new FormData();
    fd.append('file', file, 'avatar');
    return this.call<User>(endpoints.setAvatar, { body: fd, ...(crop ? { query: crop } : {}) });
  };
  deleteAvatar = () => this.call<User>(endpoints.deleteAvatar);
  setStatus = (b: { emoji: string; text: string; expires_at: string | null }) => this.call<User>(endpoints.setStatus, { body: b });
  clearStatus = () => this.call<User>(endpoints.clearStatus);
  changePassword = (current_password: string, new_password: string) =>
    this.call<void>(endpoints.changePassword, { body: { current_password, new_password } });

  // ---- workspaces ----
  workspaces = () => this.call<{ workspaces: Workspace[] }>(endpoints.workspaces).then((r) => r.workspaces);
  createWorkspace = (name: string) => this.call<Workspace>(endpoints.createWorkspace, { body: { name } });
  renameWorkspace = (ws: ID, name: string) => this.call<Workspace>(endpoints.renameWorkspace, { params: { ws }, body: { name } });
  deleteWorkspace = (ws: ID) => this.call<void>(endpoints.deleteWorkspace, { params: { ws } });
  workspaceMembers = (ws: ID) => this.call<{ members: WorkspaceMember[] }>(endpoints.workspaceMembers, { params: { ws } }).then((r) => r.members);
  setMemberRole = (ws: ID, user: ID, role: string) => this.call<WorkspaceMember>(endpoints.setMemberRole, { params: { ws, user }, body: { role } });
  removeMember = (ws: ID, user: ID) => this.call<void>(endpoints.removeMember, { params: { ws, user } });
  createInvite = (ws: ID, b: { max_uses?: number; expires_in_hours?: number }) => this.call<Invite>(endpoints.createInvite, { params: { ws }, body: b });
  invites = (ws: ID) => this.call<{ invites: InviteInfo[] }>(endpoints.listInvites, { params: { ws } }).then((r) => r.invites);
  revokeInvite = (ws: ID, invite: ID) => this.call<void>(endpoints.revokeInvite, { params: { ws, invite } });
  invite = (code: string) => this.call<{ workspace: { id: ID; name: string } }>(endpoints.invite, { params: { code } });
  acceptInvite = (code: string) => this.call<Workspace>(endpoints.acceptInvite, { params: { code } });

  // ---- chats ----
  chats = (ws: ID) => this.call<{ chats: Chat[] }>(endpoints.chats, { params: { ws } }).then((r) => r.chats);
  channels = (ws: ID) => this.call<{ chats: Chat[] }>(endpoints.channels, { params: { ws } }).then((r) => r.chats);
  createChat = (ws: ID, b: { type: ChatType; name?: string; topic?: string; member_ids: ID[] }) =>
    this.call<Chat>(endpoints.createChat, { params: { ws }, body: b });
  chat = (chat: ID) => this.call<Chat>(endpoints.chat, { params: { chat } });
  updateChat = (chat: ID, b: { name?: string; topic?: string; description?: string }) => this.call<Chat>(endpoints.updateChat, { params: { chat }, body: b });
  deleteChat = (chat: ID) => this.call<void>(endpoints.deleteChat, { params: { chat } });
  chatMembers = (chat: ID) => this.call<{ members: ChatMember[] }>(endpoints.chatMembers, { params: { chat } }).then((r) => r.members);
  addChatMembers = (chat: ID, user_ids: ID[]) =>
    this.call<{ members: ChatMember[] }>(endpoints.addChatMembers, { params: { chat }, body: { user_ids } }).then((r) => r.members);
  removeChatMember = (chat: ID, user: ID) => this.call<void>(endpoints.removeChatMember, { params: { chat, user } });
  joinChat = (chat: ID) => this.call<Chat>(endpoints.joinChat, { params: { chat } });
  markRead = (chat: ID, seq: number) => this.call<void>(endpoints.markRead, { params: { chat }, body: { seq } });
  typing = (chat: ID) => this.call<void>(endpoints.typing, { params: { chat } });

  // ---- messages ----
  messages = (chat: ID, q: { before_seq?: number; after_seq?: number; limit?: number; thread?: ID } = {}) =>
    this.call<MessagePage>(endpoints.messages, { params: { chat }, query: q });
  sendMessage = (chat: ID, b: { content: string; client_id?: string; reply_to?: ID; attachment_ids?: ID[] }) =>
    this.call<Message>(endpoints.sendMessage, { params: { chat }, body: b });
  message = (chat: ID, id: ID) => this.call<Message>(endpoints.message, { params: { chat, id } });
  editMessage = (chat: ID, id: ID, content: string) => this.call<Message>(endpoints.editMessage, { params: { chat, id }, body: { content } });
  deleteMessage = (chat: ID, id: ID) => this.call<void>(endpoints.deleteMessage, { params: { chat, id } });
  react = (chat: ID, id: ID, emoji: string) => this.call<void>(endpoints.react, { params: { chat, id, emoji } });
  unreact = (chat: ID, id: ID, emoji: string) => this.call<void>(endpoints.unreact, { params: { chat, id, emoji } });
  mentions = (unread = true) => this.call<{ messages: Message[] }>(endpoints.mentions, { query: { unread } }).then((r) => r.messages);
  archiveChat = (chat: ID, archive: boolean) => this.call<Chat>(archive ? endpoints.archiveChat : endpoints.unarchiveChat, { params: { chat } });
  setChatMemberRole = (chat: ID, user: ID, role: 'admin' | 'member') =>
    this.call<ChatMember>(endpoints.setChatMemberRole, { params: { chat, user }, body: { role } });
  pins = (chat: ID) => this.call<{ messages: Message[] }>(endpoints.pins, { params: { chat } }).then((r) => r.messages);
  pin = (chat: ID, id: ID, on: boolean) => this.call<void>(on ? endpoints.pin : endpoints.unpin, { params: { chat, id } });
  save = (chat: ID, id: ID, on: boolean) => this.call<void>(on ? endpoints.save : endpoints.unsave, { params: { chat, id } });
  saved = () => this.call<{ messages: Message[] }>(endpoints.saved).then((r) => r.messages);

  // ---- search and events ----
  search = (ws: ID, q: SearchQuery, signal?: AbortSignal) =>
    this.call<SearchResult>(endpoints.search, { params: { ws }, query: { ...q }, signal });
  adminStatus = () => this.call<SystemStatus>(endpoints.adminStatus);
  adminUsers = () => this.call<{ users: AdminUser[] }>(endpoints.adminUsers, { query: { limit: 200 } }).then((r) => r.users);
  patchAdminUser = (user: ID, b: { disabled?: boolean; is_admin?: boolean }) =>
    this.call<AdminUser>(endpoints.patchAdminUser, { params: { user }, body: b });
  /** adminResetLink issues a single-use password reset link for an account
   * (for when no SMTP is configured): the admin passes it on. */
  adminResetLink = (user: ID) => this.call<{ url: string; expires_at: string }>(endpoints.adminResetLink, { params: { user }, body: {} });
  eventTicket = () => this.call<{ ticket: string; expires_in: number }>(endpoints.eventTicket);

  // ---- drafts, notification settings, assistant commands ----
  drafts = () => this.call<{ drafts: Draft[] }>(endpoints.drafts).then((r) => r.drafts);
  putDraft = (chat: ID, text: string, thread_id = 0) => this.call<void>(endpoints.putDraft, { params: { chat }, body: { text, thread_id } });
  muteChat = (chat: ID, muted: boolean) => this.call<{ muted: boolean }>(endpoints.muteChat, { params: { chat }, body: { muted } });
  notificationSettings = () => this.call<NotificationSettings>(endpoints.notificationSettings);
  updateNotificationSettings = (b: NotificationPatch) => this.call<NotificationSettings>(endpoints.updateNotificationSettings, { body: b });
  assistantCommands = (ws: ID) =>
    this.call<{ commands: { id: ID; name: string; description: string }[] }>(endpoints.assistantCommands, { params: { ws } }).then((r) => r.commands);

  /** upload sends a file as multipart with progress (fetch has no upload
   * progress, so this one request uses XMLHttpRequest). */
  upload(ws: ID, file: File, onProgress: (fraction: number) => void, retried = false): Promise<FileInfo> {
    return new Promise<FileInfo>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.url(endpoints.uploadFile, { params: { ws } }));
      if (this.accessToken) xhr.setRequestHeader('Authorization', `Bearer ${this.accessToken}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      };
      xhr.onerror = () => reject(networkError());
      xhr.onload = () => {
        const res = new Response(xhr.responseText || null, { status: xhr.status, headers: { 'Content-Type': 'application/json' } });
        if (xhr.status >= 200 && xhr.status < 300) {
          res.json().then((f) => resolve(f as FileInfo), () => reject(new ApiError(xhr.status, 'bad_response', 'The server sent an answer this app cannot read.')));
          return;
        }
        if (xhr.status === 401 && !retried) {
          this.refresh().then(() => this.upload(ws, file, onProgress, true)).then(resolve, reject);
          return;
        }
        errorFromResponse(res).then(reject, reject);
      };
      const fd = new FormData();
      fd.append('file', file, file.name);
      xhr.send(fd);
    });
  }
}

/** api is the app's client instance. */
export const api = new ApiClient();
