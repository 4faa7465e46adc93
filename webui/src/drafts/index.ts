import { api } from '../api/client';
import type { ID } from '../api/types';
import { session } from '../stores';
import { useStore } from '../stores/store';
import { Drafts, IdbDraftStorage, MemoryDraftStorage } from './drafts';

export { draftKey } from './drafts';

let current: { user: ID; drafts: Drafts } | null = null;

/** draftsFor returns the signed-in person's drafts (one IndexedDB database
 * per account on this device), loading them the first time. */
export function draftsFor(user: ID): Drafts {
  if (current?.user === user) return current.drafts;
  const storage = typeof indexedDB === 'undefined' || !user ? new MemoryDraftStorage() : new IdbDraftStorage(indexedDB, `fechatter-drafts-${user}`);
  const drafts = new Drafts({ storage, server: { list: api.drafts, put: (chat, text, thread) => api.putDraft(chat, text, thread) } });
  current = { user, drafts };
  if (user) void drafts.load();
  return drafts;
}

/** useDrafts is draftsFor the signed-in person. */
export function useDrafts(): Drafts {
  const me = useStore(session, (s) => s.user?.id ?? 0);
  return draftsFor(me);
}

// Save what is pending when the page goes away or to the background.
if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') void current?.drafts.flush();
  });
  window.addEventListener('pagehide', () => void current?.drafts.flush());
}
