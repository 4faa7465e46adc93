import type { Chat, ID, Message } from '../api/types';

/** ChatsState holds the chats of every workspace loaded, and the seqs of
 * unread messages that mention the person, per chat. */
export interface ChatsState {
  byId: Record<ID, Chat>;
  /** loaded marks workspaces whose chat list has been fetched. */
  loaded: Record<ID, boolean>;
  mentions: Record<ID, number[]>;
}

export const emptyChats: ChatsState = { byId: {}, loaded: {}, mentions: {} };

export function activityOf(c: Chat): string {
  return c.last_message?.created_at ?? c.last_activity_at ?? c.created_at;
}

/** chatsOf lists a workspace's chats, most recent activity first. */
export function chatsOf(s: ChatsState, ws: ID): Chat[] {
  return Object.values(s.byId)
    .filter((c) => c.workspace_id === ws)
    .sort((a, b) => (activityOf(b) < activityOf(a) ? -1 : activityOf(b) > activityOf(a) ? 1 : b.id - a.id));
}

/** setWorkspaceChats replaces one workspace's chats with a fresh list. A
 * chat the store has seen newer messages of (an event that arrived while
 * the list was on its way) keeps those messages and its unread count: the
 * list is a snapshot from before them. */
export function setWorkspaceChats(s: ChatsState, ws: ID, chats: Chat[]): ChatsState {
  const byId: Record<ID, Chat> = {};
  for (const c of Object.values(s.byId)) if (c.workspace_id !== ws) byId[c.id] = c;
  for (const c of chats) {
    const prev = s.byId[c.id];
    byId[c.id] =
      prev && (prev.last_seq ?? 0) > (c.last_seq ?? 0)
        ? {
            ...c,
            last_seq: prev.last_seq,
            last_message: prev.last_message,
            last_activity_at: prev.last_activity_at,
            last_read_seq: Math.max(prev.last_read_seq ?? 0, c.last_read_seq ?? 0),
            unread_count: prev.unread_count,
          }
        : c;
  }
  const mentions = { ...s.mentions };
  for (const c of chats) {
    const list = mentions[c.id];
    if (list) mentions[c.id] = list.filter((seq) => seq > (c.last_read_seq ?? 0));
  }
  return { byId, loaded: { ...s.loaded, [ws]: true }, mentions };
}

export function upsertChat(s: ChatsState, c: Chat): ChatsState {
  const prev = s.byId[c.id];
  // Chats in events are neutral (no unread count or role of ours): keep ours.
  const merged: Chat = prev
    ? {
        ...prev,
        ...c,
        unread_count: prev.unread_count,
        last_read_seq: prev.last_read_seq,
        my_role: c.my_role ?? prev.my_role,
        last_message: c.last_message ?? prev.last_message,
        last_seq: Math.max(prev.last_seq ?? 0, c.last_seq ?? 0),
        // The server omits archived_at of a live chat: absent means unarchived.
        archived_at: c.archived_at ?? null,
      }
    : { ...c, unread_count: c.unread_count ?? 0 };
  return { ...s, byId: { ...s.byId, [c.id]: merged } };
}

export function removeChat(s: ChatsState, id: ID): ChatsState {
  if (!(id in s.byId)) return s;
  const byId = { ...s.byId };
  delete byId[id];
  const mentions = { ...s.mentions };
  delete mentions[id];
  return { ...s, byId, mentions };
}

export function removeWorkspaceChats(s: ChatsState, ws: ID): ChatsState {
  let out = s;
  for (const c of Object.values(s.byId)) if (c.workspace_id === ws) out = removeChat(out, c.id);
  const loaded = { ...out.loaded };
  delete loaded[ws];
  return { ...out, loaded };
}

/** noteMessage updates a chat for a new message. read says the person
 * has seen it (they sent it, or the chat is open in front of them). */
export function noteMessage(s: ChatsState, m: Message, me: ID, read: boolean): ChatsState {
  const c = s.byId[m.chat_id];
  if (!c) return s;
  const lastSeq = Math.max(c.last_seq ?? 0, m.seq);
  const next: Chat = {
    ...c,
    last_seq: lastSeq,
    last_message: !c.last_message || m.seq >= c.last_message.seq ? m : c.last_message,
    last_activity_at: m.created_at > (c.last_activity_at ?? '') ? m.created_at : c.last_activity_at,
  };
  let mentions = s.mentions;
  if (read || m.sender.id === me) {
    next.last_read_seq = Math.max(c.last_read_seq ?? 0, m.seq);
    next.unread_count = Math.max(0, lastSeq - next.last_read_seq);
  } else {
    next.unread_count = c.unread_count + 1;
    if (m.mentions.includes(me)) {
      const list = s.mentions[m.chat_id] ?? [];
      if (!list.includes(m.seq)) mentions = { ...s.mentions, [m.chat_id]: [...list, m.seq] };
    }
  }
  return { ...s, byId: { ...s.byId, [c.id]: next }, mentions };
}

/** updateLastMessage keeps a chat's preview in step with an edit or delete. */
export function updateLastMessage(s: ChatsState, m: Message): ChatsState {
  const c = s.byId[m.chat_id];
  if (!c || c.last_message?.id !== m.id) return s;
  return { ...s, byId: { ...s.byId, [c.id]: { ...c, last_message: m } } };
}

/** markRead moves the person's read marker in a chat forward. */
export function markRead(s: ChatsState, chatId: ID, seq: number): ChatsState {
  const c = s.byId[chatId];
  if (!c) return s;
  const lastRead = Math.max(c.last_read_seq ?? 0, seq);
  const lastSeq = Math.max(c.last_seq ?? 0, lastRead);
  const unread = Math.max(0, Math.min(c.unread_count, lastSeq - lastRead));
  const list = s.mentions[chatId];
  const mentions = list ? { ...s.mentions, [chatId]: list.filter((x) => x > lastRead) } : s.mentions;
  if (lastRead === c.last_read_seq && unread === c.unread_count && mentions === s.mentions) return s;
  return { ...s, byId: { ...s.byId, [chatId]: { ...c, last_read_seq: lastRead, unread_count: unread } }, mentions };
}

export function setMentions(s: ChatsState, msgs: Message[]): ChatsState {
  const mentions: Record<ID, number[]> = {};
  for (const m of msgs) {
    const c = s.byId[m.chat_id];
    if (c && m.seq <= (c.last_read_seq ?? 0)) continue;
    (mentions[m.chat_id] ??= []).push(m.seq);
  }
  return { ...s, mentions };
}

export function setMemberCount(s: ChatsState, chatId: ID, delta: number): ChatsState {
  const c = s.byId[chatId];
  if (!c) return s;
  return { ...s, byId: { ...s.byId, [chatId]: { ...c, member_count: Math.max(0, c.member_count + delta) } } };
}

/** chatTitle is what a person calls a chat. Direct chats and unnamed
 * groups are named by their other members. */
export function chatTitle(c: Chat, names?: (id: ID) => string | undefined, memberIds?: ID[], me?: ID): string {
  if (c.name) return c.name;
  if (names && memberIds) {
    const others = memberIds.filter((id) => id !== me).map((id) => names(id)).filter((n): n is string => !!n);
    if (others.length) return others.join(', ');
  }
  return c.type === 'direct' ? 'Direct message' : 'Group';
}
