// Pure helpers for profiles: status expiry choices and labels, local time
// in another person's zone, and the crop square of the avatar editor.

import type { UserStatus } from '../api/types';

/** statusLive returns the status while it has not expired at now. The
 * server leaves expired statuses out, but a page stays open for hours. */
export function statusLive(st: UserStatus | undefined | null, now = new Date()): UserStatus | null {
  if (!st || (!st.emoji && !st.text)) return null;
  if (st.expires_at && new Date(st.expires_at).getTime() <= now.getTime()) return null;
  return st;
}

export type ExpiryChoice = '30m' | '1h' | '4h' | 'today' | 'never';

export const expiryChoices: { value: ExpiryChoice; label: string }[] = [
  { value: '30m', label: '30 minutes' },
  { value: '1h', label: '1 hour' },
  { value: '4h', label: '4 hours' },
  { value: 'today', label: 'Today' },
  { value: 'never', label: "Don't clear" },
];

/** expiresAtFor turns a choice into the instant the status clears (null:
 * never). "today" ends at local midnight. */
export function expiresAtFor(choice: ExpiryChoice, now = new Date()): string | null {
  const minutes = { '30m': 30, '1h': 60, '4h': 240 } as const;
  if (choice === 'never') return null;
  if (choice === 'today') {
    const end = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
    return end.toISOString();
  }
  return new Date(now.getTime() + minutes[choice] * 60_000).toISOString();
}

/** expiryLabel says when a status clears, e.g. "until 14:30" or "until
 * Tue 09:00"; "" for never. */
export function expiryLabel(expiresAt: string | undefined | null, now = new Date(), locale?: string): string {
  if (!expiresAt) return '';
  const t = new Date(expiresAt);
  const time = t.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  const sameDay = t.getFullYear() === now.getFullYear() && t.getMonth() === now.getMonth() && t.getDate() === now.getDate();
  if (sameDay) return `until ${time}`;
  const midnight = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  if (t.getTime() === midnight.getTime()) return 'until the end of today';
  return `until ${t.toLocaleDateString(locale, { weekday: 'short' })} ${time}`;
}

/** utcOffset is a zone's offset from UTC at now, as "UTC+1", "UTC-3:30"
 * or "UTC". */
export function utcOffset(timeZone: string, now = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', hourCycle: 'h23' }).formatToParts(now);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUTC = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const minutes = Math.round((asUTC - Math.floor(now.getTime() / 1000) * 1000) / 60_000);
  if (minutes === 0) return 'UTC';
  const sign = minutes > 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return `UTC${sign}${h}${m ? `:${String(m).padStart(2, '0')}` : ''}`;
}

/** localTimeLabel is "14:03 (UTC+1)" for a zone, or "" when the zone is
 * empty or unknown to this browser. */
export function localTimeLabel(timeZone: string | undefined, now = new Date()): string {
  if (!timeZone) return '';
  try {
    const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now);
    return `${time} (${utcOffset(timeZone, now)})`;
  } catch {
    return '';
  }
}

/** browserTimeZone is the browser's IANA zone, or "" when it has none. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone ?? '';
  } catch {
    return '';
  }
}

/** CropView is the editor's state: the image's natural size, the frame's
 * edge in CSS pixels, the zoom (1: the short side fills the frame) and
 * the image's top-left corner relative to the frame, in CSS pixels. */
export interface CropView {
  width: number;
  height: number;
  frame: number;
  zoom: number;
  x: number;
  y: number;
}

/** scaleOf is CSS pixels per source pixel. */
export function scaleOf(v: CropView): number {
  return (v.frame / Math.min(v.width, v.height)) * v.zoom;
}

/** clampView keeps the frame covered by the image. */
export function clampView(v: CropView): CropView {
  const zoom = Math.min(Math.max(v.zoom, 1), 8);
  const s = (v.frame / Math.min(v.width, v.height)) * zoom;
  const minX = v.frame - v.width * s;
  const minY = v.frame - v.height * s;
  return { ...v, zoom, x: Math.min(0, Math.max(minX, v.x)), y: Math.min(0, Math.max(minY, v.y)) };
}

/** centredView is the view that shows the centred square at zoom 1. */
export function centredView(width: number, height: number, frame: number): CropView {
  const s = frame / Math.min(width, height);
  return { width, height, frame, zoom: 1, x: (frame - width * s) / 2, y: (frame - height * s) / 2 };
}

/** cropRect is the square the frame shows, in whole source pixels, always
 * inside the image. */
export function cropRect(v: CropView): { x: number; y: number; size: number } {
  const s = scaleOf(v);
  const size = Math.max(1, Math.min(Math.round(v.frame / s), v.width, v.height));
  const x = Math.min(Math.max(0, Math.round(-v.x / s)), v.width - size);
  const y = Math.min(Math.max(0, Math.round(-v.y / s)), v.height - size);
  return { x, y, size };
}
