import { api } from '../api/client';
import type { Message, NotificationSettings } from '../api/types';
import { eventTaps } from '../app/stream';
import { markdownToPlain } from '../markdown/render';
import { emojiState } from '../markdown/emoji';
import { navigate, route } from '../router';
import { chats, messages, session } from '../stores';
import { createStore } from '../stores/store';
import { drawFavicon, titleWith, unreadTotal } from './badge';
import { notifyReason } from './rules';

/** notifySettings is the person's notification settings (null until
 * loaded from GET /api/me/notifications). */
export const notifySettings = createStore<NotificationSettings | null>(null);

/** permission is the Notification API's answer for this site. */
export function permission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

const ASKED_KEY = 'fechatter.notify.asked';

/** askPermission asks the browser once, from a click (never on load):
 * the first message the person sends, or the settings button. */
export async function askPermission(force = false): Promise<NotificationPermission | 'unsupported'> {
  if (permission() !== 'default') return permission();
  try {
    if (!force && localStorage.getItem(ASKED_KEY)) return 'default';
    localStorage.setItem(ASKED_KEY, '1');
  } catch {
    // no storage: ask anyway
  }
  return Notification.requestPermission();
}

/** updateSettings changes settings on the server and here. */
export async function updateSettings(p: Parameters<typeof api.updateNotificationSettings>[0]): Promise<void> {
  notifySettings.set(await api.updateNotificationSettings(p));
}

/** setMuted mutes or unmutes one chat for the person. */
export async function setMuted(chatId: number, muted: boolean): Promise<void> {
  await api.muteChat(chatId, muted);
  notifySettings.set((s) => s && { ...s, muted_chat_ids: muted ? [...new Set([...s.muted_chat_ids, chatId])] : s.muted_chat_ids.filter((x) => x !== chatId) });
}

let audio: AudioContext | null = null;

/** chime plays a short two-tone sound (Web Audio: no file to fetch). */
function chime(): void {
  try {
    audio ??= new AudioContext();
    const t = audio.currentTime;
    for (const [i, f] of [880, 1320].entries()) {
      const o = audio.createOscillator();
      const g = audio.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, t + i * 0.12);
      g.gain.exponentialRampToValueAtTime(0.15, t + i * 0.12 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.12 + 0.25);
      o.connect(g).connect(audio.destination);
      o.start(t + i * 0.12);
      o.stop(t + i * 0.12 + 0.3);
    }
  } catch {
    // no audio output: the notification stays silent
  }
}

function onMessage(m: Message): void {
  const me = session.get().user?.id;
  if (!me || permission() !== 'granted') return;
  const r = route.get();
  const visible = document.visibilityState === 'visible' && document.hasFocus();
  const chat = chats.get().byId[m.chat_id];
  if (!chat) {
    // A new chat (a first DM): decide once the app has fetched it.
    const stop = chats.subscribe(() => {
      if (!chats.get().byId[m.chat_id]) return;
      stop();
      onMessage(m);
    });
    setTimeout(stop, 15_000);
    return;
  }
  const root = m.reply_to ? messages.get().byChat[m.chat_id]?.byId[m.reply_to] : undefined;
  const settings = notifySettings.get();
  const why = notifyReason(m, {
    me, chat, settings, now: new Date(),
    threadRootSender: root?.sender.id,
    inView: visible && r.name === 'chat' && r.chat === m.chat_id,
  });
  if (!why || !chat) return;
  const where = chat.type === 'direct' ? '' : ` in ${chat.name ? `#${chat.name}` : 'a group'}`;
  const title = why === 'thread' ? `${m.sender.display_name} replied to your thread${where}` : `${m.sender.display_name}${where}`;
  const body = markdownToPlain(m.content, emojiState.get()).slice(0, 200) || (m.attachments.length ? 'Sent a file' : '');
  const n = new Notification(title, { body, tag: `chat-${m.chat_id}`, icon: '/icon-192.png' });
  n.onclick = () => {
    window.focus();
    navigate({ name: 'chat', ws: chat.workspace_id, chat: chat.id, seq: m.seq });
    n.close();
  };
  if (settings?.sound ?? true) chime();
}

let started = false;

/** startNotifications wires the unread count into the tab title and icon,
 * and desktop notifications into the event stream. Call once. */
export function startNotifications(): void {
  if (started || typeof document === 'undefined') return;
  started = true;
  eventTaps.push((type, data) => {
    if (type === 'message.created' && data.message) onMessage(data.message as Message);
  });
  let loadedFor = 0;
  session.subscribe(() => {
    const u = session.get().user?.id ?? 0;
    if (u === loadedFor) return;
    loadedFor = u;
    notifySettings.set(null);
    if (u) api.notificationSettings().then((s) => loadedFor === u && notifySettings.set(s), () => undefined);
  });
  const refresh = () => {
    const n = unreadTotal(Object.values(chats.get().byId), notifySettings.get()?.muted_chat_ids ?? []);
    const t = titleWith(document.title, n);
    if (t !== document.title) document.title = t;
    drawFavicon(n);
  };
  chats.subscribe(refresh);
  notifySettings.subscribe(refresh);
  // Screens set their own titles; put the count back in front.
  const el = document.querySelector('title');
  if (el) new MutationObserver(refresh).observe(el, { childList: true, characterData: true, subtree: true });
  refresh();
}
