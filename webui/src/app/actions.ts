import { api } from '../api/client';
import type { SecondStep } from '../api/twofactor';
import { ApiError, describe } from '../api/errors';
import type { Chat, ChatType, FileInfo, ID, Message, User } from '../api/types';
import { isCommandAnswer } from '../api/integrations';
import { IdbOutboxStorage, MemoryOutboxStorage, Outbox, newClientId, type OutboxStorage } from '../outbox/outbox';
import { navigate, route } from '../router';
import * as C from '../state/chats';
import * as CM from '../state/members';
import * as M from '../state/messages';
import * as W from '../state/workspaces';
import {
  chatMembers, chats, messages, outbox as outboxStore, resetData, session, toast, ui, workspaces,
} from '../stores';
import { stream } from './stream';

// Actions are what the screens ask for. Each one talks to the API and
// writes the result into the domain stores; errors reach the person as a
// toast (or are thrown to the form that asked, which shows them inline).

const USER_KEY = 'fechatter.user';
const API_CACHE = 'fechatter-api';

function storage(): OutboxStorage {
  try {
    if (typeof indexedDB !== 'undefined') return new IdbOutboxStorage();
  } catch {
    // Private modes may refuse IndexedDB: keep the queue in memory then.
  }
  return new MemoryOutboxStorage();
}

export const outbox = new Outbox({
  storage: storage(),
  send: (i) =>
    api.sendMessage(i.chat_id, {
      content: i.content,
      client_id: i.client_id,
      ...(i.reply_to != null ? { reply_to: i.reply_to } : {}),
      ...(i.attachments?.length ? { attachment_ids: i.attachments.map((a) => a.id) } : {}),
    }),
  onChange: (items) => outboxStore.set(items),
  onDelivered: (_item, msg) => (isCommandAnswer(msg) ? toast(msg.text, msg.ok ? 'info' : 'error') : receiveOwnMessage(msg)),
});

/** report shows an error in words; it is the catch of every action. */
export function report(e: unknown, what?: string): void {
  if (e instanceof DOMException && e.name === 'AbortError') return;
  const text = describe(e);
  toast(what ? `${what}: ${text}` : text);
}

function me(): User | null {
  return session.get().user;
}

// ---------- session ----------

/** boot decides the first screen: restore the session from the refresh
 * cookie, or show setup or sign-in. */
export async function boot(): Promise<void> {
  api.onSessionLost = () => {
    if (session.get().status === 'signedIn') {
      endSession();
      toast('Your session has ended. Please sign in again.');
    }
  };
  try {
    const s = await api.refresh();
    await signedIn(s.user);
    return;
  } catch (e) {
    if (e instanceof ApiError && e.isNetwork) {
      const cached = cachedUser();
      if (cached) {
        await signedIn(cached, true);
        return;
      }
      session.set((s) => ({ ...s, bootError: describe(e) }));
    }
  }
  try {
    const st = await api.setupStatus();
    session.set((s) => ({ ...s, status: st.needed ? 'setup' : 'signedOut', bootError: null }));
  } catch (e) {
    session.set((s) => ({ ...s, status: 'signedOut', bootError: describe(e) }));
  }
}

function cachedUser(): User | null {
  try {
    const raw = localStorage.getItem(USER_KEY);
    return raw ? (JSON.parse(raw) as User) : null;
  } catch {
    return null;
  }
}

/** signedIn starts everything that needs a person: data, stream, outbox. */
export async function signedIn(user: User, offline = false): Promise<void> {
  try {
    localStorage.setItem(USER_KEY, JSON.stringify({ id: user.id, username: user.username, display_name: user.display_name, email: user.email, avatar_url: user.avatar_url, is_bot: user.is_bot, created_at: user.created_at }));
  } catch {
    // Without storage the app still works; it just cannot open offline.
  }
  session.set({ status: 'signedIn', user, offline, bootError: null });
  await outbox.load(user.id).catch((e) => report(e, 'Could not open the offline outbox'));
  await loadWorkspaces();
  if (!offline) stream.start();
  else ui.set((s) => ({ ...s, connection: 'offline' }));
}

