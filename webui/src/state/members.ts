import type { ChatMember, ID } from '../api/types';

/** ChatMembersState holds the member lists of chats that have been
 * looked at, with each member's read marker. */
export interface ChatMembersState {
  byChat: Record<ID, ChatMember[]>;
}

export const emptyChatMembers: ChatMembersState = { byChat: {} };

export function setChatMembers(s: ChatMembersState, chatId: ID, members: ChatMember[]): ChatMembersState {
  return { byChat: { ...s.byChat, [chatId]: members } };
}

export function upsertChatMember(s: ChatMembersState, chatId: ID, m: ChatMember): ChatMembersState {
  const list = s.byChat[chatId];
  if (!list) return s;
  return setChatMembers(s, chatId, [...list.filter((x) => x.user.id !== m.user.id), m]);
}

export function removeChatMember(s: ChatMembersState, chatId: ID, userId: ID): ChatMembersState {
  const list = s.byChat[chatId];
  if (!list) return s;
  return setChatMembers(s, chatId, list.filter((x) => x.user.id !== userId));
}

export function dropChatMembers(s: ChatMembersState, chatId: ID): ChatMembersState {
  if (!(chatId in s.byChat)) return s;
  const byChat = { ...s.byChat };
  delete byChat[chatId];
  return { byChat };
}

/** setReadSeq moves one member's read marker forward. */
export function setReadSeq(s: ChatMembersState, chatId: ID, userId: ID, seq: number): ChatMembersState {
  const list = s.byChat[chatId];
  if (!list) return s;
  let changed = false;
  const next = list.map((m) => {
    if (m.user.id !== userId || m.last_read_seq >= seq) return m;
    changed = true;
    return { ...m, last_read_seq: seq };
  });
  return changed ? setChatMembers(s, chatId, next) : s;
}
