import { describe, expect, it } from 'vitest';
import { chatTitle, chatsOf, markRead, noteMessage, setMentions, setWorkspaceChats, upsertChat } from '../src/state/chats';
import { emptyMessages, mergePage, newestSeq, timeline, upsertMessages, applyReaction, unconfirmed } from '../src/state/messages';
import { expireTyping, noteTyping, emptyPresence } from '../src/state/presence';
import { emptyWorkspaces, removeWorkspace, setWorkspaces, upsertWorkspace } from '../src/state/workspaces';
import { emptyChats } from '../src/state/chats';
import { createStore } from '../src/stores/store';
import { buildRows } from '../src/components/MessageList';
import { chat, msg, user } from './fixtures';

describe('messages store', () => {
  it('pages history backwards and keeps seq order', () => {
    let s = mergePage(emptyMessages, 1, { messages: [msg(1, 51, 2, { id: 51 }), msg(1, 52, 2, { id: 52 })], has_more: true }, 'latest');
    expect(s.byChat[1]!.oldestSeq).toBe(51);
    expect(s.byChat[1]!.hasOlder).toBe(true);
    s = mergePage(s, 1, { messages: [msg(1, 49, 2, { id: 49 }), msg(1, 50, 2, { id: 50 })], has_more: false }, 'older');
    expect(timeline(s.byChat[1]).map((m) => m.seq)).toEqual([49, 50, 51, 52]);
    expect(s.byChat[1]!.hasOlder).toBe(false);
    expect(newestSeq(s.byChat[1])).toBe(52);
  });

  it('does not show thread replies fetched for a panel before the loaded range', () => {
    let s = mergePage(emptyMessages, 1, { messages: [msg(1, 60, 2, { id: 60 })], has_more: true }, 'latest');
    s = mergePage(s, 1, { messages: [msg(1, 10, 2, { id: 10 })], has_more: false }, 'thread', 5);
    expect(timeline(s.byChat[1]).map((m) => m.seq)).toEqual([60]);
    expect(s.byChat[1]!.threads[5]).toBe(true);
  });

  it('hides a pending send once its message arrived', () => {
    const s = upsertMessages(emptyMessages, 1, [msg(1, 1, 2, { id: 1, client_id: 'done' })]);
    const pending = [{ client_id: 'done', chat_id: 1 }, { client_id: 'waiting', chat_id: 1 }];
    expect(unconfirmed(s.byChat[1], pending).map((p) => p.client_id)).toEqual(['waiting']);
  });

  it('inserts an out-of-order message in its place', () => {
    let s = upsertMessages(emptyMessages, 1, [msg(1, 1, 2, { id: 1 }), msg(1, 3, 2, { id: 3 })]);
    s = upsertMessages(s, 1, [msg(1, 2, 2, { id: 2 })], true);
    expect(s.byChat[1]!.order).toEqual([1, 2, 3]);
  });

  it('does not trust reaction flags of a new message from an event', () => {
    const s = upsertMessages(emptyMessages, 1, [msg(1, 1, 2, { id: 1, reactions: [{ emoji: '👍', count: 1, me: true }] })], true);
    expect(s.byChat[1]!.byId[1]!.reactions[0]!.me).toBe(false);
    const t = applyReaction(s, 1, 1, '👍', 9, 9, true);
    expect(t.byChat[1]!.byId[1]!.reactions[0]).toEqual({ emoji: '👍', count: 2, me: true });
  });
});