/** reconnected runs when the browser says the network is back. */
export async function reconnected(): Promise<void> {
  const s = session.get();
  if (s.status !== 'signedIn') {
    if (s.bootError) await boot();
    return;
  }
  if (s.offline) {
    try {
      const fresh = await api.refresh();
      session.set((x) => ({ ...x, offline: false, user: fresh.user }));
      stream.start();
      await resync();
    } catch (e) {
      report(e);
      return;
    }
  }
  stream.kick();
  void outbox.flush();
}

/** signIn signs in, or answers the second step when the account has
 * two-factor authentication (TwoFactorStep finishes it). */
export async function signIn(email: string, password: string): Promise<SecondStep | null> {
  const s = await api.signin({ email, password });
  if ('second_step' in s) return s.second_step;
  await signedIn(s.user);
  return null;
}

export async function setup(b: { email: string; password: string; username: string; display_name: string; workspace_name: string; setup_token: string }): Promise<void> {
  const s = await api.setup(b);
  await signedIn(s.user);
}

export async function signUp(b: { email: string; password: string; username: string; display_name: string; invite_code?: string }): Promise<void> {
  const s = await api.signup(b);
  await signedIn(s.user);
}

function endSession(): void {
  stream.stop();
  api.forget();
  outbox.reset();
  resetData();
  try {
    localStorage.removeItem(USER_KEY);
  } catch {
    // nothing to clear
  }
  if (typeof caches !== 'undefined') void caches.delete(API_CACHE).catch(() => undefined);
  session.set({ status: 'signedOut', user: null, offline: false, bootError: null });
  navigate({ name: 'signin' }, true);
}

export async function signOut(everywhere = false): Promise<void> {
  try {
    if (everywhere) await api.logoutAll();
    else await api.logout();
  } catch (e) {
    report(e, 'Signing out on the server failed');
  } finally {
    endSession();
  }
}

export function updateUser(u: User): void {
  session.set((s) => ({ ...s, user: u }));
}

// ---------- workspaces ----------

export async function loadWorkspaces(): Promise<void> {
  try {
    const list = await api.workspaces();
    workspaces.set((s) => W.setWorkspaces(s, list));
    const r = route.get();
    const wanted = 'ws' in r ? r.ws : null;
    const ws = wanted != null && list.some((w) => w.id === wanted) ? wanted : workspaces.get().currentId;
    if (ws != null) await selectWorkspace(ws, r.name === 'home' || (wanted != null && wanted !== ws));
  } catch (e) {
    report(e, 'Could not load your workspaces');
  }
}

/** selectWorkspace makes ws current and loads its chats and members. */
export async function selectWorkspace(ws: ID, go = false): Promise<void> {
  const from = route.get();
  workspaces.set((s) => ({ ...s, currentId: ws }));
  try {
    localStorage.setItem('fechatter.ws', String(ws));
  } catch {
    // optional
  }
  await Promise.all([loadChats(ws), loadWorkspaceMembers(ws)]);
  void loadMentions();
  // Go to the workspace's first chat, unless the person went somewhere
  // else while it loaded.
  if (go && route.get() === from) {
    const first = C.chatsOf(chats.get(), ws)[0];
    navigate(first ? { name: 'chat', ws, chat: first.id } : { name: 'workspace', ws }, true);
  }
}

export async function loadChats(ws: ID): Promise<void> {
  try {
    const list = await api.chats(ws);
    chats.set((s) => C.setWorkspaceChats(s, ws, list));
    for (const c of list) if (!c.name) void loadChatMembers(c.id);
  } catch (e) {
    report(e, 'Could not load chats');
  }
}

export async function loadWorkspaceMembers(ws: ID): Promise<void> {
  try {
    const list = await api.workspaceMembers(ws);
    workspaces.set((s) => W.setMembers(s, ws, list));
  } catch (e) {
    report(e, 'Could not load the members');
  }
}

async function loadMentions(): Promise<void> {
  try {
    const list = await api.mentions(true);
    chats.set((s) => C.setMentions(s, list));
  } catch (e) {
    report(e, 'Could not load your mentions');
  }
}

export async function createWorkspace(name: string): Promise<void> {
  const w = await api.createWorkspace(name);
  workspaces.set((s) => W.upsertWorkspace(s, w));
  await selectWorkspace(w.id);
  navigate({ name: 'workspace', ws: w.id });
}

