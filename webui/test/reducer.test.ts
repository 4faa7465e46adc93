import { describe, expect, it } from 'vitest';
import { chatsOf, setWorkspaceChats } from '../src/state/chats';
import { emptyData, reduceEvent, type AppData, type EventContext } from '../src/state/events';
import { mergePage, timeline, thread } from '../src/state/messages';
import { typingUsers } from '../src/state/presence';
import { setChatMembers } from '../src/state/members';
import { setMembers, setWorkspaces } from '../src/state/workspaces';
import { chat, msg, user } from './fixtures';

const ME = 1;
const ctx = (over: Partial<EventContext> = {}): EventContext => ({ me: ME, activeChatId: null, visible: true, now: 1_000_000, ...over });

function base(): AppData {
  let d = emptyData;
  d = { ...d, workspaces: setWorkspaces(d.workspaces, [{ id: 1, name: 'Acme', role: 'owner', created_at: '' }]) };
  d = { ...d, workspaces: setMembers(d.workspaces, 1, [1, 2, 3].map((id) => ({ user: user(id), role: 'member', joined_at: '' }))) };
  d = { ...d, chats: setWorkspaceChats(d.chats, 1, [chat(10), chat(11, { last_activity_at: '2026-01-02T00:00:00Z' })]) };
  d = { ...d, messages: mergePage(d.messages, 10, { messages: [msg(10, 1, 2, { id: 1 }), msg(10, 2, 1, { id: 2 })], has_more: false }, 'latest') };
  d = { ...d, chats: { ...d.chats, byId: { ...d.chats.byId, 10: { ...d.chats.byId[10]!, last_seq: 2, last_read_seq: 2 } } } };
  return d;
}

