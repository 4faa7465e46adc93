import { withQuery, fillPath, endpoints } from '../api/endpoints';
import type { ID, Message } from '../api/types';
import { chatsOf } from '../state/chats';
import type { ChatMessages } from '../state/messages';
import { chats, messages, session } from '../stores';

// Keeps this device's copy of recent history current. The service worker
// caches API reads as they happen, but most messages arrive over the event
// stream, not as reads; so the page writes what it holds (the newest page
// of each open chat and the chat lists) into the same cache, under the
// URLs the app reads when it opens offline.

const API_CACHE = 'fechatter-api';
const PAGE = 50;
const DELAY_MS = 400;

/** latestPage is what GET .../messages?limit=50 answers: the newest 50. */
function latestPage(c: ChatMessages): Message[] {
  return c.order.slice(-PAGE).map((id) => c.byId[id]).filter((m): m is Message => !!m);
}

async function put(cache: Cache, path: string, body: unknown): Promise<void> {
  const res = new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json; charset=utf-8' } });
  await cache.put(new Request(new URL(path, location.origin).toString()), res);
}

let timer: ReturnType<typeof setTimeout> | null = null;
let lastMessages: Record<ID, ChatMessages> = {};
let lastChats: unknown = null;

async function write(): Promise<void> {
  timer = null;
  if (session.get().status !== 'signedIn' || session.get().offline) return;
  const cache = await caches.open(API_CACHE);
  const byChat = messages.get().byChat;
  for (const [id, c] of Object.entries(byChat)) {
    if (!c.loaded || lastMessages[Number(id)] === c) continue;
    const path = withQuery(fillPath(endpoints.messages.path, { chat: id }), { limit: PAGE });
    await put(cache, path, { messages: latestPage(c), has_more: c.hasOlder || c.order.length > PAGE });
  }
  lastMessages = byChat;
  const cs = chats.get();
  if (cs !== lastChats) {
    for (const ws of Object.keys(cs.loaded)) {
      await put(cache, fillPath(endpoints.chats.path, { ws }), { chats: chatsOf(cs, Number(ws)) });
    }
    lastChats = cs;
  }
}

function schedule(): void {
  if (timer == null) timer = setTimeout(() => void write().catch((e) => console.warn('offline copy not saved', e)), DELAY_MS);
}

/** keepOfflineCopy starts writing recent history to the offline cache. */
export function keepOfflineCopy(): void {
  if (typeof caches === 'undefined') return;
  messages.subscribe(schedule);
  chats.subscribe(schedule);
}
