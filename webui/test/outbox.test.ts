import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ApiError, networkError } from '../src/api/errors';
import type { Message } from '../src/api/types';
import { IdbOutboxStorage, MemoryOutboxStorage, Outbox, newClientId, type OutboxItem, type OutboxStorage } from '../src/outbox/outbox';
import { msg } from './fixtures';

/** fakeServer is an idempotent message endpoint, like the API's: the same
 * client_id returns the first message. It can be switched offline. */
function fakeServer() {
  const byClient = new Map<string, Message>();
  const state = { online: true, calls: 0, refuse: new Set<string>() };
  let seq = 0;
  const send = async (i: OutboxItem): Promise<Message> => {
    state.calls++;
    if (!state.online) throw networkError();
    if (state.refuse.has(i.content)) throw new ApiError(403, 'forbidden', 'you are not a member of this chat');
    const have = byClient.get(i.client_id);
    if (have) return have;
    const m = msg(i.chat_id, ++seq, i.user_id, { content: i.content, client_id: i.client_id });
    byClient.set(i.client_id, m);
    return m;
  };
  return { send, state, messages: () => [...byClient.values()].sort((a, b) => a.seq - b.seq) };
}

function manualTimers() {
  const pending: (() => void)[] = [];
  return {
    setTimer: (fn: () => void) => pending.push(fn),
    clearTimer: () => undefined,
    fire: () => pending.splice(0).forEach((f) => f()),
  };
}

async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
}

function item(content: string, chat = 1) {
  return { client_id: newClientId(), workspace_id: 1, chat_id: chat, content, created_at: new Date().toISOString() };
}

describe('Outbox', () => {
  it('sends queued messages in order and empties the queue', async () => {
    const srv = fakeServer();
    const delivered: string[] = [];
    const ob = new Outbox({ storage: new MemoryOutboxStorage(), send: srv.send, onDelivered: (i) => delivered.push(i.content) });
    await ob.load(7);
    await ob.add(item('one'));
    await ob.add(item('two'));
    await ob.flush();
    await settle();
    expect(srv.messages().map((m) => m.content)).toEqual(['one', 'two']);
    expect(delivered).toEqual(['one', 'two']);
    expect(ob.list()).toEqual([]);
  });

  it('keeps messages written offline, in order, and sends each exactly once when back', async () => {
    const srv = fakeServer();
    const t = manualTimers();
    srv.state.online = false;
    const ob = new Outbox({ storage: new MemoryOutboxStorage(), send: srv.send, setTimer: t.setTimer, clearTimer: t.clearTimer, retryDelay: () => 1 });
    await ob.load(7);
    await ob.add(item('first'));
    await ob.add(item('second'));
    await settle();
    expect(ob.list().map((i) => [i.content, i.status])).toEqual([['first', 'pending'], ['second', 'pending']]);
    expect(ob.list()[0]!.error).toMatch(/reach the server/);
    // Retries while offline change nothing.
    t.fire();
    await settle();
    expect(srv.messages()).toEqual([]);
    srv.state.online = true;
    await ob.flush();
    await settle();
    // Flushing again (a second tab, a timer) finds nothing left to send.
    await ob.flush();
    t.fire();
    await settle();
    expect(srv.messages().map((m) => m.content)).toEqual(['first', 'second']);
    expect(ob.list()).toEqual([]);
  });

  it('a lost response is resent with the same client_id and yields one message', async () => {
    const srv = fakeServer();
    let drop = true;
    const send = async (i: OutboxItem) => {
      const m = await srv.send(i);
      if (drop) {
        drop = false;
        throw networkError(); // the server stored it, the answer was lost
      }
      return m;
    };
    const t = manualTimers();
    const ob = new Outbox({ storage: new MemoryOutboxStorage(), send, setTimer: t.setTimer, clearTimer: t.clearTimer, retryDelay: () => 1 });
    await ob.load(7);
    await ob.add(item('hello'));
    await settle();
    t.fire();
    await settle();
    expect(srv.messages().map((m) => m.content)).toEqual(['hello']);
    expect(srv.state.calls).toBe(2);
    expect(ob.list()).toEqual([]);
  });

  it('marks a refused message failed with the server words and goes on', async () => {
    const srv = fakeServer();
    srv.state.refuse.add('bad');
    const ob = new Outbox({ storage: new MemoryOutboxStorage(), send: srv.send });
    await ob.load(7);
    await ob.add(item('bad'));
    await ob.add(item('good'));
    await ob.flush();
    await settle();
    expect(srv.messages().map((m) => m.content)).toEqual(['good']);
    expect(ob.list().map((i) => [i.content, i.status, i.error])).toEqual([['bad', 'failed', 'you are not a member of this chat']]);
    srv.state.refuse.clear();
    await ob.retry(ob.list()[0]!.client_id);
    await settle();
    expect(srv.messages().map((m) => m.content)).toEqual(['good', 'bad']);
    await ob.add(item('x'));
    await settle();
    expect(ob.list()).toEqual([]);
  });

  it('survives a reload: IndexedDB keeps the queue per user, and sending restarts', async () => {
    const storage: OutboxStorage = new IdbOutboxStorage(indexedDB);
    const srv = fakeServer();
    srv.state.online = false;
    const t = manualTimers();
    const first = new Outbox({ storage, send: srv.send, setTimer: t.setTimer, clearTimer: t.clearTimer });
    await first.load(7);
    await first.add(item('a'));
    await first.add(item('b'));
    await settle();
    first.reset();
    // Someone else signs in on this device: they do not see or send these.
    const other = new Outbox({ storage, send: srv.send, setTimer: t.setTimer, clearTimer: t.clearTimer });
    await other.load(8);
    expect(other.list()).toEqual([]);
    // The page reloads while online.
    srv.state.online = true;
    const again = new Outbox({ storage, send: srv.send });
    await again.load(7);
    await again.flush();
    await settle();
    expect(srv.messages().map((m) => m.content)).toEqual(['a', 'b']);
    expect(await storage.all()).toEqual([]);
  });

  it('drops an item confirmed by the event stream', async () => {
    const srv = fakeServer();
    srv.state.online = false;
    const t = manualTimers();
    const ob = new Outbox({ storage: new MemoryOutboxStorage(), send: srv.send, setTimer: t.setTimer, clearTimer: t.clearTimer });
    await ob.load(7);
    const i = await ob.add(item('via another tab'));
    await settle();
    await ob.delivered(i.client_id);
    expect(ob.list()).toEqual([]);
  });

  it('makes RFC 4122 version 4 ids', () => {
    const id = newClientId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newClientId()).not.toBe(id);
  });
});
