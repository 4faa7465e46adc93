import { ApiError, describe } from '../api/errors';
import type { FileInfo, ID, Message } from '../api/types';

/** OutboxItem is a message the person wrote that the server has not
 * confirmed yet. Its client_id makes every send of it idempotent: the
 * server answers a repeat with the first message, never a second one. */
export interface OutboxItem {
  client_id: string;
  user_id: ID;
  workspace_id: ID;
  chat_id: ID;
  content: string;
  reply_to?: ID;
  attachments?: FileInfo[];
  created_at: string;
  /** order is the position in the queue: items are sent in this order. */
  order: number;
  status: 'pending' | 'sending' | 'failed';
  error?: string;
}

/** OutboxStorage persists the queue (IndexedDB in the browser). */
export interface OutboxStorage {
  all(): Promise<OutboxItem[]>;
  put(item: OutboxItem): Promise<void>;
  delete(clientId: string): Promise<void>;
}

export class MemoryOutboxStorage implements OutboxStorage {
  private items = new Map<string, OutboxItem>();
  async all() {
    return [...this.items.values()].map((i) => ({ ...i }));
  }
  async put(item: OutboxItem) {
    this.items.set(item.client_id, { ...item });
  }
  async delete(id: string) {
    this.items.delete(id);
  }
}

const DB_NAME = 'fechatter';
const STORE = 'outbox';

/** IdbOutboxStorage keeps the queue in IndexedDB so it survives a reload,
 * a crash or a closed tab while offline. */
export class IdbOutboxStorage implements OutboxStorage {
  private db: Promise<IDBDatabase> | null = null;
  constructor(private readonly idb: IDBFactory = indexedDB) {}

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = this.idb.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE, { keyPath: 'client_id' });
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('could not open the offline outbox'));
    });
    return this.db;
  }

  private async tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    const db = await this.open();
    return new Promise<T>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error ?? new Error('offline outbox write failed'));
      t.onabort = () => reject(t.error ?? new Error('offline outbox write aborted'));
    });
  }

  all() {
    return this.tx<OutboxItem[]>('readonly', (s) => s.getAll() as IDBRequest<OutboxItem[]>);
  }
  async put(item: OutboxItem) {
    await this.tx('readwrite', (s) => s.put(item));
  }
  async delete(id: string) {
    await this.tx('readwrite', (s) => s.delete(id));
  }
}

export interface OutboxOptions {
  storage: OutboxStorage;
  send: (item: OutboxItem) => Promise<Message>;
  onChange?: (items: OutboxItem[]) => void;
  onDelivered?: (item: OutboxItem, msg: Message) => void;
  /** retryDelay gives the wait before attempt n (1-based) after a failure
   * that may pass (network down, server busy). */
  retryDelay?: (attempt: number) => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

/** Outbox sends queued messages one at a time, in the order they were
 * written. A failure that may pass stops the queue (so nothing overtakes
 * it) and retries later; a refusal (the server said no) marks that item
 * failed, for the person to retry or discard, and the queue goes on. */
export class Outbox {
  private items: OutboxItem[] = [];
  private userId: ID | null = null;
  private flushing: Promise<void> | null = null;
  private again = false;
  private attempt = 0;
  private timer: unknown = null;
  private nextOrder = 1;

  constructor(private readonly o: OutboxOptions) {}

  /** list is the queue for the current user, in send order. */
  list(): OutboxItem[] {
    return this.items;
  }

  /** load reads the persisted queue of a user and starts sending it. */
  async load(userId: ID): Promise<void> {
    this.userId = userId;
    const all = await this.o.storage.all();
    this.items = all.filter((i) => i.user_id === userId).map((i) => (i.status === 'sending' ? { ...i, status: 'pending' as const } : i));
    this.items.sort((a, b) => a.order - b.order);
    this.nextOrder = Math.max(0, ...all.map((i) => i.order)) + 1;
    this.changed();
    void this.flush();
  }

  /** add queues a message (persisted before anything is sent). */
  async add(item: Omit<OutboxItem, 'order' | 'status' | 'user_id'>): Promise<OutboxItem> {
    if (this.userId == null) throw new Error('outbox used before sign-in');
    const full: OutboxItem = { ...item, user_id: this.userId, order: this.nextOrder++, status: 'pending' };
    await this.o.storage.put(full);
    this.items = [...this.items, full];
    this.changed();
    void this.flush();
    return full;
  }

  /** flush sends what is pending; concurrent calls share one run. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    if (this.timer != null) {
      (this.o.clearTimer ?? clearTimeout)(this.timer as ReturnType<typeof setTimeout>);
      this.timer = null;
    }
    this.flushing = this.run().finally(() => {
      this.flushing = null;
      if (this.again) {
        this.again = false;
        void this.flush();
      }
    });
    return this.flushing;
  }

  /** delivered drops an item the server confirmed some other way (its
   * message arrived on the event stream, say). */
  async delivered(clientId: string): Promise<void> {
    if (!this.items.some((i) => i.client_id === clientId && i.status !== 'sending')) return;
    await this.remove(clientId);
  }

  async retry(clientId: string): Promise<void> {
    await this.update(clientId, { status: 'pending', error: undefined });
    this.attempt = 0;
    void this.flush();
  }

  async discard(clientId: string): Promise<void> {
    await this.remove(clientId);
  }

  /** reset forgets the in-memory queue (sign-out); persisted items stay
   * for that user's next sign-in on this device. */
  reset(): void {
    this.items = [];
    this.userId = null;
    this.changed();
  }

  private async run(): Promise<void> {
    for (;;) {
      const item = this.items.find((i) => i.status === 'pending');
      if (!item) {
        this.attempt = 0;
        return;
      }
      await this.update(item.client_id, { status: 'sending', error: undefined });
      let msg: Message;
      try {
        msg = await this.o.send(item);
      } catch (e) {
        const retryable = !(e instanceof ApiError) || e.isRetryable;
        if (retryable) {
          await this.update(item.client_id, { status: 'pending', error: describe(e) });
          this.schedule();
          return;
        }
        await this.update(item.client_id, { status: 'failed', error: describe(e) });
        continue;
      }
      this.attempt = 0;
      await this.remove(item.client_id);
      this.o.onDelivered?.(item, msg);
    }
  }

  private schedule(): void {
    this.attempt++;
    const delay = (this.o.retryDelay ?? defaultRetryDelay)(this.attempt);
    const set = this.o.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
    this.timer = set(() => {
      this.timer = null;
      void this.flush();
    }, delay);
  }

  private async update(clientId: string, patch: Partial<OutboxItem>): Promise<void> {
    const i = this.items.findIndex((x) => x.client_id === clientId);
    if (i < 0) return;
    const next = { ...this.items[i]!, ...patch };
    if (patch.error === undefined && 'error' in patch) delete next.error;
    this.items = this.items.map((x, j) => (j === i ? next : x));
    this.changed();
    await this.o.storage.put(next);
  }

  private async remove(clientId: string): Promise<void> {
    this.items = this.items.filter((i) => i.client_id !== clientId);
    this.changed();
    await this.o.storage.delete(clientId);
  }

  private changed(): void {
    this.o.onChange?.(this.items);
  }
}

/** defaultRetryDelay backs off from 1 s to 30 s, with jitter. */
export function defaultRetryDelay(attempt: number): number {
  const base = Math.min(30_000, 1000 * 2 ** Math.min(attempt - 1, 5));
  return base / 2 + Math.random() * (base / 2);
}

/** newClientId returns a random UUID. crypto.randomUUID needs a secure
 * context; getRandomValues works on plain-HTTP LAN addresses too. */
export function newClientId(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
