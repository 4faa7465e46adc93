import { api } from '../api/client';
import { ApiError } from '../api/errors';
import { STORED_EVENT_TYPES } from '../api/events.gen';
import { route } from '../router';
import { reduceEvent, type Effect, type EventData } from '../state/events';
import { readData, session, ui, writeData, type Connection } from '../stores';

/** EVENT_TYPES are the named SSE events the app listens to (API.md
 * "Real-time"): the stored ones, as the server defines them
 * (api/events.gen.ts), and those never stored. EventSource only delivers
 * named events to listeners registered for that name. */
export const EVENT_TYPES: readonly string[] = ['ready', 'resync', ...STORED_EVENT_TYPES, 'typing', 'presence'];

export interface StreamHandlers {
  effect: (e: Effect) => void;
  /** fresh runs after `ready` on a connection that did not resume. */
  fresh: () => void;
}

/** buildEventsURL names the stream with a single-use ticket and, when
 * resuming, the last id seen: a new EventSource does not send
 * Last-Event-ID itself, so the query parameter carries it. */
export function buildEventsURL(ticket: string, lastEventId: string | null): string {
  const q = new URLSearchParams({ ticket });
  if (lastEventId) q.set('last_event_id', lastEventId);
  return `/api/events?${q.toString()}`;
}

/** EventStream keeps one EventSource open while signed in. On any error
 * it closes the source itself (the browser's own retry would reuse the
 * spent ticket) and reconnects with a new ticket and the last event id,
 * so the server replays exactly what was missed. */
export class EventStream {
  lastEventId: string | null = null;
  /** readyId is the server's newest id when this connection opened: where
   * a resync leaves us. */
  private readyId: string | null = null;
  private es: EventSource | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;
  private generation = 0;
  handlers: StreamHandlers = { effect: () => {}, fresh: () => {} };

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastEventId = null;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.es?.close();
    this.es = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastEventId = null;
  }

  /** offline closes the stream while the browser has no network; kick
   * reopens it (resuming from the last id) when the network returns. */
  offline(): void {
    if (!this.running) return;
    this.generation++;
    this.es?.close();
    this.es = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.status('offline');
  }

  /** kick reconnects now if the stream is down (the network came back). */
  kick(): void {
    if (!this.running) return;
    if (this.es && this.es.readyState !== EventSource.CLOSED) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    void this.connect();
  }

  private status(c: Connection): void {
    if (ui.get().connection !== c) ui.set((s) => ({ ...s, connection: c }));
  }

  private async connect(): Promise<void> {
    const gen = ++this.generation;
    this.status(this.attempt === 0 && this.lastEventId == null ? 'connecting' : 'reconnecting');
    let ticket: string;
    try {
      ticket = (await api.eventTicket()).ticket;
    } catch (e) {
      if (gen !== this.generation) return;
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        this.stop();
        return;
      }
      const unavailable = e instanceof ApiError && (e.status === 404 || e.status === 405);
      this.status(unavailable ? 'unavailable' : 'offline');
      this.retry();
      return;
    }
    if (gen !== this.generation) return;
    const resuming = this.lastEventId != null;
    const es = new EventSource(buildEventsURL(ticket, this.lastEventId));
    this.es = es;
    es.onopen = () => {
      this.attempt = 0;
    };
    es.onerror = () => {
      if (this.es !== es) return;
      es.close();
      this.es = null;
      this.status(navigator.onLine === false ? 'offline' : 'reconnecting');
      this.retry();
    };
    const onEvent = (ev: MessageEvent<string>) => {
      if (this.es !== es) return;
      this.handle(ev, resuming);
    };
    for (const t of EVENT_TYPES) es.addEventListener(t, onEvent as EventListener);
    es.onmessage = onEvent;
  }

  private retry(): void {
    if (!this.running) return;
    this.attempt++;
    const base = Math.min(30_000, 500 * 2 ** Math.min(this.attempt, 6));
    const delay = base / 2 + Math.random() * (base / 2);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }

  private handle(ev: MessageEvent<string>, resuming: boolean): void {
    let data: EventData;
    try {
      data = JSON.parse(ev.data) as EventData;
    } catch {
      console.warn('ignored an event that is not JSON', ev.type);
      return;
    }
    const type = ev.type === 'message' ? data.type : ev.type;
    if (type === 'ready') {
      const id = data.last_event_id != null ? String(data.last_event_id) : ev.lastEventId;
      this.status('live');
      this.readyId = id || null;
      // A resumed stream keeps our position: the server replays after it.
      if (!resuming || this.lastEventId == null) this.lastEventId = id || this.lastEventId;
      if (!resuming) this.handlers.fresh();
    } else if (type === 'resync') {
      // Our position is gone from the stream; after the REST reload we
      // stand where the server stood when it said ready.
      this.lastEventId = this.readyId ?? (ev.lastEventId || null);
    } else if (ev.lastEventId && type !== 'typing' && type !== 'presence') {
      this.lastEventId = ev.lastEventId;
    }
    applyEvent(type, data, this.handlers.effect);
  }
}

/** applyEvent runs the reducer over the domain stores and performs what it asks. */
export function applyEvent(type: string, data: EventData, effect: (e: Effect) => void): void {
  const user = session.get().user;
  if (!user) return;
  const r = route.get();
  const visible = typeof document === 'undefined' || document.visibilityState === 'visible';
  const out = reduceEvent(readData(), type, data, {
    me: user.id,
    activeChatId: r.name === 'chat' ? r.chat : null,
    visible,
    now: Date.now(),
  });
  writeData(out.data);
  for (const e of out.effects) effect(e);
  for (const tap of eventTaps) tap(type, data);
}

/** eventTaps see every event after the stores took it in (desktop
 * notifications listen here). */
export const eventTaps: ((type: string, data: EventData) => void)[] = [];

export const stream = new EventStream();
