import type { ID } from '../api/types';

/** TYPING_TTL_MS is how long a typing signal is shown without a new one. */
export const TYPING_TTL_MS = 6000;

export interface PresenceState {
  online: Record<ID, boolean>;
  /** typing[chat][user] is when that signal expires (ms since epoch). */
  typing: Record<ID, Record<ID, number>>;
}

export const emptyPresence: PresenceState = { online: {}, typing: {} };

export function setOnline(s: PresenceState, ids: ID[]): PresenceState {
  const online: Record<ID, boolean> = {};
  for (const id of ids) online[id] = true;
  return { ...s, online };
}

export function setUserOnline(s: PresenceState, id: ID, on: boolean): PresenceState {
  if (!!s.online[id] === on) return s;
  const online = { ...s.online };
  if (on) online[id] = true;
  else delete online[id];
  return { ...s, online };
}

export function noteTyping(s: PresenceState, chatId: ID, userId: ID, now: number): PresenceState {
  const chat = { ...(s.typing[chatId] ?? {}), [userId]: now + TYPING_TTL_MS };
  return { ...s, typing: { ...s.typing, [chatId]: chat } };
}

/** stopTyping clears a user's signal (their message arrived). */
export function stopTyping(s: PresenceState, chatId: ID, userId: ID): PresenceState {
  const chat = s.typing[chatId];
  if (!chat || !(userId in chat)) return s;
  const next = { ...chat };
  delete next[userId];
  return { ...s, typing: { ...s.typing, [chatId]: next } };
}

/** expireTyping drops signals past their time. */
export function expireTyping(s: PresenceState, now: number): PresenceState {
  let changed = false;
  const typing: Record<ID, Record<ID, number>> = {};
  for (const [chat, users] of Object.entries(s.typing)) {
    const kept: Record<ID, number> = {};
    for (const [u, until] of Object.entries(users)) {
      if (until > now) kept[Number(u)] = until;
      else changed = true;
    }
    if (Object.keys(kept).length) typing[Number(chat)] = kept;
  }
  return changed ? { ...s, typing } : s;
}

export function typingUsers(s: PresenceState, chatId: ID, me: ID, now: number): ID[] {
  const users = s.typing[chatId] ?? {};
  return Object.entries(users)
    .filter(([u, until]) => Number(u) !== me && until > now)
    .map(([u]) => Number(u));
}
