// Fixtures in the shapes the server writes (api/events.gen.ts, generated
// from the Go payload types): they fit both the REST types and the events.
import type { ChatSummary as Chat, Message, User } from '../src/api/events.gen';

export function user(id: number, name = `User ${id}`): User {
  return {
    id, email: `u${id}@example.com`, username: `u${id}`, display_name: name, avatar_url: '', locale: '', timezone: '',
    is_bot: false, is_admin: false, created_at: '2026-01-01T00:00:00Z',
  };
}

export function chat(id: number, over: Partial<Chat> = {}): Chat {
  return {
    id, workspace_id: 1, type: 'public_channel', name: `chan${id}`, topic: '', description: '', created_by: 1,
    created_at: '2026-01-01T00:00:00Z', auto_join: false, member_count: 2, unread_count: 0, last_seq: 0, last_read_seq: 0,
    last_activity_at: '2026-01-01T00:00:00Z', ...over,
  };
}

let nextId = 1000;
export function msg(chatId: number, seq: number, sender: number, over: Partial<Message> = {}): Message {
  return {
    id: over.id ?? nextId++, chat_id: chatId, workspace_id: 1, seq, sender: user(sender), content: `message ${seq}`,
    client_id: '', reply_count: 0, attachments: [], reactions: [], mentions: [], lang: '',
    created_at: new Date(Date.UTC(2026, 0, 1, 10, seq)).toISOString(), deleted: false, ...over,
  };
}
