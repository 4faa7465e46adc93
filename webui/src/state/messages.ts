import type { ID, Message, MessagePage } from '../api/types';

/** ChatMessages is what the app holds of one chat's history: every message
 * it has seen (roots and thread replies) by id, ids in seq order, and how
 * far back the main timeline has been paged. */
export interface ChatMessages {
  byId: Record<ID, Message>;
  order: ID[];
  /** oldestSeq is the lowest seq of the contiguous main timeline loaded
   * from the newest end; null before the first page. */
  oldestSeq: number | null;
  hasOlder: boolean;
  loaded: boolean;
  threads: Record<ID, boolean>;
}

export interface MessagesState {
  byChat: Record<ID, ChatMessages>;
}

export const emptyMessages: MessagesState = { byChat: {} };

export function emptyChatMessages(): ChatMessages {
  return { byId: {}, order: [], oldestSeq: null, hasOlder: true, loaded: false, threads: {} };
}

function insertSorted(c: ChatMessages, m: Message): ID[] {
  const order = c.order.slice();
  // Events nearly always append: search from the end.
  let i = order.length;
  while (i > 0) {
    const prev = c.byId[order[i - 1]!];
    if (prev && prev.seq <= m.seq) break;
    i--;
  }
  order.splice(i, 0, m.id);
  return order;
}

/** mergeReactions keeps our own `me` flags: a message in an event is
 * rendered for the person who acted, not for us. */
function keepMine(incoming: Message, existing: Message | undefined): Message {
  if (!existing) return incoming;
  return { ...incoming, reactions: existing.reactions, reply_count: Math.max(existing.reply_count, incoming.reply_count) };
}

/** upsertMessages adds or replaces messages in one chat. fromEvent marks
 * messages whose reactions are not ours to trust. */
export function upsertMessages(s: MessagesState, chatId: ID, msgs: Message[], fromEvent = false): MessagesState {
  if (msgs.length === 0) return s;
  let c = s.byChat[chatId] ?? emptyChatMessages();
  for (const m of msgs) {
    const existing = c.byId[m.id];
    let next = m;
    if (fromEvent) {
      next = existing ? keepMine(m, existing) : { ...m, reactions: m.reactions.map((r) => ({ ...r, me: false })) };
    }
    const byId = { ...c.byId, [m.id]: next };
    c = existing ? { ...c, byId } : { ...c, byId, order: insertSorted(c, m) };
    if (!existing && m.reply_to != null) {
      const root = c.byId[m.reply_to];
      if (root && fromEvent) c = { ...c, byId: { ...c.byId, [root.id]: { ...root, reply_count: root.reply_count + 1 } } };
    }
  }
  return { byChat: { ...s.byChat, [chatId]: c } };
}

export type PageKind = 'latest' | 'older' | 'newer' | 'thread';

/** mergePage records a page fetched over REST. */
export function mergePage(s: MessagesState, chatId: ID, page: MessagePage, kind: PageKind, threadRoot?: ID): MessagesState {
  const merged = upsertMessages(s, chatId, page.messages);
  let c = merged.byChat[chatId] ?? emptyChatMessages();
  const seqs = page.messages.map((m) => m.seq);
  const min = seqs.length ? Math.min(...seqs) : null;
  switch (kind) {
    case 'latest':
      c = { ...c, loaded: true, hasOlder: page.has_more, oldestSeq: min ?? c.oldestSeq };
      break;
    case 'older':
      c = { ...c, hasOlder: page.has_more, oldestSeq: min ?? c.oldestSeq };
      break;
    case 'newer':
      break;
    case 'thread':
      if (threadRoot != null) c = { ...c, threads: { ...c.threads, [threadRoot]: true } };
      break;
  }
  return { byChat: { ...merged.byChat, [chatId]: c } };
}

/** applyReaction counts a reaction added or removed by userId. Our own
 * reaction may already be shown (we applied it when we clicked), so ours
 * is applied only when it changes what we show. */
export function applyReaction(s: MessagesState, chatId: ID, messageId: ID, emoji: string, userId: ID, me: ID, added: boolean): MessagesState {
  const c = s.byChat[chatId];
  const m = c?.byId[messageId];
  if (!c || !m) return s;
  const mine = userId === me;
  const reactions = m.reactions.slice();
  const i = reactions.findIndex((r) => r.emoji === emoji);
  const r = i >= 0 ? reactions[i]! : { emoji, count: 0, me: false };
  if (mine && r.me === added) return s;
  const next = { emoji, count: Math.max(0, r.count + (added ? 1 : -1)), me: mine ? added : r.me };
  if (i >= 0) {
    if (next.count === 0) reactions.splice(i, 1);
    else reactions[i] = next;
  } else if (added) {
    reactions.push(next);
  }
  const msg = { ...m, reactions };
  return { byChat: { ...s.byChat, [chatId]: { ...c, byId: { ...c.byId, [messageId]: msg } } } };
}

/** dropChat forgets a chat's messages. */
export function dropChat(s: MessagesState, chatId: ID): MessagesState {
  if (!(chatId in s.byChat)) return s;
  const byChat = { ...s.byChat };
  delete byChat[chatId];
  return { byChat };
}

/** timeline is the main view of a chat: thread roots in seq order. */
export function timeline(c: ChatMessages | undefined): Message[] {
  if (!c) return [];
  const out: Message[] = [];
  for (const id of c.order) {
    const m = c.byId[id];
    if (!m || m.reply_to != null) continue;
    if (c.oldestSeq != null && m.seq < c.oldestSeq) continue;
    out.push(m);
  }
  return out;
}

/** thread is a root message and its replies. */
export function thread(c: ChatMessages | undefined, root: ID): Message[] {
  if (!c) return [];
  const out: Message[] = [];
  const r = c.byId[root];
  if (r) out.push(r);
  for (const id of c.order) {
    const m = c.byId[id];
    if (m && m.reply_to === root) out.push(m);
  }
  return out;
}

/** newestSeq is the highest seq the app holds for a chat. */
export function newestSeq(c: ChatMessages | undefined): number {
  if (!c || c.order.length === 0) return 0;
  return c.byId[c.order[c.order.length - 1]!]?.seq ?? 0;
}

/** unconfirmed drops pending sends whose message has already arrived (the
 * event stream can beat the POST's own response). */
export function unconfirmed<T extends { client_id: string; chat_id: ID }>(c: ChatMessages | undefined, pending: T[]): T[] {
  if (!c || pending.length === 0) return pending;
  const ids = new Set<string>();
  for (const m of Object.values(c.byId)) if (m.client_id) ids.add(m.client_id);
  return pending.filter((p) => !ids.has(p.client_id));
}
