import { useEffect } from 'react';
import { api } from '../api/client';
import type { ID } from '../api/types';
import { eventTaps } from '../app/stream';
import { createStore, useStore } from '../stores/store';
import { emptyMarks, reduceMarks, type MarkEvent, type MarksState } from './state';

/** marks holds the pinned message ids of the chats seen and the person's
 * saved message ids, kept current by the pin.* and saved.* events (the
 * server sends pins to the chat's members, saved to this person's own
 * streams only). */
export const marks = createStore<MarksState>(emptyMarks);

const loading = new Set<string>();

function loadOnce(key: string, load: () => Promise<void>): void {
  if (loading.has(key)) return;
  loading.add(key);
  load().catch(() => loading.delete(key)); // try again on the next use
}

/** loadPins reads a chat's pins once (until a resync forgets them). */
export function loadPins(chat: ID): void {
  if (marks.get().pinned[chat]) return;
  loadOnce(`pins:${chat}`, () =>
    api.pins(chat).then((list) => marks.set((s) => ({ ...s, pinned: { ...s.pinned, [chat]: list.map((m) => m.id) } }))),
  );
}

/** loadSaved reads the person's saved message ids once. */
export function loadSaved(): void {
  if (marks.get().saved) return;
  loadOnce('saved', () => api.saved().then((list) => marks.set((s) => ({ ...s, saved: list.map((m) => m.id) }))));
}

/** usePinned tells whether a message is pinned, loading its chat's pins. */
export function usePinned(chat: ID, id: ID): boolean {
  useEffect(() => loadPins(chat), [chat]);
  return useStore(marks, (s) => s.pinned[chat]?.includes(id) ?? false);
}

/** useSaved tells whether the person saved a message. */
export function useSaved(id: ID): boolean {
  useEffect(() => loadSaved(), []);
  return useStore(marks, (s) => s.saved?.includes(id) ?? false);
}

/** useMarksVersion changes whenever the pins of chat (or, with no chat,
 * the saved list) changed anywhere: a panel showing them reloads. */
export function useMarksVersion(kind: 'pins' | 'saved' | 'mentions', chat?: ID): number {
  return useStore(marks, (s) => (kind === 'pins' && chat != null ? s.pinVersion[chat] ?? 0 : kind === 'saved' ? s.savedVersion : 0));
}

eventTaps.push((type, data) => {
  if (type === 'resync') {
    // Changes may have been missed: forget the lists, and bump every
    // version so open panels reload.
    loading.clear();
    marks.set((s) => ({
      ...emptyMarks,
      pinVersion: Object.fromEntries(Object.entries(s.pinVersion).map(([k, v]) => [k, (v ?? 0) + 1])),
      savedVersion: s.savedVersion + 1,
    }));
    return;
  }
  marks.set((s) => reduceMarks(s, type, data as MarkEvent));
});