describe('reduceEvent', () => {
  it('adds a new message, counts it unread and moves the chat to the top', () => {
    const m = msg(10, 3, 2, { id: 3, created_at: '2026-02-01T00:00:00Z' });
    const { data, effects } = reduceEvent(base(), 'message.created', { type: 'message.created', workspace_id: 1, chat_id: 10, message: m }, ctx());
    expect(timeline(data.messages.byChat[10]).map((x) => x.id)).toEqual([1, 2, 3]);
    expect(data.chats.byId[10]!.unread_count).toBe(1);
    expect(data.chats.byId[10]!.last_message?.id).toBe(3);
    expect(chatsOf(data.chats, 1)[0]!.id).toBe(10);
    expect(effects).toEqual([]);
  });

  it('is idempotent: the same message twice counts once', () => {
    const m = msg(10, 3, 2, { id: 3 });
    const ev = { type: 'message.created', workspace_id: 1, chat_id: 10, message: m };
    const once = reduceEvent(base(), 'message.created', ev, ctx()).data;
    const twice = reduceEvent(once, 'message.created', ev, ctx()).data;
    expect(twice.chats.byId[10]!.unread_count).toBe(1);
    expect(twice.messages.byChat[10]!.order).toEqual([1, 2, 3]);
  });

  it('marks read instead of counting when the chat is open and visible', () => {
    const m = msg(10, 3, 2, { id: 3 });
    const r = reduceEvent(base(), 'message.created', { type: 'message.created', chat_id: 10, message: m }, ctx({ activeChatId: 10 }));
    expect(r.data.chats.byId[10]!.unread_count).toBe(0);
    expect(r.effects).toContainEqual({ kind: 'markRead', chatId: 10, seq: 3 });
  });

  it('counts a mention and clears it when read moves past it', () => {
    const m = msg(10, 3, 2, { id: 3, mentions: [ME] });
    let d = reduceEvent(base(), 'message.created', { type: 'message.created', chat_id: 10, message: m }, ctx()).data;
    expect(d.chats.mentions[10]).toEqual([3]);
    d = reduceEvent(d, 'read.updated', { type: 'read.updated', chat_id: 10, read: { user_id: ME, chat_id: 10, seq: 3 } }, ctx()).data;
    expect(d.chats.mentions[10]).toEqual([]);
    expect(d.chats.byId[10]!.unread_count).toBe(0);
  });

  it('confirms our own sends to the outbox by client_id', () => {
    const m = msg(10, 3, ME, { id: 3, client_id: 'abc' });
    const r = reduceEvent(base(), 'message.created', { type: 'message.created', chat_id: 10, message: m }, ctx());
    expect(r.effects).toContainEqual({ kind: 'delivered', clientId: 'abc', chatId: 10 });
    expect(r.data.chats.byId[10]!.unread_count).toBe(0);
  });

  it('asks for a chat it does not know', () => {
    const m = msg(99, 1, 2, { id: 50 });
    const r = reduceEvent(base(), 'message.created', { type: 'message.created', chat_id: 99, message: m }, ctx());
    expect(r.effects).toContainEqual({ kind: 'fetchChat', chatId: 99 });
  });

  it('puts thread replies in the thread, not the timeline, and counts them on the root', () => {
    const reply = msg(10, 3, 2, { id: 3, reply_to: 1 });
    const d = reduceEvent(base(), 'message.created', { type: 'message.created', chat_id: 10, message: reply }, ctx()).data;
    expect(timeline(d.messages.byChat[10]).map((x) => x.id)).toEqual([1, 2]);
    expect(thread(d.messages.byChat[10], 1).map((x) => x.id)).toEqual([1, 3]);
    expect(d.messages.byChat[10]!.byId[1]!.reply_count).toBe(1);
  });

  it('applies edits and deletes, keeping our reaction flags', () => {
    let d = base();
    d = reduceEvent(d, 'reaction.added', { type: 'reaction.added', chat_id: 10, reaction: { message_id: 1, emoji: '👍', user_id: ME } }, ctx()).data;
    const edited = { ...msg(10, 1, 2, { id: 1 }), content: 'changed', edited_at: '2026-01-01T11:00:00Z', reactions: [{ emoji: '👍', count: 1, me: false }] };
    d = reduceEvent(d, 'message.updated', { type: 'message.updated', chat_id: 10, message: edited }, ctx()).data;
    expect(d.messages.byChat[10]!.byId[1]!.content).toBe('changed');
    expect(d.messages.byChat[10]!.byId[1]!.reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);
    d = reduceEvent(d, 'message.deleted', { type: 'message.deleted', chat_id: 10, message: { ...edited, deleted: true, content: '' } }, ctx()).data;
    expect(d.messages.byChat[10]!.byId[1]!.deleted).toBe(true);
  });

  it('counts reactions from others and does not double ours', () => {
    let d = base();
    const add = (u: number) => ({ type: 'reaction.added', chat_id: 10, reaction: { message_id: 1, emoji: '🎉', user_id: u } });
    d = reduceEvent(d, 'reaction.added', add(2), ctx()).data;
    d = reduceEvent(d, 'reaction.added', add(ME), ctx()).data;
    d = reduceEvent(d, 'reaction.added', add(ME), ctx()).data; // our own click already applied it
    expect(d.messages.byChat[10]!.byId[1]!.reactions).toEqual([{ emoji: '🎉', count: 2, me: true }]);
    d = reduceEvent(d, 'reaction.removed', { ...add(2), type: 'reaction.removed' }, ctx()).data;
    d = reduceEvent(d, 'reaction.removed', { ...add(ME), type: 'reaction.removed' }, ctx()).data;
    expect(d.messages.byChat[10]!.byId[1]!.reactions).toEqual([]);
  });

  it('tracks typing (never our own) and presence', () => {
    let d = base();
    d = reduceEvent(d, 'typing', { type: 'typing', chat_id: 10, user_id: 2 }, ctx()).data;
    d = reduceEvent(d, 'typing', { type: 'typing', chat_id: 10, user_id: ME }, ctx()).data;
    expect(typingUsers(d.presence, 10, ME, 1_000_001)).toEqual([2]);
    expect(typingUsers(d.presence, 10, ME, 1_000_000 + 60_000)).toEqual([]);
    // A message from the typist ends the signal.
    d = reduceEvent(d, 'message.created', { type: 'message.created', chat_id: 10, message: msg(10, 3, 2, { id: 3 }) }, ctx()).data;
    expect(typingUsers(d.presence, 10, ME, 1_000_001)).toEqual([]);
    d = reduceEvent(d, 'ready', { type: 'ready', online_user_ids: [1, 2] }, ctx()).data;
    expect(d.presence.online).toEqual({ 1: true, 2: true });
    d = reduceEvent(d, 'presence', { type: 'presence', user_id: 2, online: false }, ctx()).data;
    d = reduceEvent(d, 'presence', { type: 'presence', user: { id: 3 }, status: 'online' }, ctx()).data;
    expect(d.presence.online).toEqual({ 1: true, 3: true });
    d = reduceEvent(d, 'presence', {
      type: 'presence', user_id: 1, status: 'offline',
      changes: [{ user_id: 1, status: 'offline' }, { user_id: 4, status: 'online' }, { user_id: 5, status: 'online' }],
    }, ctx()).data;
    expect(d.presence.online).toEqual({ 3: true, 4: true, 5: true });
  });

  it('handles chats appearing, changing and going away', () => {
    let d = base();
    const c = chat(20, { type: 'direct', name: '', created_by: 2 });
    d = reduceEvent(d, 'chat.created', { type: 'chat.created', chat: c, member_ids: [2, ME] }, ctx()).data;
    expect(d.chats.byId[20]).toBeDefined();
    expect(d.members.byChat[20]!.map((m) => m.user.id)).toEqual([2, ME]);
    const other = reduceEvent(d, 'chat.created', { type: 'chat.created', chat: chat(21), member_ids: [2, 3] }, ctx()).data;
    expect(other.chats.byId[21]).toBeUndefined();
    d = reduceEvent(d, 'chat.updated', { type: 'chat.updated', chat: { ...chat(10), name: 'renamed', unread_count: 0 } }, ctx()).data;
    expect(d.chats.byId[10]!.name).toBe('renamed');
    const r = reduceEvent(d, 'chat.deleted', { type: 'chat.deleted', chat_id: 10 }, ctx());
    expect(r.data.chats.byId[10]).toBeUndefined();
    expect(r.data.messages.byChat[10]).toBeUndefined();
    expect(r.effects).toContainEqual({ kind: 'chatGone', chatId: 10 });
  });

  it('follows membership: added fetches the chat, removed drops it', () => {
    let d = base();
    let r = reduceEvent(d, 'member.joined', { type: 'member.joined', chat_id: 77, user_id: ME }, ctx());
    expect(r.effects).toContainEqual({ kind: 'fetchChat', chatId: 77 });
    d = { ...d, members: setChatMembers(d.members, 10, [{ user: user(1), role: 'member', joined_at: '', last_read_seq: 0 }]) };
    d = reduceEvent(d, 'member.joined', { type: 'member.joined', chat_id: 10, user_id: 3, member: { chat_id: 10, user: user(3), role: 'member', joined_at: '', last_read_seq: 0 } }, ctx()).data;
    expect(d.members.byChat[10]!.map((m) => m.user.id)).toEqual([1, 3]);
    expect(d.chats.byId[10]!.member_count).toBe(3);
    d = reduceEvent(d, 'read.updated', { type: 'read.updated', chat_id: 10, read: { user_id: 3, chat_id: 10, seq: 2 } }, ctx()).data;
    expect(d.members.byChat[10]!.find((m) => m.user.id === 3)!.last_read_seq).toBe(2);
    r = reduceEvent(d, 'member.left', { type: 'member.left', chat_id: 10, user_id: ME }, ctx());
    expect(r.data.chats.byId[10]).toBeUndefined();
    expect(r.effects).toContainEqual({ kind: 'chatGone', chatId: 10 });
  });

  it('asks for a REST reload on resync and ignores unknown types', () => {
    expect(reduceEvent(base(), 'resync', { type: 'resync' }, ctx()).effects).toEqual([{ kind: 'resync' }]);
    const d = base();
    expect(reduceEvent(d, 'something.new', { type: 'something.new' }, ctx()).data).toBe(d);
  });

  it('removes a workspace we leave', () => {
    const r = reduceEvent(base(), 'workspace.member_left', { type: 'workspace.member_left', workspace_id: 1, user_id: ME }, ctx());
    expect(r.data.workspaces.list).toEqual([]);
    expect(Object.keys(r.data.chats.byId)).toEqual([]);
    expect(r.effects).toContainEqual({ kind: 'workspaceGone', workspaceId: 1 });
  });
});
