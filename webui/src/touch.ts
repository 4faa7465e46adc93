import { useSyncExternalStore } from 'react';

/** TOUCH_QUERY matches phones and tablets: no hover and a coarse pointer.
 * Keyboard hints ("Enter sends", "Ctrl+K") mean nothing there. */
export const TOUCH_QUERY = '(hover: none) and (pointer: coarse)';

function query(): MediaQueryList | null {
  return typeof matchMedia === 'function' ? matchMedia(TOUCH_QUERY) : null;
}

/** isTouch tells whether the screen is a touch screen without a mouse. */
export function isTouch(): boolean {
  return query()?.matches ?? false;
}

function subscribe(fn: () => void): () => void {
  const q = query();
  q?.addEventListener('change', fn);
  return () => q?.removeEventListener('change', fn);
}

/** useTouch is isTouch that re-renders when it changes (a tablet docked
 * to a keyboard and mouse, or DevTools' device mode). */
export function useTouch(): boolean {
  return useSyncExternalStore(subscribe, isTouch, () => false);
}

/** withKeys names a control with its keyboard shortcut, except on touch
 * screens. */
export function withKeys(label: string, keys: string, touch: boolean): string {
  return keys && !touch ? `${label} (${keys})` : label;
}