describe('chats store', () => {
  it('keeps a message that arrived while the chat list was on its way', () => {
    // The list was fetched before message 5 of chat 10; its event came first.
    let s = setWorkspaceChats(emptyChats, 1, [chat(10, { last_seq: 4, last_read_seq: 4 })]);
    s = noteMessage(s, msg(10, 5, 2), 1, false);
    expect(s.byId[10]!.unread_count).toBe(1);
    s = setWorkspaceChats(s, 1, [chat(10, { last_seq: 4, last_read_seq: 4, unread_count: 0 }), chat(11)]);
    expect(s.byId[10]!.unread_count).toBe(1);
    expect(s.byId[10]!.last_seq).toBe(5);
    expect(s.byId[10]!.last_message?.seq).toBe(5);
    // A list that has seen it (or later ones) wins.
    s = setWorkspaceChats(s, 1, [chat(10, { last_seq: 6, last_read_seq: 6, unread_count: 0 })]);
    expect(s.byId[10]!.unread_count).toBe(0);
  });

  it('orders by activity and keeps per-person counts when a neutral chat arrives', () => {
    let s = setWorkspaceChats(emptyChats, 1, [chat(1, { last_activity_at: '2026-01-01T00:00:00Z', unread_count: 4 }), chat(2, { last_activity_at: '2026-01-03T00:00:00Z' })]);
    expect(chatsOf(s, 1).map((c) => c.id)).toEqual([2, 1]);
    s = upsertChat(s, { ...chat(1), name: 'new', unread_count: 0 });
    expect(s.byId[1]!.unread_count).toBe(4);
    expect(s.byId[1]!.name).toBe('new');
  });

  it('counts unread and mentions and clears them on read', () => {
    let s = setWorkspaceChats(emptyChats, 1, [chat(1)]);
    s = noteMessage(s, msg(1, 1, 2, { mentions: [5] }), 5, false);
    s = noteMessage(s, msg(1, 2, 2), 5, false);
    expect(s.byId[1]!.unread_count).toBe(2);
    expect(s.mentions[1]).toEqual([1]);
    s = markRead(s, 1, 1);
    expect(s.byId[1]!.unread_count).toBe(1);
    expect(s.mentions[1]).toEqual([]);
    s = markRead(s, 1, 0); // never backwards
    expect(s.byId[1]!.last_read_seq).toBe(1);
    s = noteMessage(s, msg(1, 3, 5), 5, false); // our own message is read
    expect(s.byId[1]!.unread_count).toBe(0);
  });

  it('loads unread mentions but skips read ones', () => {
    const s = setMentions(setWorkspaceChats(emptyChats, 1, [chat(1, { last_read_seq: 3 })]), [msg(1, 2, 2), msg(1, 5, 2)]);
    expect(s.mentions[1]).toEqual([5]);
  });

  it('names direct chats by the other person', () => {
    const c = chat(3, { type: 'direct', name: '' });
    expect(chatTitle(c, (id) => (id === 2 ? 'Bob' : 'Me'), [1, 2], 1)).toBe('Bob');
    expect(chatTitle(c)).toBe('Direct message');
  });
});

describe('workspaces store', () => {
  it('keeps the current workspace valid', () => {
    let s = setWorkspaces(emptyWorkspaces, [{ id: 2, name: 'B', role: 'member', created_at: '' }, { id: 1, name: 'A', role: 'owner', created_at: '' }]);
    expect(s.currentId).toBe(1);
    s = upsertWorkspace({ ...s, currentId: 2 }, { id: 2, name: 'Bee' });
    expect(s.list.find((w) => w.id === 2)!.role).toBe('member');
    s = removeWorkspace(s, 2);
    expect(s.currentId).toBe(1);
  });
});

describe('presence store', () => {
  it('expires typing signals', () => {
    const s = noteTyping(emptyPresence, 1, 2, 0);
    expect(expireTyping(s, 1000)).toBe(s);
    expect(expireTyping(s, 60_000).typing).toEqual({});
  });
});

describe('store primitive', () => {
  it('notifies on change only', () => {
    const s = createStore({ n: 1 });
    let calls = 0;
    const off = s.subscribe(() => calls++);
    s.set((x) => x);
    s.set({ n: 2 });
    off();
    s.set({ n: 3 });
    expect(calls).toBe(1);
    expect(s.get().n).toBe(3);
  });
});

describe('timeline rows', () => {
  it('adds day dividers, a new-messages line, grouping, read markers and pending sends', () => {
    const msgs = [
      msg(1, 1, 2, { id: 1, created_at: '2026-01-01T10:00:00Z' }),
      msg(1, 2, 2, { id: 2, created_at: '2026-01-01T10:01:00Z' }),
      msg(1, 3, 1, { id: 3, created_at: '2026-01-02T10:00:00Z' }),
      msg(1, 4, 2, { id: 4, created_at: '2026-01-02T10:01:00Z' }),
    ];
    const rows = buildRows(msgs, [{ client_id: 'c', user_id: 1, workspace_id: 1, chat_id: 1, content: 'hi', created_at: '', order: 1, status: 'pending' }], {
      hasOlder: false, loaded: true, readAtOpen: 3, lastSeqAtOpen: 4, me: 1,
      members: [{ user: user(2), role: 'member', joined_at: '', last_read_seq: 3 }],
    });
    expect(rows.map((r) => r.kind)).toEqual(['edge', 'day', 'msg', 'msg', 'day', 'msg', 'new', 'msg', 'pending']);
    // Seen-by shows under the person's message while it is the latest.
    const mine = buildRows(msgs.slice(0, 3), [], { hasOlder: false, loaded: true, readAtOpen: 3, lastSeqAtOpen: 3, me: 1, members: [{ user: user(2), role: 'member', joined_at: '', last_read_seq: 3 }] });
    expect(mine.map((r) => r.kind)).toEqual(['edge', 'day', 'msg', 'msg', 'day', 'msg', 'seen']);
    // Messages arriving while the chat is open get no "new" line.
    const live = buildRows(msgs, [], { hasOlder: false, loaded: true, readAtOpen: 3, lastSeqAtOpen: 3, me: 1, members: undefined });
    expect(live.some((r) => r.kind === 'new')).toBe(false);
    const compact = rows.filter((r) => r.kind === 'msg').map((r) => (r.kind === 'msg' ? r.compact : null));
    expect(compact).toEqual([false, true, false, false]);
  });
});
