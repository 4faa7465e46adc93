// Avatars are served to signed-in people only, with the bearer token,
// which an <img> cannot send: they are fetched (the browser's HTTP cache
// keeps the versioned URL for good) and shown as object URLs, one per URL
// for the life of the page.

import { useEffect, useState } from 'react';
import type { ID, User } from '../api/types';
import { api } from '../api/client';
import { session, workspaces } from '../stores';
import { useStore } from '../stores/store';

const cache = new Map<string, Promise<string>>();

async function fetchAvatar(url: string, retried = false): Promise<string> {
  const headers: Record<string, string> = {};
  if (api.token) headers.Authorization = `Bearer ${api.token}`;
  const res = await fetch(url, { headers, credentials: 'same-origin' });
  if (res.status === 401 && !retried) {
    await api.refresh();
    return fetchAvatar(url, true);
  }
  if (!res.ok) throw new Error(`avatar ${res.status}`);
  return URL.createObjectURL(await res.blob());
}

/** avatarSrc returns an object URL for an avatar URL, fetched once. */
export function avatarSrc(url: string): Promise<string> {
  let p = cache.get(url);
  if (!p) {
    p = fetchAvatar(url);
    p.catch(() => cache.delete(url));
    cache.set(url, p);
  }
  return p;
}

/** useAvatarSrc is the object URL of url once fetched, else null. */
export function useAvatarSrc(url: string | undefined): string | null {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    setSrc(null);
    if (!url) return;
    let live = true;
    avatarSrc(url).then((s) => live && setSrc(s), () => undefined);
    return () => {
      live = false;
    };
  }, [url]);
  return src;
}

/** knownUser finds the freshest copy of a user: the signed-in person, or
 * a member of a loaded workspace (kept current by member_updated events). */
export function knownUser(id: ID, me: User | null, members: Record<ID, { user: User }[]>, current: ID | null): User | null {
  if (me && me.id === id) return me;
  const lists = current != null && members[current] ? [members[current]!, ...Object.values(members)] : Object.values(members);
  for (const list of lists) {
    const m = list.find((x) => x.user.id === id);
    if (m) return m.user;
  }
  return null;
}

/** useKnownUser is knownUser as a hook. */
export function useKnownUser(id: ID): User | null {
  const me = useStore(session, (s) => s.user);
  const ws = useStore(workspaces, (s) => s);
  return knownUser(id, me, ws.members, ws.currentId);
}
