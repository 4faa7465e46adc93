import type { Chat } from '../api/types';

/** unreadTotal counts unread messages in the chats that are not muted. */
export function unreadTotal(chats: Chat[], muted: readonly number[]): number {
  let n = 0;
  for (const c of chats) if (!muted.includes(c.id)) n += Math.max(0, c.unread_count ?? 0);
  return n;
}

/** titleWith puts "(n) " in front of a title (replacing an earlier count). */
export function titleWith(title: string, n: number): string {
  const base = title.replace(/^\(\d+\+?\) /, '');
  return n > 0 ? `(${n > 99 ? '99+' : n}) ${base}` : base;
}

let baseIcon: HTMLImageElement | null = null;
let lastDrawn = -1;

/** drawFavicon shows the count on the tab's icon: the app icon drawn on a
 * canvas with a red badge, set as a data: URL (allowed by img-src). */
export function drawFavicon(n: number): void {
  if (typeof document === 'undefined' || n === lastDrawn) return;
  lastDrawn = n;
  const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) return;
  link.dataset.base ??= link.getAttribute('href') ?? '/icon.svg';
  if (n <= 0) {
    link.type = 'image/svg+xml';
    link.href = link.dataset.base;
    return;
  }
  const paint = () => {
    if (lastDrawn !== n) return;
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 64;
    const g = canvas.getContext('2d');
    if (!g) return;
    if (baseIcon?.complete) g.drawImage(baseIcon, 0, 0, 64, 64);
    g.fillStyle = '#d92d20';
    g.beginPath();
    g.arc(44, 20, 20, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#ffffff';
    g.font = 'bold 26px system-ui, sans-serif';
    g.textAlign = 'center';
    g.textBaseline = 'middle';
    g.fillText(n > 9 ? '9+' : String(n), 44, 21);
    link.type = 'image/png';
    link.href = canvas.toDataURL('image/png');
  };
  if (!baseIcon) {
    baseIcon = new Image();
    baseIcon.onload = paint;
    baseIcon.src = link.dataset.base;
  }
  paint();
}