// ---------- chats ----------

const membersInFlight = new Map<ID, Promise<void>>();

export function loadChatMembers(chatId: ID): Promise<void> {
  let p = membersInFlight.get(chatId);
  if (!p) {
    p = api
      .chatMembers(chatId)
      .then((list) => chatMembers.set((s) => CM.setChatMembers(s, chatId, list)))
      .catch((e) => report(e, 'Could not load the chat members'))
      .finally(() => membersInFlight.delete(chatId));
    membersInFlight.set(chatId, p);
  }
  return p;
}

export async function fetchChat(chatId: ID): Promise<Chat | null> {
  try {
    const c = await api.chat(chatId);
    chats.set((s) => C.upsertChat(s, c));
    if (!c.name) void loadChatMembers(c.id);
    return c;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    report(e, 'Could not load a chat');
    return null;
  }
}

export async function createChat(ws: ID, type: ChatType, name: string, memberIds: ID[], topic = ''): Promise<Chat> {
  const c = await api.createChat(ws, { type, member_ids: memberIds, ...(name ? { name } : {}), ...(topic ? { topic } : {}) });
  chats.set((s) => C.upsertChat(s, c));
  void loadChatMembers(c.id);
  navigate({ name: 'chat', ws, chat: c.id });
  return c;
}

export async function joinChat(chatId: ID, ws: ID): Promise<void> {
  const c = await api.joinChat(chatId);
  chats.set((s) => C.upsertChat(s, c));
  navigate({ name: 'chat', ws, chat: c.id });
}

export async function leaveChat(chatId: ID): Promise<void> {
  const u = me();
  if (!u) return;
  const c = chats.get().byId[chatId];
  try {
    await api.removeChatMember(chatId, u.id);
    chats.set((s) => C.removeChat(s, chatId));
    if (c) navigate({ name: 'workspace', ws: c.workspace_id });
  } catch (e) {
    report(e, 'Could not leave the chat');
  }
}

export async function updateChat(chatId: ID, b: { name?: string; topic?: string; description?: string }): Promise<void> {
  const c = await api.updateChat(chatId, b);
  chats.set((s) => C.upsertChat(s, c));
}

export async function archiveChat(chatId: ID, archive: boolean): Promise<void> {
  const c = await api.archiveChat(chatId, archive);
  chats.set((s) => C.upsertChat(s, archive ? c : { ...c, archived_at: null }));
}

export async function setChatMemberRole(chatId: ID, userId: ID, role: 'admin' | 'member'): Promise<void> {
  await api.setChatMemberRole(chatId, userId, role);
  membersInFlight.delete(chatId);
  await loadChatMembers(chatId);
}

export async function togglePin(m: Message, on: boolean): Promise<void> {
  await api.pin(m.chat_id, m.id, on);
  toast(on ? 'Pinned.' : 'Unpinned.', 'info');
}

export async function toggleSaved(m: Message, on: boolean): Promise<void> {
  await api.save(m.chat_id, m.id, on);
  toast(on ? 'Saved.' : 'Removed from saved messages.', 'info');
}

export async function deleteChat(chatId: ID): Promise<void> {
  const c = chats.get().byId[chatId];
  await api.deleteChat(chatId);
  chats.set((s) => C.removeChat(s, chatId));
  if (c) navigate({ name: 'workspace', ws: c.workspace_id });
}

export async function addChatMembers(chatId: ID, ids: ID[]): Promise<void> {
  const list = await api.addChatMembers(chatId, ids);
  chatMembers.set((s) => CM.setChatMembers(s, chatId, list));
  chats.set((s) => {
    const c = s.byId[chatId];
    return c ? C.upsertChat(s, { ...c, member_count: list.length }) : s;
  });
}

export async function removeChatMember(chatId: ID, userId: ID): Promise<void> {
  await api.removeChatMember(chatId, userId);
  chatMembers.set((s) => CM.removeChatMember(s, chatId, userId));
}

// ---------- messages ----------

const PAGE = 50;
const loading = new Set<string>();

async function once(key: string, fn: () => Promise<void>): Promise<void> {
  if (loading.has(key)) return;
  loading.add(key);
  try {
    await fn();
  } finally {
    loading.delete(key);
  }
}

