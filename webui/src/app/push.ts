// Web Push: this device's subscription, and the reports that tell the
// server whether a tab of the app is in view (the server pushes DMs and
// mentions only to users with no tab in view; see
// docs/link-previews-and-push.md).
import { useEffect } from 'react';
import { api } from '../api/client';
import { endpoints } from '../api/endpoints';

/** How often a visible tab repeats that it is visible; the server forgets
 * a tab after 75 s without a report (push.ActiveReport, ActiveWindow). */
const REPORT_EVERY_MS = 30_000;

const tabId = (() => {
  const a = new Uint8Array(12);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('');
})();

function report(visible: boolean): void {
  api.call<void>(endpoints.reportVisibility, { body: { tab: tabId, visible } }).catch(() => undefined);
}

/** usePushPresence reports this tab's visibility while the user is signed
 * in, and renews the push subscription when permission was granted. */
export function usePushPresence(): void {
  useEffect(() => {
    const onChange = () => report(document.visibilityState === 'visible');
    const onHide = () => report(false);
    onChange();
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') report(true);
    }, REPORT_EVERY_MS);
    document.addEventListener('visibilitychange', onChange);
    window.addEventListener('pagehide', onHide);
    if (pushSupported() && Notification.permission === 'granted') void subscribe().catch(() => undefined);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onChange);
      window.removeEventListener('pagehide', onHide);
      report(false);
    };
  }, []);
}

export function pushSupported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

function keyBytes(b64url: string): Uint8Array<ArrayBuffer> {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

/** subscribe asks the browser for a push subscription with the server's
 * VAPID key (asking for notification permission if needed) and saves it. */
export async function subscribe(): Promise<void> {
  if (!pushSupported()) throw new Error('This browser cannot receive push notifications.');
  if (Notification.permission !== 'granted' && (await Notification.requestPermission()) !== 'granted') {
    throw new Error('Notifications are blocked for this site.');
  }
  const reg = await navigator.serviceWorker.ready;
  const { public_key } = await api.call<{ public_key: string }>(endpoints.vapidPublicKey);
  let sub = await reg.pushManager.getSubscription();
  if (!sub) {
    sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(public_key) });
  }
  await api.call(endpoints.subscribePush, { body: sub.toJSON() });
}

/** unsubscribe removes this device's subscription here and on the server. */
export async function unsubscribe(): Promise<void> {
  if (!pushSupported()) return;
  const reg = await navigator.serviceWorker.ready;
  const sub = await reg.pushManager.getSubscription();
  if (!sub) return;
  await api.call<void>(endpoints.unsubscribePush, { query: { endpoint: sub.endpoint } }).catch(() => undefined);
  await sub.unsubscribe();
}

/** subscribed reports whether this device has a push subscription. */
export async function subscribed(): Promise<boolean> {
  if (!pushSupported()) return false;
  const reg = await navigator.serviceWorker.getRegistration();
  return !!(await reg?.pushManager.getSubscription());
}
