import type { ChatMember, ID } from '../api/types';
import type { EventOf, StoredEventFields, StoredEventType } from '../api/events.gen';
import * as C from './chats';
import * as M from './messages';
import * as P from './presence';
import * as W from './workspaces';
import * as CM from './members';

/** EventData is the JSON `data:` of one server-sent event (API.md
 * "Real-time"). The stored events' fields (type, workspace_id, chat_id,
 * actor_id and the object) are generated from the server's payload types
 * (api/events.gen.ts); the others are those of ready, typing and
 * presence, which are never stored. Every field beyond `type` is
 * optional: the reducer checks. */
export interface EventData extends StoredEventFields {
  user?: { id: ID };
  online?: boolean;
  status?: string;
  /** presence: every change of one window when there were several */
  changes?: { user_id: ID; status: string }[];
  online_user_ids?: ID[];
  last_event_id?: string | number;
}

/** stored reads d as the data of a stored event of type t, as the server
 * writes it (api/events.gen.ts); any field may still be missing. */
function stored<T extends StoredEventType>(d: EventData, _t: T): Partial<EventOf<T>> {
  return d as Partial<EventOf<T>>;
}

export interface AppData {
  workspaces: W.WorkspacesState;
  chats: C.ChatsState;
  messages: M.MessagesState;
  members: CM.ChatMembersState;
  presence: P.PresenceState;
}

export const emptyData: AppData = {
  workspaces: W.emptyWorkspaces,
  chats: C.emptyChats,
  messages: M.emptyMessages,
  members: CM.emptyChatMembers,
  presence: P.emptyPresence,
};

export interface EventContext {
  me: ID;
  /** activeChatId is the chat open in front of the person, if the window is visible. */
  activeChatId: ID | null;
  visible: boolean;
  now: number;
}

/** Effect is work the reducer asks for; the stream manager performs it. */
export type Effect =
  | { kind: 'fetchChat'; chatId: ID }
  | { kind: 'markRead'; chatId: ID; seq: number }
  | { kind: 'resync' }
  | { kind: 'delivered'; clientId: string; chatId: ID }
  | { kind: 'fetchWorkspaces' }
  | { kind: 'fetchWorkspaceMembers'; workspaceId: ID }
  | { kind: 'chatGone'; chatId: ID }
  | { kind: 'workspaceGone'; workspaceId: ID };

export interface Reduced {
  data: AppData;
  effects: Effect[];
}

function userIdOf(d: EventData): ID | undefined {
  return d.user_id ?? d.user?.id ?? d.member?.user?.id;
}

/** reduceEvent applies one server event to the app's data. It is pure:
 * same input, same output, and anything with a side effect comes back as
 * an Effect. Applying an event twice leaves the data as applying it once
 * (message ids dedupe; reactions of our own are checked). */
