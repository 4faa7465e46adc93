import { describe, expect, it } from 'vitest';
import type { Chat, Message, NotificationSettings } from '../src/api/types';
import { titleWith, unreadTotal } from '../src/notify/badge';
import { doNotDisturb, inQuietHours, notifyReason } from '../src/notify/rules';

const settings = (x: Partial<NotificationSettings> = {}): NotificationSettings => ({
  sound: true, dnd_until: null, schedule_enabled: false, schedule_start: '22:00', schedule_end: '08:00', updated_at: '', muted_chat_ids: [], ...x,
});
const chat = (id: number, type: Chat['type'], unread = 0) => ({ id, type, unread_count: unread, workspace_id: 1, name: 'c' }) as Chat;
const msg = (x: Partial<Message> = {}) => ({ id: 1, chat_id: 1, seq: 1, sender: { id: 2 }, content: 'hi', mentions: [], attachments: [], ...x }) as Message;
const at = (h: number, m = 0) => new Date(2030, 0, 1, h, m);

describe('notification rules', () => {
  const base = { me: 1, inView: false, settings: settings(), now: at(12) };
  it('notifies for direct messages, mentions and replies to my thread only', () => {
    expect(notifyReason(msg(), { ...base, chat: chat(1, 'direct') })).toBe('direct');
    expect(notifyReason(msg({ mentions: [1] }), { ...base, chat: chat(1, 'public_channel') })).toBe('mention');
    expect(notifyReason(msg({ reply_to: 9 }), { ...base, chat: chat(1, 'group'), threadRootSender: 1 })).toBe('thread');
    expect(notifyReason(msg({ reply_to: 9 }), { ...base, chat: chat(1, 'group'), threadRootSender: 3 })).toBeNull();
    expect(notifyReason(msg(), { ...base, chat: chat(1, 'public_channel') })).toBeNull();
  });
  it('stays quiet for my own messages, the open chat, muted chats and do-not-disturb', () => {
    const c = chat(1, 'direct');
    expect(notifyReason(msg({ sender: { id: 1 } as Message['sender'] }), { ...base, chat: c })).toBeNull();
    expect(notifyReason(msg(), { ...base, chat: c, inView: true })).toBeNull();
    expect(notifyReason(msg(), { ...base, chat: c, settings: settings({ muted_chat_ids: [1] }) })).toBeNull();
    expect(notifyReason(msg(), { ...base, chat: c, settings: settings({ dnd_until: '2999-01-01T00:00:00Z' }) })).toBeNull();
    expect(notifyReason(msg(), { ...base, chat: c, settings: settings({ dnd_until: '2000-01-01T00:00:00Z' }) })).toBe('direct');
    expect(notifyReason(msg(), { ...base, chat: c, now: at(23), settings: settings({ schedule_enabled: true }) })).toBeNull();
  });
  it('knows quiet hours across midnight', () => {
    expect(inQuietHours(at(23), '22:00', '08:00')).toBe(true);
    expect(inQuietHours(at(7, 59), '22:00', '08:00')).toBe(true);
    expect(inQuietHours(at(8), '22:00', '08:00')).toBe(false);
    expect(inQuietHours(at(13), '12:30', '14:00')).toBe(true);
    expect(inQuietHours(at(14), '12:30', '14:00')).toBe(false);
    expect(doNotDisturb(settings({ schedule_enabled: false }), at(23))).toBe(false);
  });
});

describe('unread badge', () => {
  it('counts unmuted unread messages into the title', () => {
    const n = unreadTotal([chat(1, 'direct', 2), chat(2, 'group', 5), chat(3, 'group', 1)], [2]);
    expect(n).toBe(3);
    expect(titleWith('general · Fechatter', n)).toBe('(3) general · Fechatter');
    expect(titleWith('(3) general · Fechatter', 0)).toBe('general · Fechatter');
    expect(titleWith('(3) x', 120)).toBe('(99+) x');
    expect(titleWith('(99+) x', 4)).toBe('(4) x');
  });
});
