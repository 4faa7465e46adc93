import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { Draft, ID } from '../src/api/types';
import { Drafts, IdbDraftStorage, MAX_DRAFT, MemoryDraftStorage, type DraftServer } from '../src/drafts/drafts';

class FakeServer implements DraftServer {
  drafts = new Map<string, Draft>();
  puts: [ID, string, ID][] = [];
  offline = false;
  async list() {
    if (this.offline) throw new Error('offline');
    return [...this.drafts.values()];
  }
  async put(chat: ID, text: string, thread: ID) {
    if (this.offline) throw new Error('offline');
    this.puts.push([chat, text, thread]);
    if (text.trim()) this.drafts.set(`${chat}:${thread}`, { chat_id: chat, thread_id: thread, text, updated_at: '2030-01-01T00:00:09Z' });
    else this.drafts.delete(`${chat}:${thread}`);
  }
}

let clock = 0;
const now = () => `2030-01-01T00:00:0${clock++}Z`;

describe('drafts store', () => {
  it('keeps chat and thread drafts apart and saves after a pause', async () => {
    const storage = new MemoryDraftStorage();
    const server = new FakeServer();
    const d = new Drafts({ storage, server, syncDelay: 0, now });
    d.set(1, 0, 'chat text');
    d.set(1, 5, 'thread text');
    expect(d.get(1)).toBe('chat text');
    expect(d.get(1, 5)).toBe('thread text');
    expect(d.get(2)).toBe('');
    await d.flush();
    expect(server.puts).toEqual([[1, 'chat text', 0], [1, 'thread text', 5]]);
    expect((await storage.all()).map((x) => x.text).sort()).toEqual(['chat text', 'thread text']);
  });

  it('survives a reload through IndexedDB', async () => {
    const server = new FakeServer();
    server.offline = true;
    const a = new Drafts({ storage: new IdbDraftStorage(), server, syncDelay: 0, now });
    a.set(3, 0, 'half a thought');
    await a.flush();
    const b = new Drafts({ storage: new IdbDraftStorage(), server, now });
    await b.load();
    expect(b.get(3)).toBe('half a thought');
  });

  it('takes the newer copy of device and server, and sends up newer local ones', async () => {
    const storage = new MemoryDraftStorage();
    await storage.put({ chat_id: 1, thread_id: 0, text: 'old local', updated_at: '2030-01-01T00:00:00Z' });
    await storage.put({ chat_id: 2, thread_id: 0, text: 'new local', updated_at: '2030-01-01T00:00:05Z' });
    const server = new FakeServer();
    server.drafts.set('1:0', { chat_id: 1, thread_id: 0, text: 'from laptop', updated_at: '2030-01-01T00:00:03Z' });
    server.drafts.set('2:0', { chat_id: 2, thread_id: 0, text: 'stale', updated_at: '2030-01-01T00:00:01Z' });
    const d = new Drafts({ storage, server, syncDelay: 0, now });
    await d.load();
    expect(d.get(1)).toBe('from laptop');
    expect(d.get(2)).toBe('new local');
    await d.flush();
    expect(server.puts).toEqual([[2, 'new local', 0]]);
  });

  it('clears a sent draft everywhere and caps the length', async () => {
    const storage = new MemoryDraftStorage();
    const server = new FakeServer();
    const d = new Drafts({ storage, server, syncDelay: 10_000, now });
    d.set(4, 0, 'x'.repeat(MAX_DRAFT + 5));
    expect(d.get(4)).toHaveLength(MAX_DRAFT);
    await d.clear(4);
    expect(d.get(4)).toBe('');
    expect(storage.items.size).toBe(0);
    expect(server.puts.at(-1)).toEqual([4, '', 0]);
  });

  it('keeps the local copy when the server is unreachable', async () => {
    const storage = new MemoryDraftStorage();
    const server = new FakeServer();
    server.offline = true;
    const d = new Drafts({ storage, server, syncDelay: 0, now });
    d.set(6, 0, 'written offline');
    await d.flush();
    expect((await storage.all())[0]!.text).toBe('written offline');
  });
});
