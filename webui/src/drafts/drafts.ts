import type { Draft, ID } from '../api/types';
import { createStore, type Store } from '../stores/store';

/** The key of a draft: a chat, or a thread of it (thread 0 is the chat). */
export const draftKey = (chat: ID, thread: ID = 0) => `${chat}:${thread}`;

/** DraftStorage keeps drafts on this device (IndexedDB in the browser). */
export interface DraftStorage {
  all(): Promise<Draft[]>;
  put(d: Draft): Promise<void>;
  delete(chat: ID, thread: ID): Promise<void>;
}

export class MemoryDraftStorage implements DraftStorage {
  readonly items = new Map<string, Draft>();
  async all() {
    return [...this.items.values()].map((d) => ({ ...d }));
  }
  async put(d: Draft) {
    this.items.set(draftKey(d.chat_id, d.thread_id), { ...d });
  }
  async delete(chat: ID, thread: ID) {
    this.items.delete(draftKey(chat, thread));
  }
}

const DB_NAME = 'fechatter-drafts';
const STORE = 'drafts';

/** IdbDraftStorage keeps drafts in IndexedDB, so they survive a reload. */
export class IdbDraftStorage implements DraftStorage {
  private db: Promise<IDBDatabase> | null = null;
  constructor(private readonly idb: IDBFactory = indexedDB, private readonly name = DB_NAME) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = this.idb.open(this.name, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: ['chat_id', 'thread_id'] });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('could not open the drafts database'));
    });
    return this.db;
  }

  private async tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.open();
    return new Promise<T>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error ?? new Error('drafts database error'));
    });
  }

  all() {
    return this.tx('readonly', (s) => s.getAll() as IDBRequest<Draft[]>);
  }
  async put(d: Draft) {
    await this.tx('readwrite', (s) => s.put(d));
  }
  async delete(chat: ID, thread: ID) {
    await this.tx('readwrite', (s) => s.delete([chat, thread]));
  }
}

/** DraftServer is the part of the API drafts sync with. */
export interface DraftServer {
  list(): Promise<Draft[]>;
  put(chat: ID, text: string, thread: ID): Promise<void>;
}

/** DraftsOptions: syncDelay is how long typing must pause before the
 * draft goes to the server (and to IndexedDB). */
export interface DraftsOptions {
  storage: DraftStorage;
  server: DraftServer;
  syncDelay?: number;
  now?: () => string;
}

/** The longest draft the server keeps (the longest message). */
export const MAX_DRAFT = 10_000;

/** Drafts holds the unsent text of every chat and thread: in memory for
 * the composer, in IndexedDB for reloads and on the server so it follows
 * the person to other devices. The newer copy wins when they differ. */
export class Drafts {
  readonly state: Store<Record<string, Draft>> = createStore<Record<string, Draft>>({});
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly delay: number;
  private readonly now: () => string;

  constructor(private readonly opts: DraftsOptions) {
    this.delay = opts.syncDelay ?? 800;
    this.now = opts.now ?? (() => new Date().toISOString());
  }

  get(chat: ID, thread: ID = 0): string {
    return this.state.get()[draftKey(chat, thread)]?.text ?? '';
  }

  /** load reads this device's drafts, then the server's, keeping the
   * newer of each; a local draft newer than the server's is sent up. */
  async load(): Promise<void> {
    const local = await this.opts.storage.all().catch(() => [] as Draft[]);
    this.merge(local);
    let remote: Draft[];
    try {
      remote = await this.opts.server.list();
    } catch {
      return; // offline: the local copies stand
    }
    const mine = this.state.get();
    this.merge(remote);
    const byKey = new Map(remote.map((d) => [draftKey(d.chat_id, d.thread_id), d]));
    for (const [k, d] of Object.entries(mine)) {
      const r = byKey.get(k);
      if (!r || r.updated_at < d.updated_at) this.schedule(k, 0);
    }
    for (const d of remote) void this.opts.storage.put(d).catch(() => undefined);
  }

  private merge(list: Draft[]) {
    this.state.set((s) => {
      const next = { ...s };
      for (const d of list) {
        const k = draftKey(d.chat_id, d.thread_id);
        const cur = next[k];
        if (!cur || cur.updated_at < d.updated_at) next[k] = d;
      }
      return next;
    });
  }

  /** set keeps text as the draft at once and saves it after a pause. */
  set(chat: ID, thread: ID, text: string): void {
    const k = draftKey(chat, thread);
    const value = text.slice(0, MAX_DRAFT);
    if ((this.state.get()[k]?.text ?? '') === value) return;
    this.state.set((s) => ({ ...s, [k]: { chat_id: chat, thread_id: thread, text: value, updated_at: this.now() } }));
    this.schedule(k, this.delay);
  }

  /** clear drops a draft now (the message was sent). */
  clear(chat: ID, thread: ID = 0): Promise<void> {
    const k = draftKey(chat, thread);
    if (!this.state.get()[k]) return Promise.resolve();
    this.state.set((s) => ({ ...s, [k]: { chat_id: chat, thread_id: thread, text: '', updated_at: this.now() } }));
    return this.flush(k);
  }

  private schedule(k: string, delay: number) {
    clearTimeout(this.timers.get(k));
    this.timers.set(k, setTimeout(() => void this.flush(k), delay));
  }

  /** flush saves one draft (or all) now: IndexedDB, then the server. */
  async flush(key?: string): Promise<void> {
    const keys = key ? [key] : [...this.timers.keys()];
    await Promise.all(keys.map(async (k) => {
      clearTimeout(this.timers.get(k));
      this.timers.delete(k);
      const d = this.state.get()[k];
      if (!d) return;
      if (d.text.trim()) await this.opts.storage.put(d).catch(() => undefined);
      else await this.opts.storage.delete(d.chat_id, d.thread_id).catch(() => undefined);
      try {
        await this.opts.server.put(d.chat_id, d.text, d.thread_id);
      } catch {
        // Offline or refused (left the chat): the local copy stays; the
        // next load sends it again if it is still newer.
      }
    }));
  }
}