export function reduceEvent(data: AppData, type: string, d: EventData, ctx: EventContext): Reduced {
  const effects: Effect[] = [];
  let next = data;
  const chatId = d.chat_id ?? d.message?.chat_id ?? d.chat?.id;
  switch (type) {
    case 'ready':
      if (d.online_user_ids) next = { ...next, presence: P.setOnline(next.presence, d.online_user_ids) };
      break;
    case 'resync':
      effects.push({ kind: 'resync' });
      break;
    case 'message.created': {
      const m = stored(d, type).message;
      if (!m) break;
      const known = next.messages.byChat[m.chat_id]?.byId[m.id] !== undefined;
      next = { ...next, messages: M.upsertMessages(next.messages, m.chat_id, [m], true) };
      next = { ...next, presence: P.stopTyping(next.presence, m.chat_id, m.sender.id) };
      if (m.sender.id === ctx.me && m.client_id) effects.push({ kind: 'delivered', clientId: m.client_id, chatId: m.chat_id });
      if (known) break;
      if (!next.chats.byId[m.chat_id]) {
        effects.push({ kind: 'fetchChat', chatId: m.chat_id });
        break;
      }
      const seen = ctx.visible && ctx.activeChatId === m.chat_id;
      next = { ...next, chats: C.noteMessage(next.chats, m, ctx.me, seen) };
      if (seen && m.sender.id !== ctx.me) effects.push({ kind: 'markRead', chatId: m.chat_id, seq: m.seq });
      break;
    }
    case 'message.updated':
    case 'message.deleted': {
      const m = stored(d, type).message;
      if (!m) break;
      next = { ...next, messages: M.upsertMessages(next.messages, m.chat_id, [m], true), chats: C.updateLastMessage(next.chats, m) };
      break;
    }
    case 'reaction.added':
    case 'reaction.removed': {
      const r = stored(d, type).reaction;
      if (!r || chatId == null) break;
      next = { ...next, messages: M.applyReaction(next.messages, chatId, r.message_id, r.emoji, r.user_id, ctx.me, type === 'reaction.added') };
      break;
    }
    case 'chat.created': {
      const { chat: c, member_ids: memberIds } = stored(d, type);
      if (!c) break;
      // Others' new chats reach us only when we are in them; a public
      // channel we are not in shows up in the channel browser instead.
      if (memberIds && !memberIds.includes(ctx.me)) break;
      next = { ...next, chats: C.upsertChat(next.chats, c) };
      if (memberIds) {
        // The creator's list tells us the members; no fetch needed for direct chat titles.
        const members: ChatMember[] = [];
        const wsMembers = next.workspaces.members[c.workspace_id] ?? [];
        for (const id of memberIds) {
          const wm = wsMembers.find((x) => x.user.id === id);
          if (wm) members.push({ user: wm.user, role: id === c.created_by ? 'admin' : 'member', joined_at: c.created_at, last_read_seq: 0 });
        }
        if (members.length === memberIds.length) next = { ...next, members: CM.setChatMembers(next.members, c.id, members) };
      }
      break;
    }
    case 'chat.updated': {
      const c = stored(d, type).chat;
      if (c && next.chats.byId[c.id]) next = { ...next, chats: C.upsertChat(next.chats, c) };
      break;
    }
    case 'chat.deleted':
      if (chatId == null) break;
      next = { ...next, chats: C.removeChat(next.chats, chatId), messages: M.dropChat(next.messages, chatId), members: CM.dropChatMembers(next.members, chatId) };
      effects.push({ kind: 'chatGone', chatId });
      break;
    case 'member.joined': {
      const uid = userIdOf(d);
      if (chatId == null || uid == null) break;
      if (uid === ctx.me && !next.chats.byId[chatId]) {
        effects.push({ kind: 'fetchChat', chatId });
        break;
      }
      const had = next.members.byChat[chatId]?.some((m) => m.user.id === uid);
      const m = stored(d, type).member;
      if (m?.user) {
        next = { ...next, members: CM.upsertChatMember(next.members, chatId, { user: m.user, role: m.role ?? 'member', joined_at: m.joined_at ?? '', last_read_seq: m.last_read_seq ?? 0 }) };
      }
      if (!had && uid !== ctx.me) next = { ...next, chats: C.setMemberCount(next.chats, chatId, 1) };
      break;
    }
    case 'member.left': {
      const uid = userIdOf(d);
      if (chatId == null || uid == null) break;
      if (uid === ctx.me) {
        const c = next.chats.byId[chatId];
        next = { ...next, chats: C.removeChat(next.chats, chatId), members: CM.dropChatMembers(next.members, chatId) };
        if (c?.type !== 'public_channel') next = { ...next, messages: M.dropChat(next.messages, chatId) };
        effects.push({ kind: 'chatGone', chatId });
        break;
      }
      next = { ...next, members: CM.removeChatMember(next.members, chatId, uid), chats: C.setMemberCount(next.chats, chatId, -1) };
      break;
    }
    case 'read.updated': {
      const r = stored(d, type).read;
      if (!r) break;
      if (r.user_id === ctx.me) next = { ...next, chats: C.markRead(next.chats, r.chat_id, r.seq) };
      next = { ...next, members: CM.setReadSeq(next.members, r.chat_id, r.user_id, r.seq) };
      break;
    }
    case 'typing': {
      const uid = userIdOf(d);
      if (chatId == null || uid == null || uid === ctx.me) break;
      next = { ...next, presence: P.noteTyping(next.presence, chatId, uid, ctx.now) };
      break;
    }
    case 'presence': {
      if (d.changes?.length) {
        let p = next.presence;
        for (const c of d.changes) p = P.setUserOnline(p, c.user_id, c.status === 'online');
        next = { ...next, presence: p };
        break;
      }
      const uid = userIdOf(d);
      if (uid == null) break;
      const on = d.online ?? (d.status ? d.status === 'online' : true);
      next = { ...next, presence: P.setUserOnline(next.presence, uid, on) };
      break;
    }
    case 'workspace.updated': {
      const w = stored(d, type).workspace;
      if (w) next = { ...next, workspaces: W.upsertWorkspace(next.workspaces, w) };
      break;
    }
    case 'workspace.deleted': {
      const ws = d.workspace?.id ?? d.workspace_id;
      if (ws == null) break;
      next = { ...next, workspaces: W.removeWorkspace(next.workspaces, ws), chats: C.removeWorkspaceChats(next.chats, ws) };
      effects.push({ kind: 'workspaceGone', workspaceId: ws });
      break;
    }
    case 'workspace.member_joined':
    case 'workspace.member_updated': {
      const ws = d.workspace_id;
      const uid = userIdOf(d);
      const m = stored(d, type).member;
      if (ws == null || uid == null) break;
      if (uid === ctx.me) {
        if (type === 'workspace.member_joined' || m?.role) effects.push({ kind: 'fetchWorkspaces' });
      }
      if (m?.user && m.role) {
        next = { ...next, workspaces: W.upsertMember(next.workspaces, ws, { user: m.user, role: m.role, joined_at: m.joined_at ?? '' }) };
      } else {
        effects.push({ kind: 'fetchWorkspaceMembers', workspaceId: ws });
      }
      break;
    }
    case 'workspace.member_left': {
      const ws = d.workspace_id;
      const uid = userIdOf(d);
      if (ws == null || uid == null) break;
      if (uid === ctx.me) {
        next = { ...next, workspaces: W.removeWorkspace(next.workspaces, ws), chats: C.removeWorkspaceChats(next.chats, ws) };
        effects.push({ kind: 'workspaceGone', workspaceId: ws });
        break;
      }
      next = { ...next, workspaces: W.removeMember(next.workspaces, ws, uid) };
      break;
    }
    default:
      // Unknown event types are ignored: the server may add new ones.
      break;
  }
  return { data: next, effects };
}
