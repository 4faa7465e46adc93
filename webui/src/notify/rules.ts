import type { Chat, ID, Message, NotificationSettings } from '../api/types';

/** Why a message may raise a desktop notification. */
export type NotifyReason = 'direct' | 'mention' | 'thread';

export interface NotifyContext {
  me: ID;
  chat: Chat | undefined;
  /** threadRootSender is the author of the root when m is a thread reply. */
  threadRootSender?: ID;
  /** inView: the tab is visible and this chat is open. */
  inView: boolean;
  settings: NotificationSettings | null;
  now: Date;
}

/** inQuietHours reports whether now falls in the daily do-not-disturb
 * window start..end ("HH:MM", local time; may run past midnight). */
export function inQuietHours(now: Date, start: string, end: string): boolean {
  const mins = (s: string) => {
    const m = /^(\d\d):(\d\d)$/.exec(s);
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  };
  const a = mins(start);
  const b = mins(end);
  if (Number.isNaN(a) || Number.isNaN(b) || a === b) return false;
  const t = now.getHours() * 60 + now.getMinutes();
  return a < b ? t >= a && t < b : t >= a || t < b;
}

/** doNotDisturb reports whether notifications are silenced right now. */
export function doNotDisturb(s: NotificationSettings | null, now: Date): boolean {
  if (!s) return false;
  if (s.dnd_until && new Date(s.dnd_until).getTime() > now.getTime()) return true;
  return s.schedule_enabled && inQuietHours(now, s.schedule_start, s.schedule_end);
}

/** notifyReason says why m should raise a notification, or null when it
 * should not: own messages, the chat in front of the person, muted chats,
 * do-not-disturb, and messages that are neither direct, a mention nor a
 * reply in the person's thread. */
export function notifyReason(m: Message, c: NotifyContext): NotifyReason | null {
  if (m.sender.id === c.me || m.deleted || c.inView || !c.chat) return null;
  if (c.settings?.muted_chat_ids.includes(m.chat_id)) return null;
  if (doNotDisturb(c.settings, c.now)) return null;
  if (c.chat.type === 'direct') return 'direct';
  if (m.mentions.includes(c.me)) return 'mention';
  if (m.reply_to && c.threadRootSender === c.me) return 'thread';
  return null;
}