/** openChat loads the newest page of a chat the first time it is shown. */
export async function openChat(chatId: ID): Promise<void> {
  if (messages.get().byChat[chatId]?.loaded) return;
  await once(`latest:${chatId}`, async () => {
    try {
      const page = await api.messages(chatId, { limit: PAGE });
      messages.set((s) => M.mergePage(s, chatId, page, 'latest'));
    } catch (e) {
      report(e, 'Could not load messages');
    }
  });
}

export async function loadOlder(chatId: ID): Promise<void> {
  const c = messages.get().byChat[chatId];
  if (!c || !c.hasOlder || c.oldestSeq == null) return;
  const before = c.oldestSeq;
  await once(`older:${chatId}`, async () => {
    try {
      const page = await api.messages(chatId, { before_seq: before, limit: PAGE });
      messages.set((s) => M.mergePage(s, chatId, page, 'older'));
    } catch (e) {
      report(e, 'Could not load older messages');
    }
  });
}

/** catchUp fetches what a chat got while the app was not listening. */
export async function catchUp(chatId: ID): Promise<void> {
  let after = M.newestSeq(messages.get().byChat[chatId]);
  if (!messages.get().byChat[chatId]?.loaded) return;
  for (let i = 0; i < 20; i++) {
    const page = await api.messages(chatId, { after_seq: after, limit: 200 });
    messages.set((s) => M.mergePage(s, chatId, page, 'newer'));
    if (!page.has_more || page.messages.length === 0) return;
    after = page.messages[page.messages.length - 1]!.seq;
  }
}

/** reveal pages back until seq is loaded (a search result's context). */
export async function reveal(chatId: ID, seq: number): Promise<void> {
  await openChat(chatId);
  for (let i = 0; i < 50; i++) {
    const c = messages.get().byChat[chatId];
    if (!c || c.oldestSeq == null || c.oldestSeq <= seq || !c.hasOlder) return;
    const page = await api.messages(chatId, { before_seq: c.oldestSeq, limit: 200 });
    messages.set((s) => M.mergePage(s, chatId, page, 'older'));
  }
}

export async function loadThread(chatId: ID, root: ID): Promise<void> {
  await once(`thread:${root}`, async () => {
    try {
      if (!messages.get().byChat[chatId]?.byId[root]) {
        const m = await api.message(chatId, root);
        messages.set((s) => M.upsertMessages(s, chatId, [m]));
      }
      const page = await api.messages(chatId, { thread: root, limit: 200 });
      messages.set((s) => M.mergePage(s, chatId, page, 'thread', root));
    } catch (e) {
      report(e, 'Could not load the thread');
    }
  });
}

function receiveOwnMessage(msg: Message): void {
  messages.set((s) => M.upsertMessages(s, msg.chat_id, [msg]));
  const u = me();
  if (u) chats.set((s) => C.noteMessage(s, msg, u.id, true));
  void markRead(msg.chat_id, msg.seq);
}

/** send queues a message in the outbox; it is sent at once when online,
 * later otherwise, and shows as pending until the server confirms it. */
export async function send(chatId: ID, content: string, replyTo?: ID, attachments?: FileInfo[]): Promise<void> {
  const c = chats.get().byId[chatId];
  if (!c) return;
  await outbox.add({
    client_id: newClientId(),
    workspace_id: c.workspace_id,
    chat_id: chatId,
    content,
    ...(replyTo != null ? { reply_to: replyTo } : {}),
    ...(attachments?.length ? { attachments } : {}),
    created_at: new Date().toISOString(),
  });
}

export async function editMessage(chatId: ID, id: ID, content: string): Promise<void> {
  try {
    const m = await api.editMessage(chatId, id, content);
    messages.set((s) => M.upsertMessages(s, chatId, [m]));
  } catch (e) {
    report(e, 'Could not edit the message');
    throw e;
  }
}

export async function deleteMessage(chatId: ID, id: ID): Promise<void> {
  try {
    await api.deleteMessage(chatId, id);
    messages.set((s) => {
      const m = s.byChat[chatId]?.byId[id];
      return m ? M.upsertMessages(s, chatId, [{ ...m, deleted: true, content: '', attachments: [] }]) : s;
    });
  } catch (e) {
    report(e, 'Could not delete the message');
  }
}

export async function toggleReaction(chatId: ID, id: ID, emoji: string): Promise<void> {
  const u = me();
  const m = messages.get().byChat[chatId]?.byId[id];
  if (!u || !m) return;
  const on = !m.reactions.find((r) => r.emoji === emoji)?.me;
  messages.set((s) => M.applyReaction(s, chatId, id, emoji, u.id, u.id, on));
  try {
    if (on) await api.react(chatId, id, emoji);
    else await api.unreact(chatId, id, emoji);
  } catch (e) {
    messages.set((s) => M.applyReaction(s, chatId, id, emoji, u.id, u.id, !on));
    report(e, 'Could not change the reaction');
  }
}

const readSent = new Map<ID, number>();

/** markRead moves the read marker (locally at once, on the server after). */
export async function markRead(chatId: ID, seq: number): Promise<void> {
  const c = chats.get().byId[chatId];
  if (!c || seq <= 0) return;
  chats.set((s) => C.markRead(s, chatId, seq));
  if ((readSent.get(chatId) ?? 0) >= seq || session.get().offline) return;
  readSent.set(chatId, seq);
  try {
    await api.markRead(chatId, seq);
  } catch (e) {
    readSent.delete(chatId);
    if (e instanceof ApiError && (e.isNetwork || e.status === 404)) return; // retried on the next view; the banner says we are offline
    report(e, 'Could not mark the chat as read');
  }
}

const typingSent = new Map<ID, number>();

/** typing tells the chat the person is typing, at most every 3 s. */
export function typing(chatId: ID): void {
  const now = Date.now();
  if (now - (typingSent.get(chatId) ?? 0) < 3000) return;
  typingSent.set(chatId, now);
  // Typing is a hint: a lost one is harmless, and being offline is shown
  // by the connection banner, so failures here are only logged.
  api.typing(chatId).catch((e) => console.debug('typing signal not sent', e));
}

export async function upload(ws: ID, file: File, onProgress: (f: number) => void): Promise<FileInfo> {
  return api.upload(ws, file, onProgress);
}

// ---------- real-time bookkeeping ----------

/** resync reloads everything over REST: the stream could not resume. */
export async function resync(): Promise<void> {
  const ws = workspaces.get().currentId;
  messages.set(M.emptyMessages);
  chatMembers.set(CM.emptyChatMembers);
  await loadWorkspaces();
  const r = route.get();
  if (r.name === 'chat') await openChat(r.chat);
  if (ws != null && r.name !== 'chat') await loadChats(ws);
  void outbox.flush();
}

/** afterConnect closes the gap between the REST snapshot and a fresh
 * stream: reload chat counts and the open chat's newest messages. */
export async function afterConnect(): Promise<void> {
  const ws = workspaces.get().currentId;
  if (ws != null) await loadChats(ws);
  const r = route.get();
  if (r.name === 'chat') await catchUp(r.chat).catch((e) => report(e, 'Could not catch up'));
  void outbox.flush();
}

export function chatGone(chatId: ID): void {
  const r = route.get();
  if (r.name === 'chat' && r.chat === chatId) {
    toast('This chat was deleted, or you are no longer a member.', 'info');
    navigate({ name: 'workspace', ws: r.ws }, true);
  }
}

export function workspaceGone(ws: ID): void {
  const r = route.get();
  if ('ws' in r && r.ws === ws) {
    toast('That workspace was deleted, or you are no longer a member.', 'info');
    navigate({ name: 'home' }, true);
    void loadWorkspaces();
  }
}

export function resetUIForChat(): void {
  ui.set((s) => ({ ...s, threadRootId: null, panel: s.panel === 'thread' ? 'none' : s.panel }));
}

export function openThreadAt(root: ID): void {
  ui.set((s) => ({ ...s, threadRootId: root, panel: 'thread' }));
}

/** markActiveRead marks the open chat read (the window became visible). */
export function markActiveRead(): void {
  const r = route.get();
  if (r.name !== 'chat') return;
  const c = chats.get().byId[r.chat];
  if (c && (c.last_seq ?? 0) > (c.last_read_seq ?? 0)) void markRead(c.id, c.last_seq ?? 0);
}
